"""`soglasie migrate-db`: a SQLite install lived through the services arrives whole on PostgreSQL.

The source is the demo company with a simulated past (`demo history`) plus what the history does
not make (budgets, an absence, an API token, a Telegram link and conversation, payment orders,
contract versions, distinct attachments). Every table is compared row by row, JSON by its text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import JSON, Text, cast, func, inspect, select, text

from soglasie import schema
from soglasie.cli import main
from soglasie.core import Core
from soglasie.db import Database
from soglasie.demo import load_demo
from soglasie.demo_history import fill_history
from soglasie.models import Attachment, Base, Card, User
from soglasie.services import actions, budgets, payment_orders
from soglasie.services.absences import AbsenceInput, record_absence
from soglasie.services.audit import verify_timeline
from soglasie.services.common import Upload
from soglasie.services.migrate_db import migrate_db
from soglasie.services.telegram_links import create_link, link_chat
from soglasie.settings import Settings
from soglasie.telegram_bot import conversations
from soglasie.tokens import create_token
from tests.conftest import SECRET_KEY, T0, WITHOUT_POSTGRES
from tests.helpers import add_contract_version, approve_stage, card, create_contract, file_request, open_task
from tests.support.files import pdf_bytes
from tests.support.rules import RULES_DIR
from webapp import create_app

pytestmark = pytest.mark.skipif(WITHOUT_POSTGRES, reason="SOGLASIE_TESTS_WITHOUT_POSTGRES=1: no PostgreSQL")

CHAT_ID = 7_000_000_001  # beyond 32 bits: telegram ids are BIGINT
# Tables the source must hold rows of, so that the comparison covers every kind of column.
EXPECTED_FILLED = {"cards", "tasks", "timeline_events", "attachments", "contract_versions", "outbox", "durations",
                   "sla_events", "budgets", "absences", "api_tokens", "telegram_links", "telegram_conversations",
                   "payment_orders", "rules_versions", "users", "departments", "process_runs"}


def _settings(url, data_dir) -> Settings:
    """Telegram configured (a link needs the bot's name), never reached: nothing here sends."""
    return Settings(database_url=url, data_dir=data_dir, rules_dir=RULES_DIR, secret_key=SECRET_KEY,
                    telegram_bot_token="123:test", telegram_bot_username="soglasie_test_bot")


def api_card(core: Core, token: str, card_id: int) -> dict:
    """The card as the portal's API answers it."""
    client = create_app({"SOGLASIE_CORE": core, "TESTING": True, "SOGLASIE_CLOCK": lambda: T0}).test_client()
    response = client.get(f"/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.json
    return response.json


def _extras(core: Core, users: dict[str, int]) -> str:
    """What `demo history` does not make, through the services; the API token made on the way."""
    paid = file_request(core, users, Upload(pdf_bytes("to pay"), "to-pay.pdf"), amount="98765432.10")
    _approve_until_payment(core, users, paid)
    payment_orders.export_orders(core, users["chief"], [paid], T0)
    contract = create_contract(core, users["memployee"], T0, counterparty_inn="7701526010", subject="Банки, 2027",
                               amount="500000.00", valid_from="2026-11-01", valid_to="2027-12-31",
                               document=Upload(pdf_bytes("contract v1"), "contract.pdf"))
    add_contract_version(core, users["memployee"], contract.card_id, Upload(pdf_bytes("contract v2"), "v2.pdf"),
                         T0 + dt.timedelta(minutes=5), "ещё версия")
    record_absence(core, users["mhead"], T0, AbsenceInput("2026-12-10", "2026-12-11", "phead"))
    with core.db.write() as session:
        token = create_token(session, "finance", T0, "1c")
    link = urlsplit(create_link(core, users["mhead"], T0))
    link_chat(core, parse_qs(link.query)["start"][0], CHAT_ID, T0)
    task = open_task(core, users, file_request(core, users, Upload(pdf_bytes("asked"), "asked.pdf")), "head_approval")
    conversations.ask(core, CHAT_ID, users["mhead"], task["id"], "reject", 501, 500, T0)
    budgets.put_budgets(core, users["finance"], T0, [
        {"year": 2026, "month": 1, "department": "marketing", "cost_item": "PACK", "planned": "500000.00"}])
    return token


def _approve_until_payment(core: Core, users: dict[str, int], card_id: int) -> None:
    """Approve whatever is open until the card stands at the payment stage (a large sum passes more stages)."""
    while True:
        tasks = [task for task in card(core, users, card_id)["tasks"] if task["status"] in ("open", "started")]
        if any(task["stage"] == "payment" for task in tasks):
            return
        actions.approve(core, users[tasks[0]["assignee"]], tasks[0]["id"], T0)


@pytest.fixture(scope="module")
def source(sqlite_template, tmp_path_factory):
    """A SQLite install (file and data directory) with a past, and its demo users."""
    base = tmp_path_factory.mktemp("source")
    shutil.copy(sqlite_template, base / "soglasie.db")
    url = f"sqlite:///{base / 'soglasie.db'}"
    core = Core.from_settings(_settings(url, base / "data"))
    try:
        fill_history(core, T0, months=2, requests=30)
        with core.db.read() as session:
            users = dict(session.execute(select(User.login, User.id)).all())
        token = _extras(core, users)
        with core.db.read() as session:  # a contract: it has versions and a counterparty
            card_id = session.scalars(select(Card.id).where(Card.kind == "contract").order_by(Card.id.desc())).first()
        answer = api_card(core, token, card_id)  # before the snapshot: reading notes the token's use
        tables = rows_by_table(core.db)
    finally:
        core.db.dispose()
    assert EXPECTED_FILLED <= {name for name, rows in tables.items() if rows}
    return SimpleNamespace(url=url, path=base / "soglasie.db", data_dir=base / "data", users=users, tables=tables,
                           token=token, api_card=answer)


@pytest.fixture
def target(postgres_cluster, request):
    """A function: a new empty PostgreSQL database's URL."""
    made = []

    def make() -> str:
        name = f"moved_{request.node.name.split('[')[0][-30:]}_{len(made)}".lower()
        postgres_cluster.admin_sql(f"CREATE DATABASE {name}")
        made.append(name)
        return postgres_cluster.url(name)

    yield make
    for name in made:
        postgres_cluster.admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def moved(source, postgres_cluster, tmp_path_factory):
    """The source migrated once, with its attachments copied to a new data directory; its runtime."""
    postgres_cluster.admin_sql("CREATE DATABASE moved_module")
    url = postgres_cluster.url("moved_module")
    data_dir = tmp_path_factory.mktemp("target") / "data"
    report = migrate_db(source.url, url, data_dir_from=source.data_dir, data_dir_to=data_dir)
    core = Core.from_settings(_settings(url, data_dir))
    yield SimpleNamespace(core=core, report=report, data_dir=data_dir)
    core.db.dispose()
    postgres_cluster.admin_sql("DROP DATABASE IF EXISTS moved_module WITH (FORCE)")


def rows_by_table(database: Database) -> dict[str, list[tuple]]:
    """Every row of every table in primary-key order, values as the models read them; JSON as its stored text."""
    with database.read() as session:
        return {table.name: [tuple(row) for row in session.execute(
            select(*(cast(column, Text) if isinstance(column.type, JSON) else column for column in table.c))
            .order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables}


def table_names(url: str) -> list[str]:
    database = Database.from_url(url)
    try:
        return inspect(database.engine).get_table_names()
    finally:
        database.dispose()


def test_every_row_of_every_table_arrives_unchanged(source, moved):
    assert moved.report.tables == {name: len(rows) for name, rows in source.tables.items()}
    arrived = rows_by_table(moved.core.db)
    for name, rows in source.tables.items():
        assert arrived[name] == rows, name
    with moved.core.db.read() as session:  # the types arrive as PostgreSQL's own, not as text
        column_types = dict(session.execute(text(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public'")).all())
    assert column_types["timeline_events.at"] == "timestamp with time zone"
    assert column_types["cards.amount"] == "bigint"
    assert column_types["users.active"] == "boolean"


def test_ids_continue_after_the_largest_copied_id(source, moved):
    with moved.core.db.read() as session:
        for table in Base.metadata.sorted_tables:
            column = table.autoincrement_column
            if column is None:
                continue
            sequence = session.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                       {"t": table.name, "c": column.name}).scalar()
            state = session.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
            largest = session.execute(select(func.max(column))).scalar() or 0
            assert tuple(state) == (largest + 1, False), table.name
    largest_card = max(row[0] for row in source.tables["cards"])
    card_id = file_request(moved.core, source.users, Upload(pdf_bytes("after the move"), "after.pdf"), who="pemployee")
    assert card_id == largest_card + 1
    approve_stage(moved.core, source.users, card_id, "head_approval")


def test_the_timeline_chain_verifies_on_the_target(source, moved):
    report = verify_timeline(moved.core)
    assert report.ok, [problem.describe() for problem in report.breaks]
    assert report.rows >= len(source.tables["timeline_events"])
    assert report.cards >= len({row[1] for row in source.tables["timeline_events"]})  # and any filed since


def test_attachments_are_readable_from_the_new_data_directory(source, moved):
    column = list(Attachment.__table__.c.keys()).index("sha256")
    digests = {row[column] for row in source.tables["attachments"]}
    assert len(digests) > 3
    assert moved.report.files == len(digests)
    for digest in digests:
        assert hashlib.sha256(moved.core.store.read(digest)).hexdigest() == digest


def test_the_api_reads_a_migrated_card_as_the_source_did(source, moved):
    assert api_card(moved.core, source.token, source.api_card["id"]) == source.api_card
    assert source.api_card["attachments"]


def test_the_command_prints_the_summary_on_stdout_and_progress_on_stderr(source, target, capsys):
    url = target()
    prepared = Database.from_url(url)
    schema.upgrade(prepared)  # freshly migrated and empty: accepted
    prepared.dispose()
    assert main(["migrate-db", "--from", source.url, "--to", url, "--json"]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert summary["tables"] == {name: len(rows) for name, rows in source.tables.items()}
    assert summary["rows"] == sum(map(len, source.tables.values()))
    assert "timeline_events:" in err


def test_the_text_summary_lists_every_table_with_its_rows(source, target, capsys):
    assert main(["migrate-db", "--from", source.url, "--to", target()]) == 0
    out = capsys.readouterr().out.splitlines()
    assert {tuple(line.split()) for line in out[:-1]} == {(name, str(len(rows))) for name, rows in
                                                          source.tables.items()}
    assert out[-1].startswith(f"Copied {sum(map(len, source.tables.values()))} rows of {len(source.tables)} tables")


def test_a_target_holding_rows_is_refused_naming_the_table(source, target, capsys):
    url = target()
    database = Database.from_url(url)
    schema.upgrade(database)
    with database.write() as session:
        load_demo(session, T0)
    before = rows_by_table(database)
    assert main(["migrate-db", "--from", source.url, "--to", url]) == 2
    err = capsys.readouterr().err
    assert "--to" in err and "table company holds rows" in err
    assert rows_by_table(database) == before
    database.dispose()


def test_a_source_behind_the_newest_revision_is_refused_with_the_upgrade_command(tmp_path, target, capsys):
    old = Database.from_url(f"sqlite:///{tmp_path / 'old.db'}")
    schema.upgrade(old, "0012")
    old.dispose()
    url = target()
    assert main(["migrate-db", "--from", f"sqlite:///{tmp_path / 'old.db'}", "--to", url]) == 2
    err = capsys.readouterr().err
    assert "--from" in err and "revision 0012" in err and "soglasie init" in err
    assert table_names(url) == []


@pytest.mark.parametrize(("option", "source_url", "target_url", "says"), [
    ("--from", "not a url", None, "is not a database URL"),
    ("--from", "postgresql://somewhere/db", None, "must be a sqlite URL"),
    ("--from", "sqlite:///{tmp}/missing.db", None, "no such SQLite database file"),
    ("--to", None, "sqlite:///{tmp}/other.db", "must be a postgresql URL"),
    ("--to", None, "::", "is not a database URL"),
    ("--to", None, "postgresql://postgres@127.0.0.1:1/nowhere", "cannot connect to"),
])
def test_a_bad_url_is_refused_naming_the_option(source, target, tmp_path, capsys, option, source_url, target_url,
                                                says):
    good_target = target()
    source_url = (source_url or source.url).format(tmp=tmp_path)
    target_url = (target_url or good_target).format(tmp=tmp_path)
    assert main(["migrate-db", "--from", source_url, "--to", target_url]) == 2
    err = capsys.readouterr().err
    assert option in err and says in err
    assert table_names(good_target) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == []  # no SQLite file created on the way


def test_a_row_the_target_refuses_rolls_back_everything(source, target, tmp_path, capsys):
    broken = tmp_path / "broken.db"
    shutil.copy(source.path, broken)
    with sqlite3.connect(broken) as connection:  # SQLite keeps a subject longer than its column allows
        connection.execute("UPDATE cards SET subject = ? WHERE id = (SELECT max(id) FROM cards)", ("я" * 5000,))
    url = target()
    assert main(["migrate-db", "--from", f"sqlite:///{broken}", "--to", url]) == 2
    assert "table cards" in capsys.readouterr().err
    assert table_names(url) == []  # the schema too: one transaction


def test_attachments_missing_from_the_source_data_directory_are_refused(source, target, tmp_path):
    url = target()
    with pytest.raises(Exception, match="attachment files are missing"):
        migrate_db(source.url, url, data_dir_from=tmp_path / "elsewhere", data_dir_to=tmp_path / "new")
    assert table_names(url) == []
    assert not (tmp_path / "new").exists()



def test_sql_null_and_json_null_stay_apart(source, target, tmp_path):
    """Rows older than a nullable JSON column hold SQL NULL there; the services write JSON `null`."""
    copy = tmp_path / "older.db"
    shutil.copy(source.path, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE absences SET processes = NULL")
        connection.execute("INSERT INTO absences (user_id, deputy_id, start_date, end_date, processes, created_at,"
                           " created_by_id) SELECT user_id, deputy_id, '2027-01-11', '2027-01-12', 'null', created_at,"
                           " created_by_id FROM absences")
    url = target()
    migrate_db(f"sqlite:///{copy}", url)
    database = Database.from_url(url)
    try:
        with database.read() as session:
            stored = session.execute(text("SELECT processes::text FROM absences ORDER BY id")).scalars().all()
    finally:
        database.dispose()
    assert stored == [None, "null"]


def test_a_count_that_differs_on_the_target_fails_the_move(source, target, capsys):
    url = target()
    database = Database.from_url(url)
    schema.upgrade(database)
    with database.write() as session:  # a target that swallows rows silently
        session.execute(text("CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; "
                             "END $$"))
        session.execute(text("CREATE TRIGGER swallow BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION swallow()"))
    assert main(["migrate-db", "--from", source.url, "--to", url]) == 2
    rows = len(source.tables["outbox"])
    assert f"table outbox: {rows} rows in the source, {rows} copied, 0 on the target" in capsys.readouterr().err
    assert not any(rows_by_table(database).values())
    database.dispose()
