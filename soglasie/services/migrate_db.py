"""`migrate-db`: move an embedded SQLite install to PostgreSQL, every row, in one transaction on the target.

- The source is a SQLite file at the newest schema revision (else: upgrade it first with
  `soglasie init`); it is read in one read transaction, so the copy is the database at one instant.
- The target is a PostgreSQL database that holds no application rows: empty, or freshly migrated
  and still empty. Its schema is brought to the newest revision with our Alembic migrations in
  the same transaction that copies the rows, so a failure anywhere leaves it as it was.
- Rows are read and written through the models' tables (`Base.metadata`), parents before
  children (foreign keys), in batches: the column types convert each value (naive-UTC
  timestamps become tz-aware, 0/1 booleans, integer kopecks, JSON, bytes).
- The timeline's triggers refuse UPDATE and DELETE only (migration 0010); rows are inserted with
  their hashes unchanged, so `audit verify` holds on the target.
- Afterwards each serial id's sequence is set past the largest id, and every table's row count is
  compared on both sides; a difference fails the whole move.
- Attachments live in the data directory, not in the database (`<data dir>/attachments/ab/cd/<sha256>`).
  Keeping the same data directory needs nothing; `data_dir_to` copies every file a row refers to
  into a new data directory and checks each copy's SHA-256 against its name.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (JSON, Column, Connection, Table, Text, bindparam, cast, func, inspect, or_, select, text,
                        type_coerce)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from soglasie.attachments import AttachmentStore
from soglasie.db import Database
from soglasie.errors import Conflict, ValidationError
from soglasie.models import Attachment, Base
from soglasie.schema import alembic_config

BATCH_ROWS = 1000
ALEMBIC_TABLE = "alembic_version"
_CHUNK = 1 << 20


class MigrationError(Conflict):
    """A move that cannot be done or did not verify; the message says why and what to do."""

    def __init__(self, message: str, field: str):
        super().__init__(message, field, code="migrate_db")


@dataclass
class MigrationReport:
    """What was moved: rows per table (in copy order), attachment files copied, and where from and to."""

    source: str
    target: str
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0

    @property
    def rows(self) -> int:
        """Rows copied in all."""
        return sum(self.tables.values())

    def as_json(self) -> dict:
        """The summary `migrate-db --json` prints."""
        return {"source": self.source, "target": self.target, "tables": self.tables, "rows": self.rows,
                "files": self.files}


def migrate_db(source_url: str, target_url: str, *, data_dir_from: Path | None = None,
               data_dir_to: Path | None = None, batch_rows: int = BATCH_ROWS,
               progress: Callable[[str], None] = lambda message: None) -> MigrationReport:
    """Copy every row of the SQLite database `source_url` into the empty PostgreSQL database `target_url`."""
    source_path = _check_urls(source_url, target_url)
    if data_dir_to is not None and (data_dir_from is None
                                    or Path(data_dir_to).resolve() == Path(data_dir_from).resolve()):
        raise ValidationError("--data-dir-to must be a new data directory, not the source's (SOGLASIE_DATA_DIR); "
                              "leave it out to keep using the same data directory", "data_dir_to")
    source, target = Database.from_url(source_url), Database.from_url(target_url)
    report = MigrationReport(_shown(source_url), _shown(target_url))
    try:
        _require_reachable(target, report.target)
        with source.engine.connect() as reader:
            _require_head(reader, source_path)
            tables = _tables_in_order(reader)
            if data_dir_to is not None:
                report.files = copy_attachments(reader, Path(data_dir_from), Path(data_dir_to), progress)
            with target.engine.begin() as writer:
                _require_empty(writer)
                progress("migrating the target's schema to the newest revision")
                _upgrade(writer, target_url)
                later = _later_references(tables)
                for table in tables:
                    report.tables[table.name] = _copy_table(reader, writer, table, later.get(table.name, []),
                                                            batch_rows, progress)
                for table in tables:
                    _fill_later_references(reader, writer, table, later.get(table.name, []), batch_rows)
                _set_sequences(writer, tables)
                _compare_counts(reader, writer, report.tables)
    finally:
        source.dispose()
        target.dispose()
    return report


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _check_urls(source_url: str, target_url: str) -> Path:
    """The source's file; refuses URLs that are malformed, of the wrong backend, or a source file that is missing."""
    urls = {}
    for option, raw, backend in (("from", source_url, "sqlite"), ("to", target_url, "postgresql")):
        try:
            urls[option] = make_url(raw)
        except ArgumentError:
            raise ValidationError(f"--{option}: {raw!r} is not a database URL (e.g. {_EXAMPLES[option]})",
                                  option) from None
        if urls[option].get_backend_name() != backend:
            raise ValidationError(f"--{option} must be a {backend} URL (e.g. {_EXAMPLES[option]}), "
                                  f"not {urls[option].get_backend_name()}", option)
    database = urls["from"].database
    if not database or database == ":memory:" or not Path(database).is_file():
        raise ValidationError(f"--from: {database or 'an in-memory database'}: no such SQLite database file", "from")
    return Path(database)


