"""The DAGs run the core services at the run's tick, against the database of `soglasie_db`."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from soglasie.models import OutboxMessage, SlaEvent, UserRole
from soglasie.services import actions
from soglasie.services import sweep as sweep_module
from soglasie.services.common import Upload
from tests.conftest import MSK, T0
from tests.dags.conftest import AIRFLOW_WARNINGS
from tests.helpers import approve_stage, file_request, inbox, open_task
from tests.support.files import pdf_bytes

pytestmark = [pytest.mark.airflow, *AIRFLOW_WARNINGS]

# Filed Tuesday 10:00: checks Tue 15:00, Wed 10:00, Wed 15:00, Thu 10:00 (the reminder), escalation Thu 11:00.
ESCALATION_AT = dt.datetime(2026, 12, 3, 11, 0, tzinfo=MSK)
PER_REQUEST = {"check": 4, "reminder": 1, "escalation": 1}
NO_ABSENCES = {"delegated": 0, "returned": 0}


def _rows(core) -> dict[str, int]:
    """How many SLA events and outbox messages exist, and how many distinct keys they have."""
    with core.db.read() as session:
        return {
            "sla_events": session.scalar(select(func.count(SlaEvent.id))),
            "sla_keys": session.scalar(select(func.count()).select_from(
                select(SlaEvent.task_id, SlaEvent.rule, SlaEvent.occurrence).distinct().subquery())),
            "outbox": session.scalar(select(func.count(OutboxMessage.id))),
            "outbox_keys": session.scalar(select(func.count(func.distinct(OutboxMessage.idempotency_key)))),
        }


def test_sla_sweep_sends_the_reminder_and_the_escalation(core, users, invoice, run_dag):
    file_request(core, users, invoice)
    result = run_dag("sla_sweep", ESCALATION_AT)
    assert result.state == "success"
    assert result.data_interval_end == ESCALATION_AT  # `now` is the run's tick, not the wall clock
    assert result.counts == {"due_tasks": 1, "batches": 1, **PER_REQUEST, **NO_ABSENCES}
    assert inbox(core, users, "mhead")[0]["kind"] == "reminder"
    assert inbox(core, users, "ops")[0]["kind"] == "escalation"


def test_the_same_sweep_twice_adds_nothing(core, users, invoice, run_dag):
    file_request(core, users, invoice)
    assert run_dag("sla_sweep", ESCALATION_AT).state == "success"
    before = _rows(core)
    again = run_dag("sla_sweep", ESCALATION_AT)
    assert again.state == "success"
    assert again.counts["check"] == again.counts["reminder"] == again.counts["escalation"] == 0
    assert _rows(core) == before


def test_a_sweep_killed_mid_batch_and_retried_sends_nothing_twice(core, users, invoice, run_dag, monkeypatch):
    for who in ("memployee", "pemployee", "memployee"):
        file_request(core, users, invoice, who=who)
    original, calls, written = sweep_module.sweep_batch, itertools.count(), []

    def one_task_per_batch_the_second_dies(session, context, now, after_id, _limit, counts):
        last = original(session, context, now, after_id, 1, counts)
        if next(calls) == 1:  # rows of the second batch are in the transaction, not committed
            session.flush()
            written.append(session.scalar(select(func.count(SlaEvent.id)).where(SlaEvent.recorded_at == now)))
            raise RuntimeError("worker killed mid-batch")
        return last

    monkeypatch.setattr(sweep_module, "sweep_batch", one_task_per_batch_the_second_dies)
    result = run_dag("sla_sweep", ESCALATION_AT, retries=1)
    assert result.state == "success" and result.try_number == 2
    assert written == [2 * sum(PER_REQUEST.values())]  # the dying batch had written its rows
    # The retry only did what the first try had not committed: the second and third request.
    assert result.counts == {"due_tasks": 2, "batches": 2, **NO_ABSENCES,
                             **{kind: 2 * n for kind, n in PER_REQUEST.items()}}
    rows = _rows(core)
    assert rows["sla_events"] == rows["sla_keys"] == 3 * sum(PER_REQUEST.values())
    assert rows["outbox"] == rows["outbox_keys"]
    assert [item["kind"] for item in inbox(core, users, "ops")].count("escalation") == 3


def test_accounting_tasks_appear_with_the_deadline_from_the_arrival(core, users, invoice, run_dag):
    with core.db.write() as session:  # nobody can take the main task when the request reaches payment
        session.execute(UserRole.__table__.delete().where(UserRole.role == "chief_accountant"))
    card_id = file_request(core, users, invoice)
    approve_stage(core, users, card_id, "head_approval", now=T0)
    approve_stage(core, users, card_id, "finance_review", now=dt.datetime(2026, 12, 1, 14, 30, tzinfo=MSK))
    with core.db.write() as session:
        session.add(UserRole(user_id=users["chief"], role="chief_accountant"))
    later = dt.datetime(2026, 12, 2, 16, 0, tzinfo=MSK)
    result = run_dag("accounting_tasks", later)
    assert result.state == "success"
    assert result.counts == {"runs_missing_tasks": 1, "tasks_created": 1}
    task = open_task(core, users, card_id, "payment", kind="make_payment")
    assert task["assignee"] == "chief"
    assert task["deadline"] == "2026-12-02T18:00:00+03:00"  # arrived after the cut-off: end of the next day
    assert run_dag("accounting_tasks", later).counts["tasks_created"] == 0


def test_morning_digest_on_a_working_day_and_not_on_saturday(core, users, invoice, run_dag):
    file_request(core, users, invoice)
    wednesday = run_dag("morning_digest", dt.datetime(2026, 12, 2, 9, 0, tzinfo=MSK))
    assert wednesday.state == "success"
    assert wednesday.counts == {"recipients": 1, "tasks": 1, "skipped_day_off": 0, "calendar_warnings": 0}
    saturday = run_dag("morning_digest", dt.datetime(2026, 12, 5, 9, 0, tzinfo=MSK))
    assert saturday.counts == {"recipients": 0, "tasks": 0, "skipped_day_off": 1, "calendar_warnings": 0}


def test_notification_dispatch_without_external_channels_has_nothing_to_do(core, users, invoice, run_dag):
    file_request(core, users, invoice)
    result = run_dag("notification_dispatch", T0 + dt.timedelta(minutes=1))
    assert result.state == "success"
    assert result.counts == {"claimed": 0, "sent": 0, "retry": 0, "failed": 0}


def test_database_url_is_the_fallback_without_the_connection(core, users, invoice, run_dag, task_env, settings):
    file_request(core, users, invoice)
    task_env.delenv("AIRFLOW_CONN_SOGLASIE_DB")
    task_env.setenv("DATABASE_URL", settings.database_url)
    assert run_dag("sla_sweep", ESCALATION_AT).counts["escalation"] == 1


def test_the_connection_wins_over_database_url(core, users, invoice, run_dag, task_env):
    # task_env points DATABASE_URL nowhere: success proves the task used soglasie_db.
    file_request(core, users, invoice)
    result = run_dag("sla_sweep", ESCALATION_AT)
    assert result.state == "success" and result.counts["reminder"] == 1


def test_backup_writes_a_verified_snapshot_into_the_backup_dir_and_a_retry_writes_nothing(
        core, users, invoice, run_dag, task_env, tmp_path):
    from soglasie.services.backup import verify

    file_request(core, users, invoice)
    task_env.setenv("SOGLASIE_BACKUP_DIR", str(tmp_path / "nightly"))
    task_env.setenv("SOGLASIE_BACKUP_KEEP", "1")
    night = dt.datetime(2026, 12, 2, 2, 30, tzinfo=MSK)
    result = run_dag("backup", night)
    assert result.state == "success" and result.counts["bytes"] > 0
    (directory,) = (tmp_path / "nightly").iterdir()
    assert directory.name == result.counts["backup"] == "20261201T233000Z" and verify(directory) is None
    assert run_dag("backup", night).counts == {**result.counts, "bytes": 0}
    run_dag("backup", night + dt.timedelta(days=1))
    assert [path.name for path in (tmp_path / "nightly").iterdir()] == ["20261202T233000Z"]


def _weekly_messages(core, users, login: str) -> list[dict]:
    return [note for note in inbox(core, users, login) if note["kind"] == "weekly_kpi"]


def test_weekly_kpi_on_the_first_working_day_of_the_week_once(core, users, invoice, run_dag):
    card_id = file_request(core, users, invoice)  # Tue 1 Dec, paid the same week
    for stage in ("head_approval", "finance_review"):
        approve_stage(core, users, card_id, stage)
    for kind, login in (("make_payment", "chief"), ("payment_order", "accountant")):
        task = open_task(core, users, card_id, "payment", kind)
        if kind == "payment_order":
            actions.attach_file(core, users[login], task["id"], Upload(pdf_bytes("order"), "o.pdf"), T0)
        actions.complete(core, users[login], task["id"], T0 + dt.timedelta(hours=8))
    tuesday = run_dag("weekly_kpi", dt.datetime(2026, 12, 8, 9, 0, tzinfo=MSK))
    assert tuesday.counts == {"recipients": 0, "skipped_not_first_working_day": 1}
    monday = run_dag("weekly_kpi", dt.datetime(2026, 12, 7, 9, 0, tzinfo=MSK))
    assert monday.state == "success" and monday.counts == {"recipients": 2, "skipped_not_first_working_day": 0}
    again = run_dag("weekly_kpi", dt.datetime(2026, 12, 7, 9, 0, tzinfo=MSK))
    assert again.counts["recipients"] == 2
    for login in ("ops", "finance"):
        [message] = _weekly_messages(core, users, login)
        assert "2026-W49" in message["text"] and "медиана 0.9" in message["text"]  # Tue 10:00 → 18:00: 7 h
    assert _weekly_messages(core, users, "mhead") == []


def test_weekly_kpi_after_a_monday_holiday_comes_the_next_working_day(core, run_dag):
    # Monday 23 February 2026 is Defender of the Fatherland Day: the week's first working day is Tuesday 24.
    assert run_dag("weekly_kpi", dt.datetime(2026, 2, 23, 9, 0, tzinfo=MSK)).counts["recipients"] == 0
    assert run_dag("weekly_kpi", dt.datetime(2026, 2, 24, 9, 0, tzinfo=MSK)).counts == {
        "recipients": 2, "skipped_not_first_working_day": 0}
    # In the New Year week nothing is a working day until Monday 11 January: no message on the holidays.
    assert run_dag("weekly_kpi", dt.datetime(2027, 1, 5, 9, 0, tzinfo=MSK)).counts["recipients"] == 0


def test_bank_statement_import_confirms_payments_and_files_the_statements(core, users, invoice, run_dag):
    from soglasie.services.payment_orders import export_orders
    from tests.helpers import card
    from tests.test_bank import at_payment, pay, statement_from

    card_id = at_payment(core, users, invoice)
    pay(core, users, card_id)
    folder = core.settings.bank_inbox_dir
    folder.mkdir(parents=True)
    (folder / "good.txt").write_bytes(statement_from(export_orders(core, users["chief"], [card_id], T0).data))
    (folder / "bad.txt").write_bytes(b"not a statement")
    tick = dt.datetime(2026, 12, 2, 10, 0, tzinfo=MSK)
    result = run_dag("bank_statement_import", tick)
    assert result.state == "success"
    assert result.counts == {"files": 2, "processed": 1, "failed": 1, "matched": 1, "unmatched": 0,
                             "ambiguous": 0, "already_confirmed": 0}
    assert card(core, users, card_id)["stage"] == "paid"
    assert sorted(path.name for path in (folder.parent / "processed").iterdir()) == [
        "20261202T070000Z-good.txt", "20261202T070000Z-good.txt.report.json"]
    assert "line 1" in (folder.parent / "failed" / "20261202T070000Z-bad.txt.report.json").read_text()
    assert not list(folder.iterdir())
    assert run_dag("bank_statement_import", tick).counts["files"] == 0
