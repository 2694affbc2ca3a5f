"""Budgets per department and cost item: each period and action, committed and actual money, the lock.

Every test runs on SQLite and PostgreSQL. The budget of marketing × PACK in 2026 is 100,000
in January, 50,000 in June and 500,000 in December: the year is 650,000; month-to-date in
June (January–June) is 150,000. Requests are filed in June.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from soglasie.core import Core
from soglasie.errors import ValidationError
from soglasie.models import Card, TimelineEvent
from soglasie.services import actions, budgets
from soglasie.services.budget_line import budget_line
from soglasie.services.common import Upload
from tests.conftest import MSK
from tests.helpers import approve_stage, card, file_request, open_task
from tests.support.files import pdf_bytes
from tests.support.rules import RULES_DIR

JUNE = dt.datetime(2026, 6, 2, 10, 0, tzinfo=MSK)  # a Tuesday
JULY = dt.datetime(2026, 7, 7, 10, 0, tzinfo=MSK)
PLAN = [{"year": 2026, "month": month, "department": "marketing", "cost_item": "PACK", "planned": planned}
        for month, planned in ((1, "100000.00"), (6, "50000.00"), (12, "500000.00"))]


def budget_rules(tmp_path, year: str = "block", month: str = "warn", routing: str = ""):
    """A copy of the test rules with the budget actions given (and `routing` rules put first)."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    payment = rules / "payment.yaml"
    text = payment.read_text(encoding="utf-8")
    text = text.replace("    year: block\n    month: warn\n", f"    year: {year}\n    month: {month}\n")
    payment.write_text(text.replace("\nrouting:\n", "\nrouting:\n" + routing, 1), encoding="utf-8")
    return rules


@pytest.fixture
def make_core(settings, tmp_path):
    """A function: budget actions (and routing rules) → a core on this test's database with those rules."""
    made = []

    def make(year: str = "block", month: str = "warn", routing: str = "") -> Core:
        rules = budget_rules(tmp_path / f"r{len(made)}", year, month, routing)
        runtime = Core.from_settings(dataclasses.replace(settings, rules_dir=rules))
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.db.dispose()


@pytest.fixture
def planned(core, users):
    """The plan above, written by the finance manager."""
    budgets.put_budgets(core, users["finance"], JUNE, PLAN)


def file_at(core, users, invoice, amount: str, now=JUNE, **fields) -> int:
    return file_request(core, users, invoice, who="memployee", amount=amount, now=now, **fields)


def line(core, card_id: int, now=JUNE) -> dict:
    with core.db.read() as session:
        return budget_line(session, core, session.get(Card, card_id), now)


def pay(core, users, card_id: int, now) -> None:
    """The accountants pay: both payment tasks completed (the payment order attached)."""
    main = open_task(core, users, card_id, "payment", "make_payment", now=now)
    actions.complete(core, users["chief"], main["id"], now)
    order = open_task(core, users, card_id, "payment", "payment_order", now=now)
    actions.attach_file(core, users["accountant"], order["id"], Upload(pdf_bytes("order"), "order.pdf"), now)
    actions.complete(core, users["accountant"], order["id"], now)


# (year action, month action, amount, outcome): 200,000 exceeds only month-to-date (150,000);
# 700,000 exceeds the year (650,000) too. outcome: "ok", "warn" (filed with a warning), "block".
FILING_TABLE = [
    ("ignore", "block", "200000.00", "block"),
    ("ignore", "warn", "200000.00", "warn"),
    ("ignore", "ignore", "200000.00", "ok"),
    ("block", "ignore", "700000.00", "block"),
    ("warn", "ignore", "700000.00", "warn"),
    ("warn", "block", "100000.00", "ok"),
]


@pytest.mark.parametrize("year, month, amount, outcome", FILING_TABLE)
def test_each_period_and_action_at_filing(make_core, planned, users, invoice, year, month, amount, outcome):
    runtime = make_core(year, month)
    if outcome == "block":
        with pytest.raises(ValidationError) as refused:
            file_at(runtime, users, invoice, amount)
        assert (refused.value.code, refused.value.field) == ("over_budget", "amount")
        with runtime.db.read() as session:
            assert session.scalar(select(Card.id).where(Card.amount == Decimal(amount))) is None
        return
    from tests.helpers import create_payment_request

    created = create_payment_request(runtime, users["memployee"], JUNE, amount=amount, invoice=invoice,
                                     counterparty_inn="7701526010", cost_item="PACK")
    over = [text.en for text in created.warnings if "Over the" in text.en]
    assert bool(over) == (outcome == "warn"), over


