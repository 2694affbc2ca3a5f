"""Deputies during absence: routing along chains with fallbacks, moves at start and end, permissions, validation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from soglasie.errors import NotFound, PermissionDenied, ValidationError
from soglasie.models import Absence, OutboxMessage, User
from soglasie.services import actions
from soglasie.services.absences import AbsenceInput, cancel_absence, list_absences, record_absence
from soglasie.services.sweep import sweep
from tests.conftest import MSK, T0
from tests.helpers import approve_stage, card, file_request, inbox, open_task

TODAY, TOMORROW = dt.date(2026, 12, 1), dt.date(2026, 12, 2)
WEEK_END = dt.date(2026, 12, 4)


def away(core, users, who, deputy, start=TODAY, end=WEEK_END, processes=None, actor="admin", now=T0) -> int:
    """Record `who` away with `deputy` (by an admin unless told) and return the absence id."""
    data = AbsenceInput(start.isoformat(), end.isoformat(), deputy, processes)
    return record_absence(core, users[actor], now, data, login=who)["id"]


def insert_absence(core, users, who, deputy, start=TODAY, end=WEEK_END):
    """An absence written past the checks (a loop the service would refuse), for the router's guard."""
    with core.db.write() as session:
        session.add(Absence(user_id=users[who], deputy_id=users[deputy], start_date=start, end_date=end,
                            created_by_id=users["admin"], created_at=T0))


def deactivate(core, users, login):
    with core.db.write() as session:
        session.get(User, users[login]).active = False


# (absences as (who, deputy, processes), users made inactive, who files, head task's assignee, delegated_from)
ROUTES = [
    ("nobody away", [], [], "memployee", "mhead", None),
    ("the deputy", [("mhead", "phead", None)], [], "memployee", "phead", "mhead"),
    ("a chain A→B→C", [("mhead", "phead", None), ("phead", "prhead", None)], [], "memployee", "prhead", "mhead"),
    ("an inactive deputy: the ops manager", [("mhead", "phead", None)], ["phead"], "memployee", "ops", "mhead"),
    ("the chain ends inactive", [("mhead", "phead", None), ("phead", "prhead", None)], ["prhead"], "memployee",
     "ops", "mhead"),
    ("the deputy's own request: the ops manager", [("mhead", "memployee", None)], [], "memployee", "ops", "mhead"),
    ("the deputy's own request: his own deputy", [("mhead", "memployee", None), ("memployee", "pemployee", None)],
     [], "memployee", "pemployee", "mhead"),
    ("another process only", [("mhead", "phead", ["contract"])], [], "memployee", "mhead", None),
    ("this process named", [("mhead", "phead", ["payment", "contract"])], [], "memployee", "phead", "mhead"),
]


@pytest.mark.parametrize("absences, inactive, who, assignee, delegated_from",
                         [case[1:] for case in ROUTES], ids=[case[0] for case in ROUTES])
def test_a_new_task_for_someone_away_goes_along_his_deputies(core, users, invoice, absences, inactive, who,
                                                             assignee, delegated_from):
    for login, deputy, processes in absences:
        away(core, users, login, deputy, processes=processes)
    for login in inactive:
        deactivate(core, users, login)
    task = open_task(core, users, file_request(core, users, invoice, who=who), "head_approval")
    assert (task["assignee"], task["delegated_from"]) == (assignee, delegated_from)


def test_a_loop_of_deputies_falls_back_to_the_ops_manager(core, users, invoice):
    insert_absence(core, users, "mhead", "phead")
    insert_absence(core, users, "phead", "mhead")
    task = open_task(core, users, file_request(core, users, invoice), "head_approval")
    assert (task["assignee"], task["delegated_from"]) == ("ops", "mhead")


def test_nobody_to_fall_back_to_leaves_the_task_with_its_assignee(core, users, invoice):
    away(core, users, "mhead", "phead")
    away(core, users, "ops", "finance")
    deactivate(core, users, "phead")
    task = open_task(core, users, file_request(core, users, invoice), "head_approval")
    assert (task["assignee"], task["delegated_from"]) == ("mhead", None)


def test_an_absence_starting_later_changes_nothing_today(core, users, invoice):
    away(core, users, "mhead", "phead", start=TOMORROW)
    assert open_task(core, users, file_request(core, users, invoice), "head_approval")["assignee"] == "mhead"


def test_a_role_task_goes_to_the_role_holders_deputy(core, users, invoice):
    card_id = file_request(core, users, invoice)
    away(core, users, "finance", "chief")
    approve_stage(core, users, card_id, "head_approval")
    task = open_task(core, users, card_id, "finance_review")
    assert (task["assignee"], task["delegated_from"]) == ("chief", "finance")
    assert inbox(core, users, "chief")[0]["kind"] == "task_delegated_to_you"


