"""The payment-request process of rules/payment.yaml, driven through the services on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from soglasie.errors import Conflict, PermissionDenied, ValidationError
from soglasie.models import OutboxMessage, Task
from soglasie.services import actions, queries
from soglasie.services.common import Upload
from tests.conftest import MSK, T0
from tests.helpers import approve_stage, card, file_request, inbox, open_task
from tests.support.files import pdf_bytes

LATER = T0 + dt.timedelta(hours=1)


def _events(view: dict) -> list[str]:
    return [event["event"] for event in view["timeline"]]


def test_happy_path_reaches_paid_and_tells_the_initiator(core, users, invoice):
    card_id = file_request(core, users, invoice)
    head_task = open_task(core, users, card_id, "head_approval")
    assert head_task["assignee"] == "mhead"
    actions.take_into_work(core, users["mhead"], head_task["id"], T0)
    actions.approve(core, users["mhead"], head_task["id"], T0)
    finance_task = open_task(core, users, card_id, "finance_review")
    assert finance_task["assignee"] == "finance"
    actions.approve(core, users["finance"], finance_task["id"], LATER)

    view = card(core, users, card_id)
    assert view["stage"] == "payment"
    payment = {task["kind"]: task for task in view["tasks"] if task["stage"] == "payment"}
    assert payment["make_payment"]["assignee"] == "chief"
    assert payment["payment_order"]["assignee"] == "accountant"
    # Reached accounting at 11:00, before the 13:00 cut-off → due at the end of that day.
    assert payment["make_payment"]["deadline"] == "2026-12-01T18:00:00+03:00"

    with pytest.raises(ValidationError) as error:
        actions.complete(core, users["accountant"], payment["payment_order"]["id"], LATER)
    assert error.value.field == "file"
    actions.attach_file(core, users["accountant"], payment["payment_order"]["id"],
                        Upload(pdf_bytes("order"), "order.pdf"), LATER)
    actions.complete(core, users["accountant"], payment["payment_order"]["id"], LATER)
    assert card(core, users, card_id)["stage"] == "payment"  # both tasks must be done
    actions.complete(core, users["chief"], payment["make_payment"]["id"], LATER)

    view = card(core, users, card_id, viewer="memployee")
    assert view["stage"] == "paid"
    assert _events(view)[-1] == "finished"
    assert inbox(core, users, "memployee")[0]["kind"] == "finished"
    assert "Оплачено" in inbox(core, users, "memployee")[0]["text"]


def test_reject_needs_a_reason_then_rework_and_restart_keeps_history(core, users, invoice):
    card_id = file_request(core, users, invoice)
    approve_stage(core, users, card_id, "head_approval")
    task = open_task(core, users, card_id, "finance_review")
    with pytest.raises(ValidationError) as error:
        actions.reject(core, users["finance"], task["id"], T0, "   ")
    assert error.value.field == "reason"
    assert card(core, users, card_id)["stage"] == "finance_review"

    actions.reject(core, users["finance"], task["id"], T0, "Wrong amount on the invoice")
    view = card(core, users, card_id)
    assert view["stage"] == "rejected" and view["actions"] == []
    assert inbox(core, users, "memployee")[0]["kind"] == "rejected"
    assert "Wrong amount" in inbox(core, users, "memployee")[0]["text"]
    with pytest.raises(PermissionDenied):
        actions.restart(core, users["mhead"], card_id, LATER)

    actions.restart(core, users["memployee"], card_id, LATER)
    view = card(core, users, card_id, viewer="memployee")
    assert view["stage"] == "head_approval" and view["run"]["number"] == 2
    assert {event["run"] for event in view["timeline"]} == {1, 2}
    assert "rejected" in _events(view) and "restarted" in _events(view)


def test_ops_approves_on_the_heads_behalf(core, users, invoice):
    card_id = file_request(core, users, invoice)
    task = open_task(core, users, card_id, "head_approval")
    outcome = actions.approve(core, users["ops"], task["id"], T0)
    assert outcome.on_behalf_of_id == users["mhead"]
    approved = [event for event in card(core, users, card_id)["timeline"] if event["event"] == "approved"]
    assert len(approved) == 1 and approved[0]["actor"] == "ops"
    assert approved[0]["on_behalf_of"] == "mhead"
    assert inbox(core, users, "mhead")[0]["kind"] == "approved_on_behalf"
    with pytest.raises(PermissionDenied):  # ops may approve on behalf, not reject
        actions.reject(core, users["ops"], open_task(core, users, card_id, "finance_review")["id"], T0, "no")


def test_head_filing_his_own_request_approves_it_inline(core, users, invoice):
    card_id = file_request(core, users, invoice, who="mhead")
    view = card(core, users, card_id, viewer="mhead")
    task = [task for task in view["tasks"] if task["stage"] == "head_approval"][0]
    assert task["assignee"] == "mhead" and "approve" in task["actions"]
    actions.approve(core, users["mhead"], task["id"], T0)
    assert card(core, users, card_id)["stage"] == "finance_review"


def test_freeze_pauses_everything_and_unfreeze_returns_with_the_time_left(core, users, invoice):
    card_id = file_request(core, users, invoice)
    task = open_task(core, users, card_id, "head_approval")
    with pytest.raises(PermissionDenied):
        actions.freeze(core, users["memployee"], card_id, T0)
    actions.freeze(core, users["ops"], card_id, T0 + dt.timedelta(hours=2), "Budget review")
    assert card(core, users, card_id)["stage"] == "frozen"
    with pytest.raises(Conflict):
        actions.approve(core, users["mhead"], task["id"], T0 + dt.timedelta(hours=3))
    with core.db.read() as session:
        frozen = session.get(Task, task["id"])
        assert frozen.next_check_at is None and frozen.sla_consumed_minutes == 120

    # A week later: the clock resumes with 2 of its 16 hours used — no reminder is overdue.
    week_later = T0 + dt.timedelta(days=7)
    actions.unfreeze(core, users["ops"], card_id, week_later)
    view = card(core, users, card_id)
    assert view["stage"] == "head_approval"
    with core.db.read() as session:
        resumed = session.get(Task, task["id"])
        assert resumed.sla_resumed_at == week_later
        assert resumed.next_check_at == dt.datetime(2026, 12, 8, 12, 0, tzinfo=MSK)  # 4h mark: 2h left
    actions.approve(core, users["mhead"], task["id"], week_later)
    assert card(core, users, card_id)["stage"] == "finance_review"


def test_documents_requested_then_answered_returns_to_the_asking_stage(core, users, invoice):
    card_id = file_request(core, users, invoice)
    approve_stage(core, users, card_id, "head_approval")
    task = open_task(core, users, card_id, "finance_review")
    with pytest.raises(ValidationError):
        actions.request_documents(core, users["finance"], task["id"], T0, "")
    actions.request_documents(core, users["finance"], task["id"], T0, "Send the signed act")
    assert card(core, users, card_id)["stage"] == "documents_requested"
    answer = open_task(core, users, card_id, "documents_requested")
    assert answer["assignee"] == "memployee" and answer["kind"] == "provide_documents"
    with pytest.raises(Conflict):
        actions.approve(core, users["finance"], task["id"], T0)
    with pytest.raises(ValidationError):
        actions.answer_documents(core, users["memployee"], answer["id"], LATER)  # nothing given
    actions.answer_documents(core, users["memployee"], answer["id"], LATER, "Here it is",
                             [Upload(pdf_bytes("act"), "act.pdf")])
    view = card(core, users, card_id)
    assert view["stage"] == "finance_review"
    assert any(item["purpose"] == "provide_documents" for item in view["attachments"])
    assert inbox(core, users, "finance")[0]["kind"] == "documents_provided"
    actions.approve(core, users["finance"], task["id"], LATER)
    assert card(core, users, card_id)["stage"] == "payment"


def test_large_amount_adds_the_director_stage(core, users, invoice):
    card_id = file_request(core, users, invoice, amount="1000000.01")
    view = card(core, users, card_id)
    assert view["run"]["route"] == ["head_approval", "director_approval", "finance_review", "payment"]
    approve_stage(core, users, card_id, "head_approval")
    assert open_task(core, users, card_id, "director_approval")["assignee"] == "signer"
    exactly = file_request(core, users, invoice, amount="1000000.00")
    assert "director_approval" not in card(core, users, exactly)["run"]["route"]


def test_stale_actions_are_conflicts_and_change_nothing(core, users, invoice):
    card_id = file_request(core, users, invoice)
    task = open_task(core, users, card_id, "head_approval")
    actions.approve(core, users["mhead"], task["id"], T0)
    with core.db.read() as session:
        before = session.scalar(select(func.count(OutboxMessage.id)))
    with pytest.raises(Conflict):
        actions.approve(core, users["mhead"], task["id"], T0)
    with pytest.raises(Conflict):
        actions.take_into_work(core, users["mhead"], task["id"], T0)
    with core.db.read() as session:
        assert session.scalar(select(func.count(OutboxMessage.id))) == before


def test_my_tasks_and_lists_follow_the_work(core, users, invoice):
    card_id = file_request(core, users, invoice)
    assert [task["card_id"] for task in queries.my_tasks(core, users["mhead"], T0)] == [card_id]
    assert queries.my_tasks(core, users["finance"], T0) == []
    approve_stage(core, users, card_id, "head_approval")
    assert [task["card_id"] for task in queries.my_tasks(core, users["finance"], T0)] == [card_id]
    listed = queries.list_cards(core, users["memployee"], queries.CardFilter(kind="payment", stage="finance_review"))
    assert listed["total"] == 1 and listed["items"][0]["id"] == card_id