def test_the_card_shows_the_line_and_the_governing_period(core, planned, users, invoice):
    card_id = file_at(core, users, invoice, "120000.00")
    shown = card(core, users, card_id, now=JUNE)["budget"]
    assert {key: shown[key] for key in ("year", "month", "department", "cost_item", "period", "planned",
                                        "committed", "actual", "request", "remaining_after", "overrun")} == {
        "year": 2026, "month": 6, "department": "marketing", "cost_item": "PACK", "period": "month",
        "planned": "150000.00", "committed": "0.00", "actual": "0.00", "request": "120000.00",
        "remaining_after": "30000.00", "overrun": "0.00"}
    assert [(p["period"], p["planned"], p["action"]) for p in shown["periods"]] == [
        ("year", "650000.00", "block"), ("month", "150000.00", "warn")]


def test_no_budget_row_in_the_year_means_no_line(core, planned, users, invoice):
    card_id = file_at(core, users, invoice, "900000.00", cost_item="ADS")
    assert card(core, users, card_id, now=JUNE)["budget"] is None


def test_committed_then_actual_as_the_request_moves(core, planned, users, invoice):
    paying = file_at(core, users, invoice, "40000.00")
    other = file_at(core, users, invoice, "10000.00")
    assert (line(core, other)["committed"], line(core, other)["actual"]) == ("0.00", "0.00")
    approve_stage(core, users, paying, "head_approval", now=JUNE)
    assert line(core, other)["committed"] == "0.00"  # approved by the head only: not yet committed
    approve_stage(core, users, paying, "finance_review", now=JUNE)
    assert (line(core, other)["committed"], line(core, other)["actual"]) == ("40000.00", "0.00")
    pay(core, users, paying, JULY)
    # Paid in July: actual in July's month-to-date and the year; June's month-to-date does not see it.
    assert (line(core, other, JULY)["committed"], line(core, other, JULY)["actual"]) == ("0.00", "40000.00")
    june = budgets.list_budgets(core, users["finance"], JULY, budgets.BudgetFilter(2026, 6))
    assert [(r["planned"], r["committed"], r["actual"]) for r in june] == [("50000.00", "0.00", "0.00")]
    paid_line = line(core, paying, JULY)
    assert (paid_line["month"], paid_line["request"], paid_line["actual"]) == (7, "40000.00", "0.00")


def test_unpaid_committed_money_counts_in_the_current_month(core, planned, users, invoice):
    card_id = file_at(core, users, invoice, "30000.00")
    for stage in ("head_approval", "finance_review"):
        approve_stage(core, users, card_id, stage, now=JUNE)
    rows = {r["month"]: r for r in budgets.list_budgets(core, users["finance"], JUNE, budgets.BudgetFilter(2026))}
    assert (rows[6]["committed"], rows[6]["remaining"]) == ("30000.00", "20000.00")
    assert rows[1]["committed"] == "0.00"


def test_a_block_at_finance_review_refuses_and_the_override_role_passes_it_with_a_comment(
        make_core, users, invoice):
    runtime = make_core("ignore", "block")
    budgets.put_budgets(runtime, users["finance"], JUNE, PLAN)
    first, second = (file_at(runtime, users, invoice, "100000.00") for _ in range(2))
    for card_id in (first, second):
        approve_stage(runtime, users, card_id, "head_approval", now=JUNE)
    approve_stage(runtime, users, first, "finance_review", now=JUNE)
    task = open_task(runtime, users, second, "finance_review", now=JUNE)
    with pytest.raises(ValidationError) as refused:
        actions.approve(runtime, users["finance"], task["id"], JUNE, comment="ok")
    assert (refused.value.code, refused.value.field) == ("over_budget", "amount")
    with pytest.raises(ValidationError) as no_comment:
        actions.approve(runtime, users["ops"], task["id"], JUNE)
    assert (no_comment.value.code, no_comment.value.field) == ("over_budget", "comment")
    actions.approve(runtime, users["ops"], task["id"], JUNE, comment="Board approved the extra print run")
    with runtime.db.read() as session:
        event = session.scalars(select(TimelineEvent).where(
            TimelineEvent.card_id == second, TimelineEvent.event == "approved",
            TimelineEvent.stage == "finance_review")).one()
        assert event.data["budget_override"] == {"period": "month", "overrun": "50000.00"}
        assert event.comment == "Board approved the extra print run"


def test_a_warn_at_finance_review_approves_with_a_warning_and_a_frozen_card_stays_committed(make_core, users, invoice):
    runtime = make_core("ignore", "warn")
    budgets.put_budgets(runtime, users["finance"], JUNE, PLAN)
    first, second = (file_at(runtime, users, invoice, "100000.00") for _ in range(2))
    for card_id in (first, second):
        approve_stage(runtime, users, card_id, "head_approval", now=JUNE)
    approve_stage(runtime, users, first, "finance_review", now=JUNE)
    actions.freeze(runtime, users["finance"], first, JUNE, "waiting for the bank")
    assert line(runtime, second)["committed"] == "100000.00"
    task = open_task(runtime, users, second, "finance_review", now=JUNE)
    outcome = actions.approve(runtime, users["finance"], task["id"], JUNE)
    assert [text.en for text in outcome.warnings] == [
        "Over the month-to-date budget of marketing · PACK: this request exceeds it by 50000.00 RUB."]