def test_the_deputy_approves_for_the_absent_head_and_the_timeline_says_so(core, users, invoice):
    away(core, users, "mhead", "phead", end=dt.date(2026, 12, 14))
    card_id = file_request(core, users, invoice)
    actions.approve(core, users["phead"], open_task(core, users, card_id, "head_approval")["id"], T0)
    approved = [event for event in card(core, users, card_id)["timeline"] if event["event"] == "approved"]
    assert approved[0]["actor"] == "phead"
    assert approved[0]["data"]["deputy"] == {"for": "mhead", "start": "2026-12-01", "end": "2026-12-14",
                                             "set_by": "admin"}


# --- moves at the start and the end ----------------------------------------------------------

START = dt.datetime(2026, 12, 2, 0, 5, tzinfo=MSK)
AFTER_END = dt.datetime(2026, 12, 5, 0, 5, tzinfo=MSK)


def _outbox(core) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count(OutboxMessage.id)))


def _kinds(core, users, login) -> set[str]:
    return {item["kind"] for item in inbox(core, users, login)}


def _head_task(core, users, card_id, now):
    task = open_task(core, users, card_id, "head_approval", now=now)
    return task["assignee"], task["delegated_from"]


def test_open_tasks_move_when_the_absence_starts_and_back_when_it_ends(core, users, invoice):
    card_id = file_request(core, users, invoice)
    away(core, users, "mhead", "phead", start=TOMORROW)
    assert sweep(core, START - dt.timedelta(minutes=10))["delegated"] == 0  # still Tuesday
    assert sweep(core, START)["delegated"] == 1
    assert _head_task(core, users, card_id, START) == ("phead", "mhead")
    assert inbox(core, users, "mhead")[0]["kind"] == "task_delegated"
    assert inbox(core, users, "phead")[0]["kind"] == "task_delegated_to_you"
    before = _outbox(core)
    assert sweep(core, START)["delegated"] == 0 and _outbox(core) == before  # idempotent
    assert sweep(core, AFTER_END)["returned"] == 1
    assert _head_task(core, users, card_id, AFTER_END) == ("mhead", None)
    assert "task_returned" in _kinds(core, users, "mhead")  # (beside the SLA reminder now due)
    assert "task_returned_from_you" in _kinds(core, users, "phead")
    before = _outbox(core)
    assert sweep(core, AFTER_END)["returned"] == 0 and _outbox(core) == before
    events = [(e["event"], e["data"].get("to")) for e in card(core, users, card_id, now=AFTER_END)["timeline"]]
    assert ("delegated", "phead") in events and ("returned", "mhead") in events


def test_a_task_the_deputy_started_stays_with_him_after_the_end(core, users, invoice):
    card_id = file_request(core, users, invoice)
    away(core, users, "mhead", "phead", start=TOMORROW)
    sweep(core, START)
    actions.take_into_work(core, users["phead"], open_task(core, users, card_id, "head_approval", now=START)["id"],
                           START)
    assert sweep(core, AFTER_END)["returned"] == 0
    assert _head_task(core, users, card_id, AFTER_END) == ("phead", "mhead")


def test_a_started_task_does_not_move_at_the_start(core, users, invoice):
    card_id = file_request(core, users, invoice)
    actions.take_into_work(core, users["mhead"], open_task(core, users, card_id, "head_approval")["id"], T0)
    away(core, users, "mhead", "phead")
    assert _head_task(core, users, card_id, T0) == ("mhead", None)


def test_recording_today_moves_at_once_and_cancelling_brings_back(core, users, invoice):
    card_id = file_request(core, users, invoice)
    absence_id = away(core, users, "mhead", "phead", actor="mhead")
    assert _head_task(core, users, card_id, T0) == ("phead", "mhead")
    cancel_absence(core, users["mhead"], absence_id, T0)
    assert _head_task(core, users, card_id, T0) == ("mhead", None)
    assert list_absences(core, users["mhead"], T0) == []


def test_the_deputy_going_away_passes_the_task_on(core, users, invoice):
    card_id = file_request(core, users, invoice)
    away(core, users, "mhead", "phead")
    away(core, users, "phead", "prhead", start=TOMORROW)
    assert sweep(core, START)["delegated"] == 1
    assert _head_task(core, users, card_id, START) == ("prhead", "mhead")
    assert inbox(core, users, "phead")[0]["kind"] == "task_passed_on"


# --- validation and permissions --------------------------------------------------------------