_EXAMPLES = {"from": "sqlite:////srv/soglasie/soglasie.db", "to": "postgresql://soglasie@db-host/soglasie"}


def _require_reachable(target: Database, shown: str) -> None:
    """Refuse a target we cannot connect to (host, port, password, database name) before anything else."""
    try:
        with target.engine.connect():
            pass
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise MigrationError(f"--to: cannot connect to {shown}: {reason}", "to") from None


def _require_head(reader: Connection, path: Path) -> None:
    """Refuse a source that is not at the newest revision: its tables would not match the models."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    current = MigrationContext.configure(reader).get_current_revision()
    if current != head:
        raise MigrationError(f"--from: the source database is at schema revision {current or 'none'}, not the "
                             f"newest ({head}): upgrade it first with `DATABASE_URL=sqlite:///{path} soglasie init`, "
                             "then run migrate-db again", "from")


def _tables_in_order(reader: Connection) -> list[Table]:
    """The models' tables, parents before children; refuses a source holding a table the models do not know."""
    known = {table.name for table in Base.metadata.sorted_tables}
    unknown = sorted(set(inspect(reader).get_table_names()) - known - {ALEMBIC_TABLE})
    if unknown:
        raise MigrationError(f"--from: the source holds tables this version of Soglasie does not know: "
                             f"{', '.join(unknown)}", "from")
    return list(Base.metadata.sorted_tables)


def _require_empty(writer: Connection) -> None:
    """Refuse a target holding any row (besides Alembic's revision): the move never merges or overwrites."""
    for name in sorted(inspect(writer).get_table_names()):
        if name == ALEMBIC_TABLE:
            continue
        quoted = writer.dialect.identifier_preparer.quote(name)
        if writer.execute(text(f"SELECT EXISTS (SELECT 1 FROM {quoted})")).scalar():
            raise MigrationError(f"--to: the target database is not empty: table {name} holds rows; migrate-db "
                                 "copies only into an empty database (or one freshly migrated and still empty)",
                                 "to")


def _upgrade(writer: Connection, target_url: str) -> None:
    """Our migrations, on the writer's own transaction (PostgreSQL's DDL is transactional)."""
    config = alembic_config(make_url(target_url).render_as_string(hide_password=False))
    config.attributes["connection"] = writer
    command.upgrade(config, "head")


def _later_references(tables: list[Table]) -> dict[str, list[Column]]:
    """Per table, its foreign-key columns pointing at itself or at a table copied after it.

    The schema has such cycles (a department's head is a user of a department; a card points at
    its current run and at its contract card): those columns are written NULL with the row and
    filled in once every table is there. They are nullable, which `_copy_table` relies on.
    """
    position = {table.name: index for index, table in enumerate(tables)}
    later: dict[str, list[Column]] = {}
    for table in tables:
        for key in sorted(table.foreign_keys, key=lambda key: key.parent.name):
            if position[key.column.table.name] >= position[table.name]:
                later.setdefault(table.name, []).append(key.parent)
    return later