@pytest.mark.parametrize("attempt", range(2))
def test_two_simultaneous_approvals_do_not_overrun_a_block_budget(make_core, users, invoice, attempt):
    runtime = make_core("ignore", "block")
    budgets.put_budgets(runtime, users["finance"], JUNE, PLAN)
    cards = [file_at(runtime, users, invoice, "100000.00") for _ in range(2)]
    for card_id in cards:
        approve_stage(runtime, users, card_id, "head_approval", now=JUNE)
    tasks = [open_task(runtime, users, card_id, "finance_review", now=JUNE)["id"] for card_id in cards]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def approve(task_id: int) -> None:
        barrier.wait()
        try:
            actions.approve(runtime, users["finance"], task_id, JUNE)
            results.append("ok")
        except ValidationError as error:
            results.append(error.code)
        except Exception as error:  # anything else is a bug the assertion shows
            results.append(repr(error))

    threads = [threading.Thread(target=approve, args=(task_id,)) for task_id in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "over_budget"]
    with runtime.db.read() as session:
        assert sorted(session.scalars(select(Card.stage).where(Card.id.in_(cards)))) == ["finance_review", "payment"]


DIRECTOR_RULE = """\
  - name: over_budget_needs_director
    when: exceeds_budget and budget_remaining < 1000000
    add_stages: [director_approval]
"""


def test_a_rule_routes_over_budget_payments_to_the_director(make_core, planned, users, invoice):
    runtime = make_core("ignore", "ignore", routing=DIRECTOR_RULE)
    over = file_at(runtime, users, invoice, "200000.00")
    within = file_at(runtime, users, invoice, "20000.00")
    assert card(runtime, users, over, now=JUNE)["run"]["route"] == [
        "head_approval", "director_approval", "finance_review", "payment"]
    assert card(runtime, users, within, now=JUNE)["run"]["route"] == ["head_approval", "finance_review", "payment"]


def test_null_removes_a_month(core, planned, users):
    budgets.put_budgets(core, users["finance"], JUNE, [{**PLAN[1], "planned": None}])
    rows = budgets.list_budgets(core, users["finance"], JUNE, budgets.BudgetFilter(2026))
    assert [row["month"] for row in rows] == [1, 12]


def test_rules_simulate_shows_the_budget_outcome(core, planned, settings, monkeypatch, capsys):
    from soglasie.cli import main

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOGLASIE_RULES_DIR", str(settings.rules_dir))
    monkeypatch.setenv("SOGLASIE_DATA_DIR", str(settings.data_dir))
    argv = ["rules", "simulate", "--process", "payment", "--created-at", "2026-06-02T10:00", "--amount", "700000",
            "--cost-item", "PACK", "--department", "marketing", "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)[0]
    assert (first["kind"], first["outcome"]) == ("budget", "block")
    assert (first["budget"]["period"], first["budget"]["overrun"]) == ("year", "50000.00")
    assert main(argv[:-1]) == 0
    assert "overrun 50000.00 → block" in capsys.readouterr().out
    assert main(argv[:-1][:-4]) == 0  # without --cost-item: the timeline as before, no budget row
    assert "budget" not in capsys.readouterr().out


# (the budget section's lines replaced, the error expected on that line)
BAD_POLICIES = [
    ("  check_at: [filing, finance_review]", "  check_at: [filing, finance_reveiw]",
     "unknown check point 'finance_reveiw'"),
    ("  committed_from: payment", "  committed_from: paid", "committed_from: unknown stage 'paid'"),
    ("    year: block", "    year: stop", "unknown on_exceed.year action 'stop'"),
    ("  override_role: ops_manager", "  override_role: director", "unknown override_role 'director'"),
]


@pytest.mark.parametrize("line, replacement, message", BAD_POLICIES)
def test_rules_check_names_a_bad_budget_policy_by_file_and_line(tmp_path, line, replacement, message):
    from soglasie.rulebook.loader import check_rules

    rules = budget_rules(tmp_path)
    payment = rules / "payment.yaml"
    text = payment.read_text(encoding="utf-8")
    number = text.split("\n").index(line) + 1
    payment.write_text(text.replace(line + "\n", replacement + "\n"), encoding="utf-8")
    errors = [str(error) for error in check_rules(rules)]
    assert len(errors) == 1 and errors[0].startswith(f"{payment}:{number}: ") and message in errors[0], errors