# (name, absences already recorded, who, deputy, start, end, processes, the field named)
INVALID = [
    ("end before start", [], "mhead", "phead", "2026-12-05", "2026-12-04", None, "end"),
    ("over already", [], "mhead", "phead", "2026-11-20", "2026-11-30", None, "end"),
    ("not a date", [], "mhead", "phead", "05.12.2026", "2026-12-06", None, "start"),
    ("no end", [], "mhead", "phead", "2026-12-05", "", None, "end"),
    ("unknown deputy", [], "mhead", "nobody", "2026-12-05", "2026-12-06", None, "deputy"),
    ("inactive deputy", [], "mhead", "inactive", "2026-12-05", "2026-12-06", None, "deputy"),
    ("oneself", [], "mhead", "mhead", "2026-12-05", "2026-12-06", None, "deputy"),
    ("undeclared process", [], "mhead", "phead", "2026-12-05", "2026-12-06", ["nope"], "processes"),
    ("already away", [("mhead", "phead", "2026-12-04", "2026-12-08")], "mhead", "prhead", "2026-12-06",
     "2026-12-10", None, "start"),
    ("B→A while A→B", [("phead", "mhead", "2026-12-04", "2026-12-08")], "mhead", "phead", "2026-12-08",
     "2026-12-10", None, "deputy"),
    ("A→B→C→A", [("mhead", "phead", "2026-12-04", "2026-12-08"), ("phead", "prhead", "2026-12-01", "2026-12-20")],
     "prhead", "mhead", "2026-12-07", "2026-12-07", None, "deputy"),
]


@pytest.mark.parametrize("before, who, deputy, start, end, processes, field", [c[1:] for c in INVALID],
                         ids=[c[0] for c in INVALID])
def test_a_bad_absence_names_its_field_and_writes_nothing(core, users, before, who, deputy, start, end,
                                                         processes, field):
    deactivate(core, users, "pemployee")
    users = {**users, "inactive": users["pemployee"]}
    for login, other, first, last in before:
        record_absence(core, users["admin"], T0, AbsenceInput(first, last, other), login=login)
    with core.db.read() as session:
        count = session.scalar(select(func.count(Absence.id)))
    with pytest.raises(ValidationError) as error:
        record_absence(core, users["admin"], T0, AbsenceInput(start, end, deputy, processes), login=who)
    assert error.value.field == field
    with core.db.read() as session:
        assert session.scalar(select(func.count(Absence.id))) == count


# (name, absences recorded, new one): chains on days that never meet, or other processes, are no loop
VALID = [
    ("B→A on other days", [("phead", "mhead", "2026-12-04", "2026-12-08")], ("mhead", "phead", "2026-12-09",
                                                                                "2026-12-10", None)),
    ("B→A for another process", [("phead", "mhead", "2026-12-04", "2026-12-08", ["contract"])],
     ("mhead", "phead", "2026-12-04", "2026-12-10", ["payment"])),
    ("away again afterwards", [("mhead", "phead", "2026-12-04", "2026-12-08")],
     ("mhead", "prhead", "2026-12-09", "2026-12-10", None)),
]


@pytest.mark.parametrize("before, new", [c[1:] for c in VALID], ids=[c[0] for c in VALID])
def test_absences_that_do_not_loop_are_recorded(core, users, before, new):
    for login, other, first, last, *processes in before:
        record_absence(core, users["admin"], T0, AbsenceInput(first, last, other, *processes), login=login)
    who, deputy, start, end, processes = new
    view = record_absence(core, users["admin"], T0, AbsenceInput(start, end, deputy, processes), login=who)
    assert view == {"id": view["id"], "start": start, "end": end, "deputy": deputy, "processes": processes}


def test_an_employee_manages_only_his_own_absences_an_admin_anyones(core, users):
    data = AbsenceInput("2026-12-05", "2026-12-06", "phead")
    with pytest.raises(PermissionDenied):
        record_absence(core, users["memployee"], T0, data, login="mhead")
    with pytest.raises(PermissionDenied):
        list_absences(core, users["memployee"], T0, login="mhead")
    own = record_absence(core, users["mhead"], T0, data)
    with pytest.raises(NotFound):
        cancel_absence(core, users["memployee"], own["id"], T0)
    by_admin = record_absence(core, users["admin"], T0, AbsenceInput("2026-12-10", "2026-12-11", "phead"),
                              login="mhead")
    assert [row["id"] for row in list_absences(core, users["admin"], T0, login="mhead")] == [own["id"], by_admin["id"]]
    cancel_absence(core, users["admin"], own["id"], T0)
    assert list_absences(core, users["mhead"], T0) == [by_admin]
    with pytest.raises(NotFound):
        cancel_absence(core, users["mhead"], own["id"], T0)  # cancelled already


def test_an_absence_for_one_process_routes_only_its_tasks(core, users, invoice):
    from tests.test_third_process import file_requisition

    away(core, users, "mhead", "phead", processes=["requisition"])
    requisition = file_requisition(core, users)
    payment = file_request(core, users, invoice)
    assert _head_task_at(core, users, requisition, "manager_review") == ("phead", "mhead")
    assert _head_task_at(core, users, payment, "head_approval") == ("mhead", None)
    told = [item["text"] for item in inbox(core, users, "phead")]
    assert any(f"№{requisition}" in text and "вы заместитель, отсутствует Мария Маркетова (01.12–04.12)" in text
               for text in told), told


def _head_task_at(core, users, card_id, stage):
    task = open_task(core, users, card_id, stage)
    return task["assignee"], task["delegated_from"]
