"""The tamper-evident timeline: a hash chain per card, recomputed independently; UPDATE/DELETE refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from soglasie import schema
from soglasie.cli import main
from soglasie.services import actions
from soglasie.services.audit import verify_timeline
from soglasie.services.common import Upload
from tests.conftest import T0
from tests.helpers import approve_stage, card, file_request, open_task
from tests.support.files import pdf_bytes

LATER = T0 + dt.timedelta(hours=1)
FIELDS = "id, card_id, run_id, task_id, actor_id, on_behalf_of_id, at, event, stage, comment, data, prev_hash, hash"


def _auditor_hash(prev: str, row: dict) -> str:
    """The chain's hash as docs/architecture.md defines it, written from the documentation, not the writer's code."""
    at = row["at"]
    if isinstance(at, str):  # SQLite hands raw SQL the stored text: naive UTC
        at = dt.datetime.fromisoformat(at)
    at = at.replace(tzinfo=dt.timezone.utc) if at.tzinfo is None else at.astimezone(dt.timezone.utc)
    data = json.loads(row["data"]) if isinstance(row["data"], str) else (row["data"] or {})
    content = {"v": 1, "prev": prev, "card_id": row["card_id"], "run_id": row["run_id"], "task_id": row["task_id"],
               "actor_id": row["actor_id"], "on_behalf_of_id": row["on_behalf_of_id"],
               "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "event": row["event"], "stage": row["stage"],
               "comment": row["comment"], "data": data}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()


def _raw_rows(core, card_id: int) -> list[dict]:
    with core.db.engine.connect() as connection:
        return [dict(row) for row in connection.execute(
            text(f"SELECT {FIELDS} FROM timeline_events WHERE card_id = :card ORDER BY id"), {"card": card_id}
        ).mappings()]


def _sql(core, *statements: str, **params) -> None:
    with core.db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params)


def _drop_triggers(core) -> None:
    if core.db.is_sqlite:
        _sql(core, "DROP TRIGGER timeline_events_no_update", "DROP TRIGGER timeline_events_no_delete")
    else:
        _sql(core, "DROP TRIGGER timeline_events_no_update_delete ON timeline_events")


@pytest.fixture
def approved(core, users, invoice) -> int:
    """A request with a history: filed (with a Russian comment), approved by the head, approved by finance."""
    card_id = file_request(core, users, invoice, comment="Срочно — «Упаковка»")
    approve_stage(core, users, card_id, "head_approval", now=LATER)
    approve_stage(core, users, card_id, "finance_review", now=LATER)
    return card_id


def test_every_row_carries_the_hash_an_auditor_recomputes_from_the_documented_definition(core, approved):
    rows = _raw_rows(core, approved)
    assert len(rows) >= 5
    prev = ""
    for row in rows:
        assert row["prev_hash"] == prev
        assert row["hash"] == _auditor_hash(prev, row)
        prev = row["hash"]


def test_an_untouched_history_verifies_everywhere(core, users, approved, tmp_path, monkeypatch):
    report = verify_timeline(core)
    assert report.ok and report.cards >= 1 and report.rows >= 5
    view = card(core, users, approved)
    assert view["history_verified"] is True and view["history_problem"] is None
    _cli_env(monkeypatch, core)
    assert main(["audit", "verify", "--card", str(approved)]) == 0


@pytest.mark.parametrize("statement", [
    "UPDATE timeline_events SET comment = 'nothing happened' WHERE card_id = :card",
    "DELETE FROM timeline_events WHERE card_id = :card",
])
def test_the_database_refuses_update_and_delete_on_the_timeline(core, approved, statement):
    before = _raw_rows(core, approved)
    with pytest.raises(DBAPIError, match="append-only"):
        _sql(core, statement, card=approved)
    assert _raw_rows(core, approved) == before


def _second_row(core, card_id: int) -> dict:
    return _raw_rows(core, card_id)[1]


def _change(core, card_id):
    row = _second_row(core, card_id)
    _sql(core, "UPDATE timeline_events SET comment = 'edited' WHERE id = :id", id=row["id"])
    return row["id"], "changed"


def _delete(core, card_id):
    rows = _raw_rows(core, card_id)
    _sql(core, "DELETE FROM timeline_events WHERE id = :id", id=rows[1]["id"])
    return rows[2]["id"], "deleted_before"


def _insert(core, card_id):
    first = _raw_rows(core, card_id)[0]
    _sql(core, "INSERT INTO timeline_events (card_id, at, event, data) VALUES (:card, :at, 'approved', '{}')",
         card=card_id, at=first["at"])
    return _raw_rows(core, card_id)[-1]["id"], "inserted"


def _insert_with_a_forged_link(core, card_id):
    """Out of band in the middle of the chain: a row whose own hash holds but whose link does not."""
    rows = _raw_rows(core, card_id)
    _sql(core, "DELETE FROM timeline_events WHERE card_id = :card AND id > :id", card=card_id, id=rows[1]["id"])
    forged = {**rows[1], "comment": "approved by nobody", "prev_hash": "f" * 64}
    forged["hash"] = _auditor_hash(forged["prev_hash"], forged)
    for row in [forged, *rows[2:]]:  # the forged row, then the genuine rows after it, as they were
        _reinsert(core, row)
    return _raw_rows(core, card_id)[2]["id"], "inserted"


def _reinsert(core, row: dict) -> None:
    values = {name: (json.dumps(value) if name == "data" and not isinstance(value, str) else value)
              for name, value in row.items() if name != "id"}
    _sql(core, f"INSERT INTO timeline_events ({', '.join(values)}) VALUES ({', '.join(':' + c for c in values)})",
         **values)


@pytest.mark.parametrize("tamper", [_change, _delete, _insert, _insert_with_a_forged_link])
def test_verify_names_the_first_row_changed_deleted_or_inserted_out_of_band(core, users, approved, tamper,
                                                                            monkeypatch, capsys):
    _drop_triggers(core)
    row_id, problem = tamper(core, approved)
    report = verify_timeline(core)
    assert [(b.card_id, b.row_id, b.problem) for b in report.breaks] == [(approved, row_id, problem)]
    view = card(core, users, approved)
    assert view["history_verified"] is False and view["history_problem"] == {"row_id": row_id, "problem": problem}
    _cli_env(monkeypatch, core)
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert f"card {approved}: timeline row {row_id} " in capsys.readouterr().out


def test_other_cards_still_verify_and_a_missing_card_is_a_clear_error(core, users, invoice, approved, monkeypatch,
                                                                       capsys):
    other = file_request(core, users, invoice)
    _drop_triggers(core)
    _change(core, approved)
    assert verify_timeline(core, other).ok
    _cli_env(monkeypatch, core)
    assert main(["audit", "verify", "--card", str(other)]) == 0
    assert main(["audit", "verify", "--card", "999999"]) == 2
    assert "not found" in capsys.readouterr().err


def _cli_env(monkeypatch, core) -> None:
    monkeypatch.setenv("DATABASE_URL", core.settings.database_url)
    monkeypatch.setenv("SOGLASIE_DATA_DIR", str(core.settings.data_dir))
    monkeypatch.setenv("SOGLASIE_RULES_DIR", str(core.settings.rules_dir))


def test_the_migration_backfills_the_chain_the_writer_computes_and_then_refuses_updates(core, approved):
    written = [(row["id"], row["prev_hash"], row["hash"]) for row in _raw_rows(core, approved)]
    schema.upgrade(core.db, "0006a")  # before the chain: the rows lose their hashes
    schema.upgrade(core.db)
    assert [(row["id"], row["prev_hash"], row["hash"]) for row in _raw_rows(core, approved)] == written
    with pytest.raises(DBAPIError, match="append-only"):
        _sql(core, "UPDATE timeline_events SET event = 'approved' WHERE card_id = :card", card=approved)


def test_concurrent_appends_to_one_card_queue_on_its_chain_instead_of_forking_it(core, users, invoice):
    card_id = file_request(core, users, invoice)
    task = open_task(core, users, card_id, "head_approval")
    start, errors = threading.Barrier(6), []

    def attach(number: int) -> None:
        try:
            start.wait(timeout=30)
            actions.attach_file(core, users[task["assignee"]], task["id"],
                                Upload(pdf_bytes(f"note {number}"), f"note-{number}.pdf"), LATER)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=attach, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    rows = _raw_rows(core, card_id)
    assert sum(row["event"] == "attachment_added" for row in rows) == 6
    assert verify_timeline(core, card_id).ok
