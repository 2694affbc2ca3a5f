"""durable-rules decisions: identical to the reference evaluator, and safe around the engine's limits."""

from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
import textwrap
import threading
from decimal import Decimal

import pytest

from soglasie.rulebook import engine
from soglasie.rulebook.conditions import FIELDS, parse_condition
from soglasie.rulebook.engine import RuleEngineError, decide, decide_reference
from soglasie.rulebook.loader import load_rulebook
from soglasie.rulebook.model import AssigneeRule, Condition, RoutingRule, RuleBook
from tests.rulebook.rules_helpers import NOW, surface_keys

# A process whose rules use every construct of the language, near their boundaries.
RICH = textwrap.dedent("""\
    process: payment
    title: Rich
    stages:
      - {id: head_approval, title: Head, tasks: [{kind: approval, title: A, assignee: initiator_head,
                                                  actions: [approve]}]}
      - {id: director_approval, title: Director, optional: true,
         tasks: [{kind: approval, title: A, assignee: {role: signer}, actions: [approve]}]}
      - {id: legal_review, title: Legal, optional: true,
         tasks: [{kind: approval, title: A, assignee: {role: finance_manager}, actions: [approve]}]}
      - {id: finance_review, title: Finance, tasks: [{kind: approval, title: A,
                                                      assignee: {role: finance_manager}, actions: [approve]}]}
    terminal: {id: paid, title: Paid}
    routing:
      - name: large
        when: amount > 1000000
        add_stages: [director_approval]
      - name: ads
        when: cost_item in ["ADS", "SMM"]
        assignees: {finance_review: {user: finance2}}
      - name: not_production
        when: department != "production" and (amount >= 500000 or has_contract == false)
        add_stages: [legal_review]
      - name: no_hard_deadline
        when: not has_hard_deadline
        assignees: {head_approval: {role: ops_manager}, finance_review: {user: finance3}}
      - name: low_remaining
        when: has_contract and contract_remaining < 100000
        add_stages: [legal_review]
      - name: unknown_partner
        when: counterparty_inn not in ["7707083893", "500100732259"] and initiator != "memployee"
        add_stages: [director_approval]
      - name: nothing_remaining
        when: not (contract_remaining > 0)
        assignees: {legal_review: {user: lawyer}}
      - name: nested
        when: process == "payment" and not (cost_item == "IT" or department in ["sales", "it"])
        assignees: {director_approval: {user: ceo}}
      - name: ranges
        when: amount >= 100 and amount <= 200.50 or amount == 999.99 or amount != 12.34 and amount < 0
        add_stages: [director_approval]
    validation:
      - {name: not_positive, when: amount <= 0, level: block, field: amount, message: "must be > 0"}
      - {name: big_without_contract, when: has_contract == false and amount > 5000000, level: warn,
         message: "attach a contract"}
      - {name: overdrawn, when: "contract_remaining < 0 or not (contract_remaining >= 0 or has_contract)",
         level: block, message: overdrawn}
      - {name: ads_any, when: 'cost_item in ["ADS"] or cost_item not in ["ADS", "SMM", "IT"]', level: warn,
         message: check the cost item}
    """) + surface_keys("rich")
TEXTS = {"cost_item": ["ADS", "SMM", "IT", "RENT", ""], "department": ["marketing", "production", "sales", "it"],
         "counterparty_inn": ["7707083893", "500100732259", "7728168971"], "initiator": ["memployee", "mhead", "x"],
         "process": ["payment", "contract"]}
AMOUNTS = ["0", "0.01", "-5", "100", "100.00", "99.99", "200.50", "200.51", "999.99", "99999.99", "100000",
           "499999.99", "500000", "1000000", "1000000.01", "5000000", "5000000.01"]


def random_facts(rng: random.Random) -> dict:
    """Facts near every boundary of RICH, each field absent one time in seven."""
    facts = {}
    for name, kind in FIELDS.items():
        if rng.random() < 1 / 7:
            continue
        if kind == "bool":
            facts[name] = rng.random() < 0.5
        elif kind == "money":
            near = rng.random() < 0.8
            facts[name] = Decimal(rng.choice(AMOUNTS)) if near else Decimal(rng.randrange(-10**6, 10**8)) / 100
        else:
            facts[name] = rng.choice(TEXTS[name])
    return facts


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    directory = tmp_path_factory.mktemp("rich")
    (directory / "payment.yaml").write_text(RICH)
    (directory / "calendar.yaml").write_text("timezone: Europe/Moscow\nworking_hours: {start: '09:00', end: '18:00'}\n")
    return load_rulebook(directory)


def test_durable_and_the_reference_agree_on_10000_random_cards(rich):
    rng = random.Random(3)
    matched: dict[str, int] = {}
    for _ in range(10_000):
        facts = random_facts(rng)
        decision = decide(rich, "payment", facts, NOW)
        assert decision == decide_reference(rich, "payment", facts, NOW), facts
        for name in decision.matched_rules:
            matched[name] = matched.get(name, 0) + 1
    # The test can fail: every rule both matched and did not match many times.
    rules = [rule.name for rule in (*rich.process("payment").routing, *rich.process("payment").validations)]
    assert all(100 < matched.get(name, 0) < 9_900 for name in rules), matched


