"""The business calendar against the official Russian production calendar and its conventions."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from soglasie.business_calendar import BusinessCalendar
from tests.rulebook.rules_helpers import MSK, msk

CAL = BusinessCalendar()
UTC = dt.timezone.utc


@pytest.mark.parametrize("year, days", [(2024, 248), (2025, 247), (2026, 247)])
def test_working_days_per_year_match_the_production_calendar(year, days):
    assert CAL.working_days_in_year(year) == days


@pytest.mark.parametrize("day, working", [
    (dt.date(2025, 11, 1), True),  # a working Saturday (transfer decree)
    (dt.date(2025, 11, 3), False),  # the day off it was moved to
    (dt.date(2025, 11, 4), False),  # Unity Day
    (dt.date(2025, 12, 31), False),  # transferred day off
    (dt.date(2026, 1, 9), False),  # New Year holidays: 1–11 January 2026
    (dt.date(2026, 1, 11), False),
    (dt.date(2026, 1, 12), True),
    (dt.date(2025, 5, 2), False),  # May holidays 2025
    (dt.date(2025, 5, 8), False),
    (dt.date(2025, 5, 12), True),
    (dt.date(2024, 12, 28), True),  # a working Saturday of 2024
    (dt.date(2026, 11, 28), False),  # an ordinary Saturday
    (dt.date(2026, 12, 1), True),
])
def test_is_working_day(day, working):
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize("start, hours, expected", [
    # 31 Dec 2025 is a day off and 1–11 Jan 2026 are holidays: first hours are 12 Jan.
    (msk(2025, 12, 31, 17), 2, msk(2026, 1, 12, 11)),
    (msk(2025, 12, 30, 17), 2, msk(2026, 1, 12, 10)),
    # Friday evening: landing exactly on 18:00 stays on Friday; past it → Monday.
    (msk(2026, 11, 27, 17), 1, msk(2026, 11, 27, 18)),
    (msk(2026, 11, 27, 17), 2, msk(2026, 11, 30, 10)),
    (msk(2026, 11, 27, 19), 1, msk(2026, 11, 30, 10)),
    (msk(2026, 11, 28, 10), 1, msk(2026, 11, 30, 10)),  # filed on Saturday
    # Lunch 13:00–14:00 does not count.
    (msk(2026, 12, 1, 12), 1, msk(2026, 12, 1, 13)),
    (msk(2026, 12, 1, 12, 30), 1, msk(2026, 12, 1, 14, 30)),
    (msk(2026, 12, 1, 13, 30), 1, msk(2026, 12, 1, 15)),
    (msk(2026, 12, 1, 9), 8, msk(2026, 12, 1, 18)),
    (msk(2026, 12, 1, 9), 16, msk(2026, 12, 2, 18)),
    # The working Saturday 1 Nov 2025, then 3 Nov (day off) and 4 Nov (Unity Day).
    (msk(2025, 10, 31, 17), 2, msk(2025, 11, 1, 10)),
    # 1 Nov 2025 is also shortened (it stands in for 3 Nov, the eve of Unity Day): it ends at 17:00.
    (msk(2025, 11, 1, 16), 2, msk(2025, 11, 5, 10)),
    (msk(2025, 11, 1, 17), 2, msk(2025, 11, 5, 11)),
    # Filed during the May holidays 2025 (1–4 and 8–11 May off).
    (msk(2025, 5, 2, 10), 16, msk(2025, 5, 6, 18)),
    (msk(2025, 5, 7, 17), 2, msk(2025, 5, 12, 10)),
    # Fractions, and an input offset other than Moscow's.
    (msk(2026, 12, 1, 9), Decimal("1.5"), msk(2026, 12, 1, 10, 30)),
    (dt.datetime(2026, 12, 1, 6, 0, tzinfo=UTC), 1, msk(2026, 12, 1, 10)),
    # Zero is the instant itself, even outside working time.
    (msk(2026, 11, 28, 10), 0, msk(2026, 11, 28, 10)),
])
def test_add_working_hours(start, hours, expected):
    result = CAL.add_working_hours(start, hours)
    assert result == expected
    assert result.tzinfo == MSK and result.utcoffset() == dt.timedelta(hours=3)


def test_add_crosses_years_at_the_cost_of_a_few_lookups():
    start = msk(2024, 1, 9, 9)  # the first working instant of 2024
    ten_years = CAL.working_minutes_in(dt.date(2024, 1, 1), dt.date(2034, 1, 1))  # shortened days included
    end = CAL.add_working_minutes(start, ten_years)
    assert end == msk(2033, 12, 30, 18)  # the end of the last working day of 2033
    assert CAL.working_minutes_between(start, end) == ten_years


@pytest.mark.parametrize("bad", [-1, Decimal("-0.5")])
def test_negative_durations_are_refused(bad):
    with pytest.raises(ValueError):
        CAL.add_working_hours(msk(2026, 12, 1, 10), bad)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        CAL.add_working_hours(dt.datetime(2026, 12, 1, 10), 1)


@pytest.mark.parametrize("t, working", [
    (msk(2026, 12, 1, 9), True),
    (msk(2026, 12, 1, 8, 59, 59), False),
    (msk(2026, 12, 1, 12, 59, 59), True),
    (msk(2026, 12, 1, 13), False),  # intervals are [start, end)
    (msk(2026, 12, 1, 14), True),
    (msk(2026, 12, 1, 17, 59, 59, 999999), True),
    (msk(2026, 12, 1, 18), False),
    (msk(2026, 11, 28, 10), False),
    (msk(2025, 11, 1, 10), True),
    (msk(2026, 1, 5, 10), False),
])
def test_is_working_time(t, working):
    assert CAL.is_working_time(t) is working


@pytest.mark.parametrize("t, expected", [
    (msk(2026, 12, 1, 10, 15), msk(2026, 12, 1, 10, 15)),
    (msk(2026, 12, 1, 7), msk(2026, 12, 1, 9)),
    (msk(2026, 12, 1, 13), msk(2026, 12, 1, 14)),
    (msk(2026, 12, 1, 18), msk(2026, 12, 2, 9)),
    (msk(2026, 11, 27, 18, 30), msk(2026, 11, 30, 9)),
    (msk(2025, 12, 31, 10), msk(2026, 1, 12, 9)),
])
def test_next_working_instant(t, expected):
    assert CAL.next_working_instant(t) == expected


@pytest.mark.parametrize("a, b, minutes", [
    (msk(2026, 12, 1, 9), msk(2026, 12, 1, 18), 480),
    (msk(2026, 12, 1, 12), msk(2026, 12, 1, 15), 120),
    (msk(2026, 11, 27, 17), msk(2026, 11, 30, 10), 120),
    (msk(2025, 12, 30, 17), msk(2026, 1, 12, 10), 120),
    (msk(2026, 12, 1, 10), msk(2026, 12, 1, 10, 0, 59), 0),  # whole minutes only
    (msk(2026, 12, 1, 15), msk(2026, 12, 1, 12), -120),
])
def test_working_minutes_between(a, b, minutes):
    assert CAL.working_minutes_between(a, b) == minutes


def test_working_minutes_between_is_the_inverse_of_add():
    rng = random.Random(20261201)
    for _ in range(2000):
        start = msk(2024, 1, 1) + dt.timedelta(minutes=rng.randrange(3 * 366 * 24 * 60))
        minutes = rng.choice([0, 1, 59, 60, 239, 240, 480, 481, 960, 1020]) + rng.randrange(20000)
        end = CAL.add_working_minutes(start, minutes)
        assert CAL.working_minutes_between(start, end) == minutes
        if minutes:  # the earliest instant: one microsecond earlier is not enough
            assert CAL.working_time_between(start, end - dt.timedelta(microseconds=1)) < \
                dt.timedelta(minutes=minutes)


@pytest.mark.parametrize("value, expected", [
    (dt.date(2026, 12, 1), msk(2026, 12, 1, 18)),
    (msk(2026, 12, 1, 23, 30), msk(2026, 12, 1, 18)),
    (dt.datetime(2026, 12, 1, 22, 0, tzinfo=UTC), msk(2026, 12, 2, 18)),  # local date is 2 Dec
    (dt.date(2026, 3, 8), msk(2026, 3, 8, 18)),  # a date is taken as is, holiday or not
])
def test_end_of_working_day(value, expected):
    assert CAL.end_of_working_day(value) == expected


@pytest.mark.parametrize("start, days, expected", [
    (msk(2026, 11, 27, 15), 1, msk(2026, 11, 30, 15)),
    (msk(2026, 11, 27, 15), 2, msk(2026, 12, 1, 15)),
    (msk(2026, 11, 28, 10), 1, msk(2026, 11, 30, 18)),  # from Saturday: Monday's 8 hours
    (msk(2025, 12, 26, 10), 3, msk(2026, 1, 12, 10)),
])
def test_add_working_days(start, days, expected):
    assert CAL.add_working_days(start, days) == expected


def test_next_working_day():
    assert CAL.next_working_day(dt.date(2025, 12, 30)) == dt.date(2026, 1, 12)
    assert CAL.next_working_day(dt.date(2025, 10, 31)) == dt.date(2025, 11, 1)


def test_file_overrides_add_and_remove_days():
    custom = BusinessCalendar(extra_days_off=frozenset({dt.date(2026, 12, 1)}),
                              extra_working_days=frozenset({dt.date(2026, 12, 5)}))
    assert not custom.is_working_day(dt.date(2026, 12, 1))
    assert custom.is_working_day(dt.date(2026, 12, 5))
    assert custom.working_days_in_year(2026) == 247
    assert custom.add_working_hours(msk(2026, 11, 30, 17), 2) == msk(2026, 12, 2, 10)


def test_a_day_both_off_and_working_is_refused():
    day = frozenset({dt.date(2026, 12, 1)})
    with pytest.raises(ValueError):
        BusinessCalendar(extra_days_off=day, extra_working_days=day)


def test_a_calendar_without_lunch_has_nine_hour_days():
    assert BusinessCalendar(lunch=None).minutes_per_day == 540
    assert CAL.minutes_per_day == 480
