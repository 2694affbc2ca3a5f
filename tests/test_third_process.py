"""A process that exists only in the test rules runs end to end through the services.

tests/fixtures/rules/requisition.yaml declares an internal purchase requisition — its own
stages, nouns and terminal, no counterparty, an optional document — and no code anywhere
knows it: filing, routing, the SLA sweep's reminder and escalation, the tasks, the lists
and the notifications come from the file alone.
"""

from __future__ import annotations

import datetime as dt

import pytest

from soglasie.errors import NotFound, ValidationError
from soglasie.services import actions, queries
from soglasie.services.cards import CardInput, create_card
from soglasie.services.common import Upload
from soglasie.services.sweep import sweep
from tests.conftest import MSK, T0
from tests.helpers import card, inbox, open_task
from tests.support.files import pdf_bytes

# Filed Tuesday 10:00; 1 working day (8 hours) later is Wednesday 10:00, 2 hours after that 12:00.
REMINDER_AT = dt.datetime(2026, 12, 2, 10, 0, tzinfo=MSK)
ESCALATION_AT = dt.datetime(2026, 12, 2, 12, 0, tzinfo=MSK)


def file_requisition(core, users, who="memployee", amount="12000.00", now=T0, **fields) -> int:
    """File a requisition for printer paper and return its card id."""
    data = CardInput(subject=fields.pop("subject", "Бумага для принтера, 20 пачек"), amount=amount, **fields)
    return create_card(core, users[who], now, "requisition", data).card_id


def test_a_requisition_has_no_counterparty_and_goes_to_the_manager(core, users):
    card_id = file_requisition(core, users)
    view = card(core, users, card_id)
    assert (view["kind"], view["stage"], view["counterparty"], view["subject"]) == \
        ("requisition", "manager_review", None, "Бумага для принтера, 20 пачек")
    assert [(task["kind"], task["assignee"]) for task in view["tasks"]] == [("decision", "mhead")]
    assert view["run"]["route"] == ["manager_review", "procurement"]


def test_its_whole_route_to_the_terminal_stage(core, users):
    card_id = file_requisition(core, users)
    actions.approve(core, users["mhead"], open_task(core, users, card_id, "manager_review")["id"], T0)
    purchase = open_task(core, users, card_id, "procurement")
    assert purchase["assignee"] == "ops" and purchase["requires_attachment"]
    with pytest.raises(ValidationError):  # the delivery note first
        actions.complete(core, users["ops"], purchase["id"], T0)
    actions.attach_file(core, users["ops"], purchase["id"], Upload(pdf_bytes("note"), "note.pdf"), T0)
    actions.complete(core, users["ops"], purchase["id"], T0)
    assert card(core, users, card_id)["stage"] == "purchased"
    assert inbox(core, users, "memployee")[0]["request_id"] == card_id


def test_a_big_purchase_is_routed_to_finance_by_its_own_rule(core, users):
    card_id = file_requisition(core, users, amount="300000.01")
    actions.approve(core, users["mhead"], open_task(core, users, card_id, "manager_review")["id"], T0)
    assert open_task(core, users, card_id, "procurement")["assignee"] == "finance"


def test_the_sweep_reminds_then_escalates_on_its_own_sla(core, users):
    card_id = file_requisition(core, users)
    assert sweep(core, REMINDER_AT - dt.timedelta(minutes=1))["reminder"] == 0
    assert sweep(core, REMINDER_AT)["reminder"] == 1
    assert inbox(core, users, "mhead")[0]["kind"] == "reminder"
    assert sweep(core, ESCALATION_AT)["escalation"] == 1
    assert inbox(core, users, "ops")[0]["kind"] == "escalation"
    events = [event["event"] for event in card(core, users, card_id)["timeline"]]
    assert events.count("reminder_sent") == 1 and events.count("escalated") == 1


def test_its_fields_are_checked_by_its_own_card_spec(core, users):
    with pytest.raises(ValidationError) as raised:
        file_requisition(core, users, subject="")
    assert raised.value.field == "subject"
    with pytest.raises(ValidationError) as raised:
        file_requisition(core, users, amount="-1")
    assert raised.value.field == "amount"


def test_lists_know_it_and_an_unknown_process_is_an_error(core, users):
    card_id = file_requisition(core, users)
    listed = queries.list_cards(core, users["ops"], queries.CardFilter(kind="requisition"))["items"]
    assert [item["id"] for item in listed] == [card_id]
    assert queries.list_cards(core, users["ops"], queries.CardFilter(kind="payment"))["total"] == 0
    with pytest.raises(NotFound) as raised:
        queries.list_cards(core, users["ops"], queries.CardFilter(kind="loan"))
    assert raised.value.field == "kind"
    with pytest.raises(NotFound):
        create_card(core, users["memployee"], T0, "loan", CardInput())


def test_an_employee_of_another_department_does_not_see_it(core, users):
    card_id = file_requisition(core, users)
    with pytest.raises(NotFound):
        queries.get_card(core, users["pemployee"], card_id, T0)