def _random_condition(rng: random.Random, depth: int = 0) -> str:
    choice = rng.randrange(6) if depth < 3 else 0
    if choice == 3:
        return f"not ({_random_condition(rng, depth + 1)})"
    if choice > 3:
        joiner = " and " if choice == 4 else " or "
        return f"({_random_condition(rng, depth + 1)}{joiner}{_random_condition(rng, depth + 1)})"
    field = rng.choice(list(FIELDS))
    kind = FIELDS[field]
    if kind == "bool":
        return rng.choice([field, f"{field} == true", f"{field} != false", f"{field} == false"])
    values = AMOUNTS if kind == "money" else [f'"{text}"' for text in TEXTS[field]]
    if choice == 0:
        ops = ["==", "!=", ">", ">=", "<", "<="] if kind == "money" else ["==", "!="]
        return f"{field} {rng.choice(ops)} {rng.choice(values)}"
    listed = ", ".join(rng.sample(values, rng.randint(1, min(3, len(values)))))
    return f"{field} {rng.choice(['in', 'not in'])} [{listed}]"


@pytest.mark.parametrize("seed", range(4))
def test_random_conditions_agree_too(rich, seed):
    rng = random.Random(seed)
    rules = tuple(RoutingRule(f"r{index}", Condition(source, parse_condition(source)), ("director_approval",))
                  for index, source in enumerate(_random_condition(rng) for _ in range(12)))
    process = dataclasses.replace(rich.process("payment"), routing=rules, validations=())
    book = dataclasses.replace(rich, version=f"fuzz{seed}", processes={"payment": process})
    for _ in range(500):
        facts = random_facts(rng)
        assert decide(book, "payment", facts, NOW) == decide_reference(book, "payment", facts, NOW), facts


def test_no_rule_matched_is_an_empty_decision(rich):
    facts = {"amount": Decimal("150000"), "cost_item": "IT", "department": "production", "has_contract": True,
             "contract_remaining": Decimal("500000"), "has_hard_deadline": True,
             "counterparty_inn": "7707083893", "initiator": "memployee", "process": "contract"}
    decision = decide(rich, "payment", facts, NOW)
    assert decision.matched_rules == () and decision.stages == ("head_approval", "finance_review")


def test_the_first_matching_rule_wins_an_assignee_override(rich):
    facts = {"cost_item": "ADS", "has_hard_deadline": False, "amount": Decimal("10")}
    decision = decide(rich, "payment", facts, NOW)
    assert decision.assignees["finance_review"] == AssigneeRule("user", "finance2")
    assert decision.assignees["head_approval"] == AssigneeRule("role", "ops_manager")


def test_an_exception_inside_an_action_is_raised_not_swallowed(rich, monkeypatch):
    def broken(index):
        raise KeyError("boom")
    with monkeypatch.context() as patch:
        patch.setattr(engine._ENGINE, "record", broken)
        with pytest.raises(RuleEngineError, match="boom"):
            decide(rich, "payment", {"amount": Decimal("2000000")}, NOW)
    # The session was deleted and the engine still works.
    assert decide(rich, "payment", {"amount": Decimal("2000000")}, NOW).matched_rules[0] == "large"


def test_concurrent_decisions_are_serialized(rich):
    rng = random.Random(7)
    cases = [random_facts(rng) for _ in range(400)]
    expected = [decide_reference(rich, "payment", facts, NOW) for facts in cases]
    failures = []

    def work(offset: int) -> None:
        for index in range(offset, len(cases), 8):
            if decide(rich, "payment", cases[index], NOW) != expected[index]:
                failures.append(index)
    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_same_version_string_with_other_rules_gets_its_own_ruleset(rich):
    def only(source: str):
        rule = RoutingRule("low", Condition(source, parse_condition(source)), ("director_approval",))
        return dataclasses.replace(rich.process("payment"), routing=(rule,), validations=())
    lower, higher = only("amount > 1"), only("amount > 99")
    facts = {"amount": Decimal("50")}
    first = decide(RuleBook("same", rich.calendar, {"payment": lower}), "payment", facts, NOW)
    second = decide(RuleBook("same", rich.calendar, {"payment": higher}), "payment", facts, NOW)
    assert first.matched_rules == ("low",) and second.matched_rules == ()


@pytest.mark.parametrize("facts, now, error", [
    ({"amount": Decimal("1")}, NOW.replace(tzinfo=None), "now must be a tz-aware datetime"),
    ({"amont": Decimal("1")}, NOW, "unknown fact 'amont'"),
])
def test_bad_calls_are_refused(rich, facts, now, error):
    with pytest.raises(ValueError, match=error):
        decide(rich, "payment", facts, now)


def test_importing_the_engine_starts_nothing():
    code = ("import threading, soglasie.rulebook.engine as e; "
            "assert e._ENGINE.host is None and threading.active_count() == 1, 'work at import'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
