"""Durations recorded by the transition function, against working time computed by hand.

Each case files a request at a chosen instant and acts on it; the expected minutes are counted
on the production calendar by hand (weekends, the New Year holidays with the 31 December
transfer, the shortened day before Unity Day, a frozen span, a documents request). The
migration's backfill, run over the same history, must write the same rows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select

from soglasie.analytics.backfill import backfill
from soglasie.models import Duration
from soglasie.services import actions
from soglasie.services.common import Upload
from tests.conftest import MSK
from tests.helpers import approve_stage, file_request, open_task
from tests.support.files import pdf_bytes


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


# (filed, taken into work or None, approved, expected wait, expected work) for the head's task.
HEAD_CASES = {
    # Fri 17:00 → Mon 10:00: Fri 17–18 and Mon 9–10; then Mon 10–13 and 14–15.
    "weekend": (at(2026, 12, 4, 17), at(2026, 12, 7, 10), at(2026, 12, 7, 15), 120, 240),
    # Wed 30 Dec 16:00 → Mon 11 Jan 10:00: 31 Dec is a transfer, 1–10 Jan off: 16–18 and 9–10.
    "new year holidays and transfer": (at(2026, 12, 30, 16), at(2027, 1, 11, 10), at(2027, 1, 11, 11), 180, 60),
    # Tue 3 Nov is shortened before Unity Day (ends 17:00), 4 Nov is off: 16–17 and Thu 9–10.
    "shortened pre-holiday day": (at(2026, 11, 3, 16), at(2026, 11, 5, 10), at(2026, 11, 5, 11), 120, 60),
    # Approved without taking into work: all of it is waiting (Tue 10–13, 14–18, Wed 9–10).
    "approved straight away": (at(2026, 12, 1, 10), None, at(2026, 12, 2, 10), 480, 0),
}


def _rows(core, card_id: int, kind: str = "task") -> list:
    with core.db.read() as session:
        return list(session.execute(select(*Duration.__table__.columns).where(
            Duration.card_id == card_id, Duration.kind == kind).order_by(Duration.id)))


@pytest.mark.parametrize("case", HEAD_CASES)
def test_head_task_waiting_and_work_in_working_minutes(core, users, invoice, case):
    filed, taken, approved, wait, work = HEAD_CASES[case]
    card_id = file_request(core, users, invoice, now=filed)
    task = open_task(core, users, card_id, "head_approval", now=filed)
    if taken is not None:
        actions.take_into_work(core, users["mhead"], task["id"], taken)
    actions.approve(core, users["mhead"], task["id"], approved)
    [row] = _rows(core, card_id)
    assert (row.stage, row.wait_minutes, row.work_minutes, row.total_minutes, row.held_minutes) == (
        "head_approval", wait, work, wait + work, 0)
    assert row.assignee_id == users["mhead"] and row.outcome == "approved" and not row.on_behalf


def test_a_frozen_span_is_kept_apart_from_the_work(core, users, invoice):
    card_id = file_request(core, users, invoice, now=at(2026, 12, 1, 10))
    task = open_task(core, users, card_id, "head_approval")
    actions.take_into_work(core, users["mhead"], task["id"], at(2026, 12, 1, 11))
    actions.freeze(core, users["ops"], card_id, at(2026, 12, 1, 12))
    actions.unfreeze(core, users["ops"], card_id, at(2026, 12, 2, 12))  # held: 12–13, 14–18, Wed 9–12 = 480
    actions.approve(core, users["mhead"], task["id"], at(2026, 12, 2, 15))  # 11:00 → Wed 15:00 is 660
    [row] = _rows(core, card_id)
    assert (row.wait_minutes, row.work_minutes, row.held_minutes) == (60, 180, 480)


def test_a_documents_request_holds_the_approver_and_times_the_initiator(core, users, invoice):
    card_id = file_request(core, users, invoice, now=at(2026, 12, 1, 10))
    task = open_task(core, users, card_id, "head_approval")
    actions.request_documents(core, users["mhead"], task["id"], at(2026, 12, 1, 12), "the act, please")
    answer = open_task(core, users, card_id, "documents_requested")
    actions.answer_documents(core, users["memployee"], answer["id"], at(2026, 12, 2, 10), "attached")
    actions.approve(core, users["mhead"], task["id"], at(2026, 12, 2, 11))
    answered, approved = _rows(core, card_id)
    # The initiator: Tue 12–13, 14–18, Wed 9–10. The head: Tue 10–13, 14–18, Wed 9–11 less that.
    assert (answered.assignee_id, answered.wait_minutes, answered.held_minutes) == (users["memployee"], 360, 0)
    assert (approved.wait_minutes, approved.work_minutes, approved.held_minutes) == (180, 0, 360)


def _pay(core, users, card_id: int, now: dt.datetime) -> None:
    chief = open_task(core, users, card_id, "payment", "make_payment", now=now)
    order = open_task(core, users, card_id, "payment", "payment_order", now=now)
    actions.complete(core, users["chief"], chief["id"], now)
    actions.attach_file(core, users["accountant"], order["id"], Upload(pdf_bytes("order"), "order.pdf"), now)
    actions.complete(core, users["accountant"], order["id"], now)


def test_a_run_records_the_cycle_from_filing_including_rework(core, users, invoice):
    card_id = file_request(core, users, invoice, now=at(2026, 12, 1, 10))
    head = open_task(core, users, card_id, "head_approval")
    actions.reject(core, users["mhead"], head["id"], at(2026, 12, 1, 12), "wrong sum")
    actions.restart(core, users["memployee"], card_id, at(2026, 12, 2, 10))
    approve_stage(core, users, card_id, "head_approval", now=at(2026, 12, 2, 11))
    approve_stage(core, users, card_id, "finance_review", now=at(2026, 12, 2, 15))
    _pay(core, users, card_id, at(2026, 12, 3, 10))
    rejected, paid = _rows(core, card_id, "run")
    assert (rejected.outcome, rejected.stage, rejected.work_minutes, rejected.total_minutes) == (
        "rejected", "rejected", 120, 120)
    # Filed Tue 10:00, paid Thu 10:00: two working days; the second run began Wed 10:00.
    assert (paid.outcome, paid.stage, paid.work_minutes, paid.total_minutes) == ("finished", "paid", 480, 960)
    stages = [(row.stage, row.outcome) for row in _rows(core, card_id)]
    assert stages == [("head_approval", "rejected"), ("head_approval", "approved"), ("finance_review", "approved"),
                      ("payment", "completed"), ("payment", "completed")]


def test_on_behalf_decisions_are_marked(core, users, invoice):
    card_id = file_request(core, users, invoice, now=at(2026, 12, 1, 10))
    head = open_task(core, users, card_id, "head_approval")
    actions.approve(core, users["ops"], head["id"], at(2026, 12, 1, 11))
    [row] = _rows(core, card_id)
    assert row.on_behalf and row.assignee_id == users["mhead"]


def test_the_backfill_writes_what_the_transitions_wrote(core, users, invoice):
    test_a_frozen_span_is_kept_apart_from_the_work(core, users, invoice)
    test_a_documents_request_holds_the_approver_and_times_the_initiator(core, users, invoice)
    test_a_run_records_the_cycle_from_filing_including_rework(core, users, invoice)
    test_on_behalf_decisions_are_marked(core, users, invoice)
    columns = [column for column in Duration.__table__.columns if column.name != "id"]

    def snapshot():
        with core.db.read() as session:
            return sorted(tuple(row) for row in session.execute(select(*columns)))

    live = snapshot()
    with core.db.engine.begin() as connection:
        connection.execute(delete(Duration))
        assert backfill(connection, core.rulebook.calendar) == len(live)
    assert snapshot() == live