def _copy_table(reader: Connection, writer: Connection, table: Table, later: list[Column], batch_rows: int,
                progress: Callable[[str], None]) -> int:
    """Every row of `table` in primary-key order, `batch_rows` at a time (`later` columns NULL); the number copied.

    JSON travels as its text, so SQL NULL stays NULL and a JSON `null` stays `null` (read through
    the JSON type, both would come back as None and be written as JSON `null`).
    """
    json_columns = [column for column in table.c if isinstance(column.type, JSON)]
    # A bind parameter may not carry its column's name in an INSERT: the text travels as `<name>_json`.
    query = select(*(type_coerce(column, Text).label(f"{column.name}_json") if column in json_columns else column
                     for column in table.c if column not in later)).order_by(*table.primary_key.columns)
    insert = table.insert().values({column.name: cast(bindparam(f"{column.name}_json", type_=Text()), column.type)
                                    for column in json_columns} | {column.name: None for column in later})
    copied = 0
    try:
        for batch in reader.execute(query.execution_options(yield_per=batch_rows)).mappings().partitions(batch_rows):
            writer.execute(insert, [dict(row) for row in batch])
            copied += len(batch)
    except DBAPIError as error:
        raise MigrationError(f"table {table.name}: the target refused a row after {copied} copied, nothing was "
                             f"committed: {str(error.orig).strip()[:500]}", "to") from None
    progress(f"{table.name}: {copied} rows")
    return copied


def _fill_later_references(reader: Connection, writer: Connection, table: Table, later: list[Column],
                           batch_rows: int) -> None:
    """Write the `later` foreign keys of the rows that have one, now that every row they point at exists."""
    if not later:
        return
    key = table.primary_key.columns
    query = (select(*key, *later).where(or_(*(column.isnot(None) for column in later))).order_by(*key)
             .execution_options(yield_per=batch_rows))
    update = (table.update().where(*(column == bindparam(f"key_{column.name}") for column in key))
              .values({column.name: bindparam(f"new_{column.name}") for column in later}))
    for batch in reader.execute(query).mappings().partitions(batch_rows):
        writer.execute(update, [{**{f"key_{column.name}": row[column.name] for column in key},
                                 **{f"new_{column.name}": row[column.name] for column in later}} for row in batch])


def _set_sequences(writer: Connection, tables: list[Table]) -> None:
    """Each serial or identity id continues after the largest copied id (the next id is max(id) + 1)."""
    for table in tables:
        if table.autoincrement_column is None:
            continue
        column = table.autoincrement_column.name
        sequence = writer.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                  {"table": table.name, "column": column}).scalar()
        if sequence is None:
            continue
        largest = writer.execute(select(func.max(table.c[column]))).scalar()
        writer.execute(text("SELECT setval(:sequence, :next, false)"),
                       {"sequence": sequence, "next": (largest or 0) + 1})


def _compare_counts(reader: Connection, writer: Connection, copied: dict[str, int]) -> None:
    """Count every table on both sides; a count that differs from the rows copied fails the move (rolled back)."""
    for name, rows in copied.items():
        count = select(func.count()).select_from(Base.metadata.tables[name])
        source, target = reader.execute(count).scalar(), writer.execute(count).scalar()
        if not source == rows == target:
            raise MigrationError(f"table {name}: {source} rows in the source, {rows} copied, {target} on the "
                                 "target; nothing was committed", "to")


def copy_attachments(reader: Connection, data_dir_from: Path, data_dir_to: Path,
                     progress: Callable[[str], None]) -> int:
    """Copy every file an attachment row refers to into `data_dir_to`, each copy checked by its SHA-256."""
    source = AttachmentStore(data_dir_from / "attachments", 0)
    target = AttachmentStore(data_dir_to / "attachments", 0)
    digests = sorted(set(reader.execute(select(Attachment.sha256)).scalars()))
    missing = [digest for digest in digests if not source.path_of(digest).is_file()]
    if missing:
        raise MigrationError(f"--data-dir-from: {len(missing)} attachment files are missing, the first "
                             f"{source.path_of(missing[0])}: is SOGLASIE_DATA_DIR the source install's?", "data_dir")
    for digest in digests:
        destination = target.path_of(digest)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source.path_of(digest), destination)
        if _sha256(destination) != digest:
            raise MigrationError(f"--data-dir-to: the copy {destination} does not match its SHA-256 "
                                 f"(is {source.path_of(digest)} damaged?)", "data_dir_to")
    progress(f"attachments: {len(digests)} files copied to {target.root}")
    return len(digests)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
