"""Routing and validation with the repository's rules: thresholds are exact to the kopeck."""

from __future__ import annotations

from decimal import Decimal

import pytest

from soglasie.rulebook.engine import decide, decide_reference
from soglasie.rulebook.loader import load_rulebook
from soglasie.rulebook.model import AssigneeRule
from tests.rulebook.rules_helpers import NOW, real_text

DEFAULT = ("head_approval", "finance_review", "payment")
WITH_DIRECTOR = ("head_approval", "director_approval", "finance_review", "payment")


@pytest.mark.parametrize("amount, stages, warned", [
    ("999999.99", DEFAULT, False),
    ("1000000", DEFAULT, False),  # "above the threshold": exactly 1,000,000 is not above
    ("1000000.00", DEFAULT, False),
    ("1000000.01", WITH_DIRECTOR, False),
    ("50000000", WITH_DIRECTOR, False),
    ("50000000.01", WITH_DIRECTOR, True),
])
@pytest.mark.parametrize("evaluate", [decide, decide_reference], ids=["durable", "reference"])
def test_payment_thresholds(rulebook, evaluate, amount, stages, warned):
    facts = {"amount": Decimal(amount), "cost_item": "ADS", "department": "marketing",
             "counterparty_inn": "7707083893", "initiator": "memployee", "has_contract": False,
             "has_hard_deadline": False}
    decision = evaluate(rulebook, "payment", facts, NOW)
    assert decision.stages == stages
    assert bool(decision.warnings) is warned and decision.blocks == ()
    assert decision.rules_version == rulebook.version


def test_a_warning_names_its_field_and_text(rulebook):
    decision = decide(rulebook, "payment", {"amount": Decimal("60000000")}, NOW)
    ((field, message),) = decision.warnings
    assert field == "amount" and "50" in message.get("en") and "50" in message.get("ru")
    assert decision.matched_rules == ("large_payment_needs_director", "very_large_payment")


def test_a_card_without_an_amount_takes_the_default_route(rulebook):
    assert decide(rulebook, "contract", {"cost_item": ""}, NOW).stages == ("head_approval", "finance_review", "signing")


def test_a_block_refuses_and_an_assignee_rule_overrides(rules_copy):
    routing = ('\n  - name: ads_to_the_ceo\n    when: cost_item in ["ADS", "SMM"]\n'
               '    assignees: {finance_review: {user: ceo}}\n')
    block = ('\n  - name: no_zero\n    when: amount <= 0\n    level: block\n    field: amount\n'
             '    message: {ru: "Сумма должна быть больше нуля", en: "The amount must be above zero"}\n')
    payment = real_text("payment.yaml").replace("\nvalidation:\n", routing + "\nvalidation:\n") + block
    book = load_rulebook(rules_copy({"payment.yaml": payment}))
    facts = {"amount": Decimal("0"), "cost_item": "SMM"}
    decision = decide(book, "payment", facts, NOW)
    assert [(field, message.en) for field, message in decision.blocks] == [("amount", "The amount must be above zero")]
    assert dict(decision.assignees) == {"finance_review": AssigneeRule("user", "ceo")}
    assert decision.matched_rules == ("ads_to_the_ceo", "no_zero")
    assert decision == decide_reference(book, "payment", facts, NOW)
