"""SLA schedules, accounting deadlines and the "nobody acts" timeline, to the minute."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from soglasie.rulebook.deadlines import accounting_deadline
from soglasie.rulebook.loader import load_rulebook
from soglasie.rulebook.model import AssigneeRule, DeadlineRule
from soglasie.rulebook.sla import sla_schedule
from soglasie.rulebook.timeline import CardBlocked, simulate
from soglasie.services.common import parse_deadline
from tests.rulebook.rules_helpers import msk, real_text

OPS = AssigneeRule("role", "ops_manager")
ASSIGNEE = AssigneeRule("assignee")
FRIDAY_AFTERNOON = msk(2026, 11, 27, 14)  # Friday 27 Nov 2026, 14:00


def _rows(schedule):
    return [(item.at, item.kind, item.rule, item.occurrence, item.clock_minutes) for item in schedule]


def test_head_approval_schedule_of_a_request_filed_on_friday_afternoon(rulebook):
    policy = rulebook.process("payment").stage("head_approval").sla
    assert _rows(sla_schedule(policy, rulebook.calendar, FRIDAY_AFTERNOON)) == [
        (msk(2026, 11, 27, 18), "check", "check", 1, 240),  # +4h: Friday 14–18
        (msk(2026, 11, 30, 13), "check", "check", 2, 480),  # +8h: Monday 09–13
        (msk(2026, 11, 30, 18), "check", "check", 3, 720),  # +12h: Monday 14–18
        (msk(2026, 12, 1, 13), "check", "check", 4, 960),  # +16h: Tuesday 09–13
        (msk(2026, 12, 1, 13), "reminder", "reminder", 1, 960),  # 2 working days
        (msk(2026, 12, 1, 15), "escalation", "escalation", 1, 1020),  # 1 working hour later (lunch skipped)
    ]


def test_sla_events_on_a_shortened_day_end_an_hour_early(rulebook):
    policy = rulebook.process("payment").stage("head_approval").sla
    # Wednesday 29 Apr 2026, 14:00; 30 Apr ends at 17:00; 1–3 May are off.
    assert [(item.at, item.kind) for item in sla_schedule(policy, rulebook.calendar, msk(2026, 4, 29, 14))] == [
        (msk(2026, 4, 29, 18), "check"),  # +4h
        (msk(2026, 4, 30, 13), "check"),  # +8h
        (msk(2026, 5, 4, 10), "check"),  # +12h: only 14–17 on the shortened day, the 12th hour on 4 May
        (msk(2026, 5, 4, 15), "check"),
        (msk(2026, 5, 4, 15), "reminder"),
        (msk(2026, 5, 4, 16), "escalation"),
    ]


def test_finance_review_schedule_reminds_and_escalates_together(rulebook):
    policy = rulebook.process("payment").stage("finance_review").sla
    schedule = sla_schedule(policy, rulebook.calendar, FRIDAY_AFTERNOON)
    assert [(item.at, item.kind, item.to) for item in schedule[-3:]] == [
        (msk(2026, 12, 1, 13), "check", ASSIGNEE),
        (msk(2026, 12, 1, 13), "reminder", ASSIGNEE),
        (msk(2026, 12, 1, 13), "escalation", OPS),
    ]
    assert len(schedule) == 6


@pytest.mark.parametrize("consumed, resumed_at, expected", [
    # 5 working hours used before a freeze; resumed Monday 09:00 → 3 h to the second check.
    (300, msk(2026, 11, 30, 9), [("check", 2, msk(2026, 11, 30, 12)), ("check", 3, msk(2026, 11, 30, 17)),
                                 ("check", 4, msk(2026, 12, 1, 12)), ("reminder", 1, msk(2026, 12, 1, 12)),
                                 ("escalation", 1, msk(2026, 12, 1, 13))]),
    # Exactly on a check's minute: that check is past.
    (480, msk(2026, 11, 30, 9), [("check", 3, msk(2026, 11, 30, 13)), ("check", 4, msk(2026, 11, 30, 18)),
                                 ("reminder", 1, msk(2026, 11, 30, 18)), ("escalation", 1, msk(2026, 12, 1, 10))]),
    (960, msk(2026, 11, 30, 9), [("escalation", 1, msk(2026, 11, 30, 10))]),
    (1020, msk(2026, 11, 30, 9), []),
])
def test_a_resumed_clock_continues_where_it_stopped(rulebook, consumed, resumed_at, expected):
    policy = rulebook.process("payment").stage("head_approval").sla
    schedule = sla_schedule(policy, rulebook.calendar, resumed_at, consumed)
    assert [(item.kind, item.occurrence, item.at) for item in schedule] == expected


def test_until_minutes_cuts_the_schedule(rulebook):
    policy = rulebook.process("payment").stage("head_approval").sla
    schedule = sla_schedule(policy, rulebook.calendar, FRIDAY_AFTERNOON, until_minutes=480)
    assert [item.clock_minutes for item in schedule] == [240, 480]


def test_a_policy_without_events_checks_until_it_is_due(rulebook):
    policy = dataclasses.replace(rulebook.process("payment").stage("head_approval").sla, events=(),
                                 due_after_minutes=600)
    assert [item.clock_minutes for item in sla_schedule(policy, rulebook.calendar, FRIDAY_AFTERNOON)] == [240, 480]


ACCOUNTING = DeadlineRule("accounting", dt.time(13, 0))


@pytest.mark.parametrize("arrived, hard, expected", [
    (msk(2026, 12, 1, 10), None, msk(2026, 12, 1, 18)),  # before the cut-off: today
    (msk(2026, 12, 1, 12, 59, 59), None, msk(2026, 12, 1, 18)),
    (msk(2026, 12, 1, 13), None, msk(2026, 12, 2, 18)),  # from the cut-off on: next working day
    (msk(2026, 12, 1, 13, 30), None, msk(2026, 12, 2, 18)),  # lunch → 14:00, after the cut-off
    (msk(2026, 12, 1, 17, 59), None, msk(2026, 12, 2, 18)),
    (msk(2026, 12, 1, 18), None, msk(2026, 12, 2, 18)),  # after hours → 09:00 next day, before cut-off
    (msk(2026, 12, 1, 22), None, msk(2026, 12, 2, 18)),
    (msk(2026, 12, 1, 7), None, msk(2026, 12, 1, 18)),
    (msk(2026, 11, 27, 14), None, msk(2026, 11, 30, 18)),  # Friday after the cut-off → Monday
    (msk(2026, 11, 28, 11), None, msk(2026, 11, 30, 18)),  # weekend → Monday morning → Monday
    (msk(2026, 1, 5, 10), None, msk(2026, 1, 12, 18)),  # New Year holidays
    (msk(2025, 12, 30, 14), None, msk(2026, 1, 12, 18)),  # 31 Dec 2025 is a day off too
    (msk(2025, 11, 1, 10), None, msk(2025, 11, 1, 17)),  # a working Saturday, shortened (eve of 3–4 Nov)
    (msk(2025, 11, 1, 14), None, msk(2025, 11, 5, 18)),  # then 3 and 4 Nov are off
    (dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone.utc), None, msk(2026, 12, 1, 18)),  # 12:30 in Moscow
    (dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone.utc), None, msk(2026, 12, 2, 18)),  # 13:00 in Moscow
    (msk(2026, 12, 1, 10), dt.date(2026, 12, 10), msk(2026, 12, 10, 18)),  # a hard date wins
    (msk(2026, 12, 1, 10), dt.date(2026, 12, 6), msk(2026, 12, 6, 18)),  # taken as written (a Sunday)
    (msk(2026, 12, 1, 10), dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone.utc), msk(2026, 12, 3, 12)),
    (msk(2026, 12, 1, 14), msk(2026, 12, 1, 16), msk(2026, 12, 1, 16)),  # even earlier than usual
    # 30 Apr 2026 is the eve of 1 May: the working day, and so the deadline, ends at 17:00.
    (msk(2026, 4, 30, 10), None, msk(2026, 4, 30, 17)),
    (msk(2026, 4, 29, 14), None, msk(2026, 4, 30, 17)),
    (msk(2026, 4, 30, 14), None, msk(2026, 5, 4, 18)),
    (msk(2026, 4, 30, 17, 30), None, msk(2026, 5, 4, 18)),  # after the shortened end → 4 May morning
    (msk(2026, 4, 20, 10), dt.date(2026, 4, 30), msk(2026, 4, 30, 17)),  # a hard date on a shortened day
])
def test_accounting_deadline(rulebook, arrived, hard, expected):
    assert accounting_deadline(rulebook.calendar, ACCOUNTING, arrived, hard) == expected


def test_without_hard_deadline_wins_the_cutoff_decides(rulebook):
    rule = DeadlineRule("accounting", dt.time(13, 0), hard_deadline_wins=False)
    assert accounting_deadline(rulebook.calendar, rule, msk(2026, 12, 1, 10), dt.date(2026, 12, 10)) == \
        msk(2026, 12, 1, 18)


PEOPLE = {("initiator_head", None): "mhead", ("role", "ops_manager"): "ops", ("role", "signer"): "signer",
          ("role", "finance_manager"): "finance", ("user", "ceo"): "ceo"}


def resolve(rule: AssigneeRule, stage_id: str) -> str | None:
    """A dict-backed resolver (the CLI resolves from the database)."""
    return PEOPLE.get((rule.kind, rule.value))


def test_simulate_lists_the_first_stage_timeline_with_logins(rulebook):
    timeline = simulate(rulebook, "payment", FRIDAY_AFTERNOON, {"initiator": "memployee"}, resolve)
    assert timeline == [
        {"at": "2026-11-27T18:00:00+03:00", "kind": "check", "stage": "head_approval", "to": "mhead"},
        {"at": "2026-11-30T13:00:00+03:00", "kind": "check", "stage": "head_approval", "to": "mhead"},
        {"at": "2026-11-30T18:00:00+03:00", "kind": "check", "stage": "head_approval", "to": "mhead"},
        {"at": "2026-12-01T13:00:00+03:00", "kind": "check", "stage": "head_approval", "to": "mhead"},
        {"at": "2026-12-01T13:00:00+03:00", "kind": "reminder", "stage": "head_approval", "to": "mhead"},
        {"at": "2026-12-01T15:00:00+03:00", "kind": "escalation", "stage": "head_approval", "to": "ops"},
    ]


def test_simulate_ends_a_shortened_day_at_17(rulebook):
    # Wednesday 29 Apr 2026, 14:00: 30 Apr works 09:00–17:00, 1–3 May are off.
    timeline = simulate(rulebook, "payment", msk(2026, 4, 29, 14), {"initiator": "memployee"}, resolve)
    assert [(row["at"], row["kind"]) for row in timeline] == [
        ("2026-04-29T18:00:00+03:00", "check"),
        ("2026-04-30T13:00:00+03:00", "check"),
        ("2026-05-04T10:00:00+03:00", "check"),  # 14:00–17:00 on 30 Apr, the 12th hour on 4 May
        ("2026-05-04T15:00:00+03:00", "check"),
        ("2026-05-04T15:00:00+03:00", "reminder"),
        ("2026-05-04T16:00:00+03:00", "escalation"),
    ]


@pytest.mark.parametrize("raw, expected", [
    ("2026-04-30", msk(2026, 4, 30, 17)),  # the eve of 1 May: a shortened day ends at 17:00
    ("2026-04-29", msk(2026, 4, 29, 18)),
    ("2025-11-01", msk(2025, 11, 1, 17)),  # a shortened working Saturday
    ("2026-05-01", msk(2026, 5, 1, 18)),  # a day off, taken as written
])
def test_a_hard_deadline_date_is_the_end_of_that_working_day(rulebook, raw, expected):
    assert parse_deadline(raw, "deadline", rulebook.calendar) == expected


def test_simulate_follows_routing_overrides_and_refuses_blocked_cards(rules_copy):
    routing = ('\n  - name: big_to_the_ceo\n    when: amount > 100\n    assignees: {head_approval: {user: ceo}}\n'
               '\n  - name: no_zero\n    when: amount <= 0\n    add_stages: [director_approval]\n')
    blocking = ('\n  - name: zero\n    when: amount <= 0\n    level: block\n    message: "no"\n')
    payment = real_text("payment.yaml").replace("\nvalidation:\n", routing + "\nvalidation:\n") + blocking
    book = load_rulebook(rules_copy({"payment.yaml": payment}))
    timeline = simulate(book, "payment", FRIDAY_AFTERNOON, {"amount": Decimal("500")}, resolve)
    assert {row["to"] for row in timeline if row["kind"] != "escalation"} == {"ceo"}
    with pytest.raises(CardBlocked):
        simulate(book, "payment", FRIDAY_AFTERNOON, {"amount": Decimal("0")}, resolve)
