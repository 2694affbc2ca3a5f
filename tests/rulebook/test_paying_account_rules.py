"""The `paying_account:` section of a process file: what `rules check` refuses, as file:line, and the first match."""

from __future__ import annotations

import pytest

from soglasie.rulebook.errors import RuleBookError
from soglasie.rulebook.loader import load_rulebook
from soglasie.rulebook.routing import paying_account_rule
from tests.rulebook.rules_helpers import line_of, real_text

SECTION = ('paying_account:\n  - when: cost_item == "LOGISTICS" and amount >= 1000\n'
           '    account: "40702810100000054321"\n')


@pytest.mark.parametrize("replacement, marker, message", [
    ('account: "4070281010000005432"', "4070281010000005432",
     "account '4070281010000005432' is not a 20-digit settlement account"),
    ('account: "4070281010000005432X"', "4070281010000005432X",
     "account '4070281010000005432X' is not a 20-digit settlement account"),
    ('acount: "40702810100000054321"', "acount", "unknown key 'acount'"),
    ('account: "40702810100000054321"\n    when2: x', "when2", "unknown key 'when2'"),
])
def test_a_broken_rule_is_named_by_file_and_line(rules_copy, replacement, marker, message):
    payment = real_text("payment.yaml")
    assert SECTION in payment
    payment = payment.replace(SECTION, SECTION.replace('account: "40702810100000054321"', replacement))
    directory = rules_copy({"payment.yaml": payment})
    with pytest.raises(RuleBookError) as raised:
        load_rulebook(directory)
    problems = [str(error) for error in raised.value.errors]
    where = f"{directory / 'payment.yaml'}:{line_of(payment, marker)}: "
    assert [problem for problem in problems if problem.startswith(where) and message in problem], problems


def test_a_bad_condition_is_named_by_its_line(rules_copy):
    payment = real_text("payment.yaml").replace('cost_item == "LOGISTICS" and amount >= 1000', "cost_itme == 1")
    directory = rules_copy({"payment.yaml": payment})
    with pytest.raises(RuleBookError) as raised:
        load_rulebook(directory)
    [problem] = [str(error) for error in raised.value.errors]
    assert problem.startswith(f"{directory / 'payment.yaml'}:{line_of(payment, 'cost_itme')}: bad condition")


@pytest.mark.parametrize("facts, account", [
    ({"cost_item": "LOGISTICS", "amount": 1000}, "40702810100000054321"),
    ({"cost_item": "LOGISTICS", "amount": 999}, None),
    ({"cost_item": "PACK", "amount": 5000}, None),
])
def test_the_first_matching_rule_wins_else_none(rules_copy, facts, account):
    extra = '  - when: amount >= 1000\n    account: "40702810938000012345"\n'
    directory = rules_copy({"payment.yaml": real_text("payment.yaml").replace(SECTION, SECTION + extra)})
    process = load_rulebook(directory).process("payment")
    rule = paying_account_rule(process, facts)
    expected = account or ("40702810938000012345" if facts["amount"] >= 1000 else None)
    assert (rule.account if rule else None) == expected
