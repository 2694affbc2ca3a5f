"""What the shipped `rules/` say: the source case's defaults, stated once, as a table.

Every other test runs on its own rules (tests/fixtures/rules/). A finance lead who edits
`rules/` — the reminder from 2 to 3 working days, the director's threshold — changes exactly
one row here, and nothing else in the suite notices.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from soglasie.rulebook.engine import decide
from soglasie.rulebook.loader import check_rules, load_rulebook
from soglasie.rulebook.model import AssigneeRule, DeadlineRule, DuplicatePolicy
from soglasie.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "rules"
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))


@pytest.fixture(scope="module")
def shipped():
    """The production rules directory, loaded."""
    return load_rulebook(SHIPPED)


def test_the_shipped_rules_are_valid():
    assert check_rules(SHIPPED) == []


def test_the_shipped_processes(shipped):
    assert {pid: (p.portal_path, p.api_path, p.nouns.en.one, p.nouns.ru.one)
            for pid, p in shipped.processes.items()} == {
        "payment": ("requests", "payment-requests", "payment request", "заявка на оплату"),
        "contract": ("contracts", "contracts", "contract", "договор"),
    }


@pytest.mark.parametrize("process, route, optional, terminal", [
    ("payment", ("head_approval", "finance_review", "payment"), ("director_approval",), "paid"),
    ("contract", ("head_approval", "finance_review", "signing"), (), "signed"),
])
def test_stages_in_order(shipped, process, route, optional, terminal):
    definition = shipped.process(process)
    assert definition.default_route == route
    assert tuple(stage.id for stage in definition.stages if stage.optional) == optional
    assert definition.terminal == terminal


@pytest.mark.parametrize("process, stage, task, assignee, actions, on_behalf, attachment", [
    ("payment", "head_approval", "approval", AssigneeRule("initiator_head"),
     ("take_into_work", "approve", "reject", "request_documents"), {"ops_manager": ("approve",)}, False),
    ("payment", "director_approval", "approval", AssigneeRule("role", "signer"),
     ("take_into_work", "approve", "reject", "request_documents"), {"ops_manager": ("approve",)}, False),
    ("payment", "finance_review", "approval", AssigneeRule("role", "finance_manager"),
     ("take_into_work", "approve", "reject", "request_documents"), {"ops_manager": ("approve",)}, False),
    ("payment", "payment", "make_payment", AssigneeRule("role", "chief_accountant"),
     ("take_into_work", "complete"), {}, False),
    ("payment", "payment", "payment_order", AssigneeRule("role", "junior_accountant"),
     ("take_into_work", "complete"), {}, True),
    ("contract", "head_approval", "approval", AssigneeRule("initiator_head"),
     ("take_into_work", "approve", "reject", "request_documents"), {"ops_manager": ("approve",)}, False),
    ("contract", "finance_review", "approval", AssigneeRule("role", "finance_manager"),
     ("take_into_work", "approve", "reject", "request_documents"), {"ops_manager": ("approve",)}, False),
    ("contract", "signing", "signing", AssigneeRule("role", "signer"),
     ("take_into_work", "complete", "reject"), {}, True),
])
def test_who_does_what(shipped, process, stage, task, assignee, actions, on_behalf, attachment):
    definition = shipped.process(process).stage(stage).task(task)
    assert (definition.assignee, definition.actions, dict(definition.on_behalf), definition.requires_attachment) \
        == (assignee, actions, on_behalf, attachment)


@pytest.mark.parametrize("process, stage, check_every, stops_on, due_after, events", [
    # "Smart reminders": every 4 working hours; not started in 2 working days → reminder;
    # 1 working hour later → the operations manager.
    ("payment", "head_approval", 240, "started", 960, [("reminder", 960, "assignee"),
                                                       ("escalation", 1020, "role:ops_manager")]),
    ("payment", "director_approval", 240, "started", 960, [("reminder", 960, "assignee"),
                                                           ("escalation", 1020, "role:ops_manager")]),
    # Finance: no action in 2 working days → ops notified, finance reminded.
    ("payment", "finance_review", 240, "decided", 960, [("reminder", 960, "assignee"),
                                                        ("escalation", 960, "role:ops_manager")]),
    ("contract", "head_approval", 240, "started", 960, [("reminder", 960, "assignee"),
                                                        ("escalation", 1020, "role:ops_manager")]),
    ("contract", "finance_review", 240, "decided", 960, [("reminder", 960, "assignee"),
                                                         ("escalation", 960, "role:ops_manager")]),
    ("contract", "signing", 240, "decided", 960, [("reminder", 960, "assignee"),
                                                  ("escalation", 960, "role:ops_manager")]),
])
def test_sla(shipped, process, stage, check_every, stops_on, due_after, events):
    sla = shipped.process(process).stage(stage).sla
    assert (sla.check_every_minutes, sla.clock_stops_on, sla.due_after_minutes) == (check_every, stops_on, due_after)
    assert [(event.name, event.after_minutes, event.to.describe()) for event in sla.events] == events


def test_the_escalation_hour_is_stated_once():
    for name in ("payment.yaml", "contract.yaml"):
        assert "after: reminder + 1h," in (SHIPPED / name).read_text(encoding="utf-8"), name


def test_the_accounting_deadline(shipped):
    payment = shipped.process("payment")
    assert payment.deadlines == {"accounting": DeadlineRule("accounting", dt.time(13, 0), True)}
    assert [task.deadline for task in payment.stage("payment").tasks] == ["accounting", "accounting"]


@pytest.mark.parametrize("process, amount, stages, warned", [
    ("payment", "1000000.00", ("head_approval", "finance_review", "payment"), False),
    ("payment", "1000000.01", ("head_approval", "director_approval", "finance_review", "payment"), False),
    ("payment", "50000000.00", ("head_approval", "director_approval", "finance_review", "payment"), False),
    ("payment", "50000000.01", ("head_approval", "director_approval", "finance_review", "payment"), True),
    ("contract", "500000000.00", ("head_approval", "finance_review", "signing"), False),
    ("contract", "500000000.01", ("head_approval", "finance_review", "signing"), True),
])
def test_routing_and_warnings_by_amount(shipped, process, amount, stages, warned):
    facts = {"amount": Decimal(amount), "cost_item": "PACK", "department": "marketing", "initiator": "memployee",
             "counterparty_inn": "7701526010", "has_contract": False, "has_hard_deadline": False}
    decision = decide(shipped, process, facts, NOW)
    assert decision.stages == stages
    assert bool(decision.warnings) is warned and not decision.blocks


def test_paying_more_than_the_contract_has_left_warns(shipped):
    facts = {"amount": Decimal("10.00"), "has_contract": True, "contract_remaining": Decimal("5.00"),
             "exceeds_contract_remaining": True}
    decision = decide(shipped, "payment", facts, NOW)
    assert [field for field, _ in decision.warnings] == ["amount"] and not decision.blocks


@pytest.mark.parametrize("process, actions", [
    ("payment", {"freeze": ("ops_manager", "finance_manager"), "unfreeze": ("ops_manager", "finance_manager"),
                 "restart": ("initiator",)}),
    ("contract", {"freeze": ("ops_manager", "finance_manager"), "unfreeze": ("ops_manager", "finance_manager"),
                  "restart": ("initiator",), "new_version": ("initiator", "finance_manager")}),
])
def test_card_actions(shipped, process, actions):
    assert dict(shipped.process(process).card_actions) == actions


@pytest.mark.parametrize("process, fields, document, contract", [
    ("payment", {"counterparty": "required", "amount": "required", "cost_item": "required", "subject": "absent",
                 "validity": "absent", "deadline": "optional", "invoice_number": "required",
                 "invoice_date": "required"}, ("invoice", "invoice", False, True), "contract"),
    ("contract", {"counterparty": "required", "amount": "required", "cost_item": "absent", "subject": "required",
                  "validity": "required", "deadline": "absent", "invoice_number": "absent", "invoice_date": "absent"},
     ("contract_version", "document", True, True), None),
])
def test_card_fields(shipped, process, fields, document, contract):
    card = shipped.process(process).card
    assert dict(card.fields) == fields
    assert (card.document.purpose, card.document.field, card.document.versioned, card.document.required) == document
    assert card.contract_process == contract


def test_payment_controls(shipped):
    payment, contract = shipped.process("payment"), shipped.process("contract")
    assert payment.card.vat_rates == ("22", "10", "0", "exempt") and contract.card.vat_rates == ()
    assert payment.duplicates == DuplicatePolicy(level="warn", window_days=5, acknowledge_at=("finance_review",))
    assert contract.duplicates is None


def test_the_calendar(shipped):
    calendar = shipped.calendar
    assert str(calendar.tz) == "Europe/Moscow"
    assert (calendar.work_start, calendar.work_end) == (dt.time(9), dt.time(18))
    assert calendar.minutes_per_day == 480  # 09:00–18:00 less the 13:00–14:00 lunch
    assert [calendar.working_days_in_year(year) for year in (2024, 2025, 2026)] == [248, 247, 247]
    # Pre-holiday days are an hour shorter (art. 95): the official norms of the 40-hour week.
    assert calendar.shortened_by == dt.timedelta(hours=1)
    assert [calendar.working_minutes_in(dt.date(year, 1, 1), dt.date(year + 1, 1, 1)) // 60
            for year in (2024, 2025, 2026)] == [1979, 1972, 1972]


@pytest.mark.parametrize("process, check_at, committed_from, on_exceed, override_role", [
    ("payment", ("filing", "finance_review"), "payment", {"year": "block", "month": "warn"}, "ops_manager"),
])
def test_the_budget_policy(shipped, process, check_at, committed_from, on_exceed, override_role):
    policy = shipped.process(process).budget
    assert (policy.check_at, policy.committed_from, dict(policy.on_exceed), policy.override_role) == (
        check_at, committed_from, on_exceed, override_role)
    assert shipped.process("contract").budget is None
