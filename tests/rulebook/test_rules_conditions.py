"""The condition language: what parses, what is refused (with a reason), and what it means."""

from __future__ import annotations

from decimal import Decimal

import pytest

from soglasie.rulebook.conditions import (
    And,
    Compare,
    ConditionError,
    Member,
    Not,
    Or,
    evaluate,
    normalize_facts,
    parse_condition,
)


@pytest.mark.parametrize("source, tree", [
    ("amount > 1000000", Compare("amount", ">", 100_000_000)),
    ("amount >= 1000000.01", Compare("amount", ">=", 100_000_001)),
    ('cost_item == "ADS"', Compare("cost_item", "==", "ADS")),
    ('cost_item in ["ADS", "SMM",]', Member("cost_item", ("ADS", "SMM"))),
    ('department not in ["production"]', Member("department", ("production",), negated=True)),
    ("not has_hard_deadline", Not(Compare("has_hard_deadline", "==", True))),
    ("has_contract == false", Compare("has_contract", "==", False)),
    ('department != "production" and (amount >= 500000 or has_contract == false)',
     And((Compare("department", "!=", "production"),
          Or((Compare("amount", ">=", 50_000_000), Compare("has_contract", "==", False)))))),
    ("amount < 5 or amount > 10 and not has_contract",
     Or((Compare("amount", "<", 500),
         And((Compare("amount", ">", 1000), Not(Compare("has_contract", "==", True))))))),
    ('initiator == "say \\"hi\\""', Compare("initiator", "==", 'say "hi"')),
    ("contract_remaining <= 0", Compare("contract_remaining", "<=", 0)),
])
def test_conditions_parse(source, tree):
    assert parse_condition(source) == tree


@pytest.mark.parametrize("source, message", [
    ("", "the condition is empty"),
    ("amout > 5", "unknown field 'amout' (did you mean 'amount'?)"),
    ("amount = 5", "use == to compare"),
    ("amount > 5 && has_contract", "use 'and'"),
    ("cost_item == 'ADS'", "texts are written in double quotes"),
    ('cost_item > "ADS"', "cost_item is text: only == and != (or in) apply"),
    ("cost_item == ADS", 'expected a double-quoted text like "ADS"'),
    ('amount > "5"', "amount is an amount (number): expected a number"),
    ("has_contract == 1", "expected true or false"),
    ("amount", "amount is an amount (number): compare it"),
    ("amount > 1.001", "more than two decimals"),
    ("(amount > 5", "expected ')' to close '('"),
    ("amount > 5 amount < 9", "expected 'and', 'or' or the end"),
    ("cost_item in []", "the list after 'in' is empty"),
    ('cost_item in "ADS"', "expected '[' after 'in'"),
    ("not", "expected a field"),
    ('__import__("os").system("x")', "unexpected '.' at column 17: not part of the condition language"),
    ('__import__ == "os"', "unknown field '__import__'"),
    ("amount > 5; rm", "unexpected ';'"),
    ("(" * 60 + "amount > 5" + ")" * 60, "nested too deeply"),
])
def test_bad_conditions_say_why(source, message):
    with pytest.raises(ConditionError) as raised:
        parse_condition(source)
    assert message in str(raised.value)


FACTS = {"amount": Decimal("1000000.00"), "cost_item": "ADS", "department": "marketing",
         "has_contract": False, "has_hard_deadline": True}


@pytest.mark.parametrize("source, expected", [
    ("amount > 1000000", False),
    ("amount >= 1000000", True),
    ("amount == 1000000.00", True),
    ('cost_item in ["SMM", "ADS"]', True),
    ('cost_item not in ["SMM", "ADS"]', False),
    ('department != "production" and (amount >= 500000 or has_contract == false)', True),
    ("not has_hard_deadline", False),
    ("has_contract != true", True),
    # Absent fields: every comparison is false; `not` negates the whole.
    ("contract_remaining > 0", False),
    ("contract_remaining <= 0", False),
    ("contract_remaining != 5", False),
    ("not (contract_remaining > 0)", True),
    ('counterparty_inn not in ["1"]', False),
    ('process == "payment"', False),
])
def test_reference_meaning(source, expected):
    assert evaluate(parse_condition(source), normalize_facts(FACTS)) is expected


@pytest.mark.parametrize("facts, message", [
    ({"amont": 5}, "unknown fact 'amont'"),
    ({"amount": 5.5}, "fact amount must be an amount"),
    ({"amount": Decimal("1.001")}, "more than two decimals"),
    ({"has_contract": "yes"}, "must be yes/no"),
    ({"cost_item": 7}, "must be text"),
])
def test_facts_are_checked(facts, message):
    with pytest.raises(ValueError) as raised:
        normalize_facts(facts)
    assert message in str(raised.value)


def test_money_facts_become_exact_kopecks():
    assert normalize_facts({"amount": "1000000.01", "contract_remaining": 7, "cost_item": None}) == {
        "amount": 100_000_001, "contract_remaining": 700}
