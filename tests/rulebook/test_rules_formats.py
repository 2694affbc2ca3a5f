"""Durations, times of day and YAML quirks as a finance lead writes them."""

from __future__ import annotations

import datetime as dt

import pytest

from soglasie.rulebook.durations import format_duration, parse_duration, parse_time
from soglasie.rulebook.engine import decide
from soglasie.rulebook.loader import load_rulebook
from tests.rulebook.rules_helpers import NOW, real_text


@pytest.mark.parametrize("text, minutes", [
    ("4h", 240), ("2d", 960), ("2d 1h", 1020), ("30m", 30), ("1h 30m", 90), ("2d1h", 1020), (" 1d ", 480),
])
def test_durations_in_working_time(text, minutes):
    assert parse_duration(text, 480) == minutes
    assert parse_duration(format_duration(minutes, 480), 480) == minutes


def test_a_day_is_the_calendar_s_working_day():
    assert parse_duration("2d", 540) == 1080


@pytest.mark.parametrize("text", ["240", "2 days", "h", "", "1h 2d", "-1h", "1.5h"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text, 480)


@pytest.mark.parametrize("text, value", [("13:00", dt.time(13)), ("9:05", dt.time(9, 5)), ("23:59", dt.time(23, 59))])
def test_times_of_day(text, value):
    assert parse_time(text) == value


@pytest.mark.parametrize("text", ["24:00", "13:60", "1300", "13.00", "noon"])
def test_bad_times(text):
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time(text)


def test_unquoted_times_and_dates_mean_what_they_say(rules_copy):
    # YAML 1.1 reads 13:00 as the number 780 and 2026-12-01 as a date: the loader reads the text.
    payment = real_text("payment.yaml").replace('cutoff: "13:00"', "cutoff: 13:00")
    calendar = real_text("calendar.yaml").replace('  end: "18:00"\nlunch', "  end: 18:00\nlunch")
    calendar = calendar.replace("extra_days_off: []", "extra_days_off: [2026-12-01, '2026-12-02']")
    book = load_rulebook(rules_copy({"payment.yaml": payment, "calendar.yaml": calendar}))
    assert book.process("payment").deadlines["accounting"].cutoff == dt.time(13)
    assert not book.calendar.is_working_day(dt.date(2026, 12, 1))
    assert not book.calendar.is_working_day(dt.date(2026, 12, 2))
    assert book.calendar.working_days_in_year(2026) == 245


def test_a_calendar_without_lunch_makes_longer_days(rules_copy):
    calendar = real_text("calendar.yaml").replace('lunch:\n  start: "13:00"\n  end: "14:00"', "lunch: null")
    book = load_rulebook(rules_copy({"calendar.yaml": calendar}))
    assert book.calendar.minutes_per_day == 540
    assert book.process("payment").stage("head_approval").sla.events[0].after_minutes == 1080


def test_a_fresh_ruleset_s_first_decision_may_match_nothing(rules_copy):
    # durable-rules 2.0.28 crashed here before the engine warmed new rulesets up.
    payment = real_text("payment.yaml").replace("amount > 1000000", "amount > 1000001")
    book = load_rulebook(rules_copy({"payment.yaml": payment}))
    assert decide(book, "payment", {"amount": 5}, NOW).matched_rules == ()
