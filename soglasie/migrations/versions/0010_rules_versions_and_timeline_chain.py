"""rules versions kept in the database; the timeline's hash chain, backfilled; UPDATE/DELETE on it refused

Revision ID: 0010
Revises: 0006a
Create Date: 2026-12-08 00:00:00

`rules_versions`: every rules version that passed the check and went live (its files, when,
by which process), so a process started while the files are broken runs on the last good one.
`timeline_events.prev_hash`/`hash`: the chain of soglasie/process/chain.py, computed here for
the rows that exist (per card, in id order), after which triggers refuse UPDATE and DELETE on
the table on both databases (and TRUNCATE on PostgreSQL).
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

from soglasie.process import chain


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_REFUSAL = "timeline_events is append-only: UPDATE and DELETE are refused"
_SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER timeline_events_no_{verb.lower()} BEFORE {verb} ON timeline_events "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
    for verb in ("UPDATE", "DELETE"))
_POSTGRES_TRIGGERS = (
    "CREATE FUNCTION timeline_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$",
    "CREATE TRIGGER timeline_events_no_update_delete BEFORE UPDATE OR DELETE ON timeline_events "
    "FOR EACH ROW EXECUTE FUNCTION timeline_events_append_only()",
    "CREATE TRIGGER timeline_events_no_truncate BEFORE TRUNCATE ON timeline_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION timeline_events_append_only()",
)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('rules_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('went_live_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('loaded_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rules_versions'))
    )
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _backfill_chain(op.get_bind())
    for statement in _triggers():
        op.execute(statement)


def downgrade() -> None:
    """Revert this migration (the chain and the stored rules versions are dropped)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS timeline_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS timeline_events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS timeline_events_no_update_delete ON timeline_events")
        op.execute("DROP TRIGGER IF EXISTS timeline_events_no_truncate ON timeline_events")
        op.execute("DROP FUNCTION IF EXISTS timeline_events_append_only()")
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    op.drop_table('rules_versions')


def _triggers() -> tuple[str, ...]:
    return _SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_TRIGGERS


def _backfill_chain(connection) -> None:
    """Chain the existing rows, card by card in id order (before the triggers exist)."""
    columns = ", ".join(("id",) + chain.HASHED_FIELDS)
    rows = connection.execute(sa.text(f"SELECT {columns} FROM timeline_events ORDER BY card_id, id")).mappings()
    heads: dict[int, str] = {}
    update = sa.text("UPDATE timeline_events SET prev_hash = :prev, hash = :hash WHERE id = :id")
    for row in rows.all():
        content = dict(row)
        content["at"] = _aware(content["at"])
        content["data"] = _json(content["data"])
        prev = heads.get(row["card_id"], chain.GENESIS)
        heads[row["card_id"]] = chain.row_hash(prev, content)
        connection.execute(update, {"prev": prev, "hash": heads[row["card_id"]], "id": row["id"]})


def _aware(value) -> dt.datetime:
    """A stored instant as an aware UTC datetime (SQLite gives naive UTC, or a string)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def _json(value):
    """A JSON column read by raw SQL (SQLite gives the text)."""
    import json

    return json.loads(value) if isinstance(value, str) else (value or {})
