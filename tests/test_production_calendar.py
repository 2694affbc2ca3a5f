"""The calendar against the published Russian production calendars, 2013–2027 (40-hour week)."""

from __future__ import annotations

import datetime as dt

import pytest

from soglasie.business_calendar import BusinessCalendar
from tests.rulebook.rules_helpers import msk

CAL = BusinessCalendar()

# year: (working days, working hours, the shortened pre-holiday days) as published by the Ministry
# of Labour. 2027 is the decree as the `holidays` package knows it.
YEARS = {
    2013: (247, 1970, ["02-22", "03-07", "04-30", "05-08", "06-11", "12-31"]),
    2015: (247, 1971, ["04-30", "05-08", "06-11", "11-03", "12-31"]),
    2016: (247, 1974, ["02-20", "11-03"]),  # Saturday 20 Feb worked instead of Monday 22 Feb
    2017: (247, 1973, ["02-22", "03-07", "11-03"]),
    2018: (247, 1970, ["02-22", "03-07", "04-28", "05-08", "06-09", "12-29"]),
    2019: (247, 1970, ["02-22", "03-07", "04-30", "05-08", "06-11", "12-31"]),
    # 2020 and 2021 without the presidential non-working days (not holidays of the calendar).
    2020: (248, 1979, ["04-30", "05-08", "06-11", "11-03", "12-31"]),
    2021: (247, 1972, ["02-20", "04-30", "06-11", "11-03"]),
    2022: (247, 1973, ["02-22", "03-05", "11-03"]),
    2023: (247, 1973, ["02-22", "03-07", "11-03"]),
    2024: (248, 1979, ["02-22", "03-07", "05-08", "06-11", "11-02"]),
    2025: (247, 1972, ["03-07", "04-30", "06-11", "11-01"]),
    2026: (247, 1972, ["04-30", "05-08", "06-11", "11-03"]),
    2027: (247, 1972, ["02-20", "04-30", "06-11", "11-03"]),
}

# Per month: (working days, hours) for January … December.
MONTHS = {
    2023: [(17, 136), (18, 143), (22, 175), (20, 160), (20, 160), (21, 168),
           (21, 168), (23, 184), (21, 168), (22, 176), (21, 167), (21, 168)],
    2024: [(17, 136), (20, 159), (20, 159), (21, 168), (20, 159), (19, 151),
           (23, 184), (22, 176), (21, 168), (23, 184), (21, 167), (21, 168)],
    2025: [(17, 136), (20, 160), (21, 167), (22, 175), (18, 144), (19, 151),
           (23, 184), (21, 168), (22, 176), (23, 184), (19, 151), (22, 176)],
    2026: [(15, 120), (19, 152), (21, 168), (22, 175), (19, 151), (21, 167),
           (23, 184), (21, 168), (22, 176), (22, 176), (20, 159), (22, 176)],
}


def _year_span(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


@pytest.mark.parametrize("year", sorted(YEARS))
def test_working_days_hours_and_shortened_days_per_year(year):
    days, hours, shortened = YEARS[year]
    start, end = _year_span(year)
    assert CAL.working_days_in_year(year) == days
    assert CAL.working_minutes_in(start, end) == hours * 60
    found = [day.strftime("%m-%d") for day in CAL.working_days(start, end) if CAL.is_shortened_day(day)]
    assert found == shortened


@pytest.mark.xfail(strict=True, reason="the holidays package lacks 10 March 2014 (8 March fell on a Saturday) "
                   "and the published shortened 24 February: import the official 2014 file")
def test_2014_from_the_package():
    assert (CAL.working_days_in_year(2014), CAL.working_minutes_in(*_year_span(2014)) // 60) == (247, 1970)


@pytest.mark.parametrize("year, month", [(year, month) for year in MONTHS for month in range(1, 13)])
def test_working_days_and_hours_per_month(year, month):
    start = dt.date(year, month, 1)
    end = dt.date(year + month // 12, month % 12 + 1, 1)
    assert (len(CAL.working_days(start, end)), CAL.working_minutes_in(start, end) // 60) == MONTHS[year][month - 1]


@pytest.mark.parametrize("day, minutes, reason", [
    (dt.date(2024, 2, 22), 420, None),  # the eve of 23 February
    (dt.date(2024, 11, 2), 420, None),  # a working Saturday standing in for 30 April
    (dt.date(2024, 4, 27), 480, None),  # a working Saturday standing in for 29 April: full
    (dt.date(2024, 12, 28), 480, None),  # the next day off (30 Dec) is a transfer, not a holiday
    (dt.date(2024, 2, 23), 0, "Defender of the Fatherland Day"),
    (dt.date(2024, 4, 29), 0, "transfer"),
    (dt.date(2024, 2, 24), 0, "weekend"),
    (dt.date(2025, 2, 21), 480, None),  # 23 Feb 2025 is a Sunday: the Friday is full
    (dt.date(2021, 5, 3), 0, "transfer"),  # 1 May on a Saturday, observed on Monday
])
def test_one_day(day, minutes, reason):
    assert CAL.working_minutes_on(day) == minutes
    assert CAL.is_shortened_day(day) is (minutes == 420)
    assert CAL.day_off_reason(day) == reason


@pytest.mark.parametrize("start, hours, expected", [
    # 22 Feb 2024 ends at 17:00: 7 hours, then 23–25 Feb off, the eighth hour on 26 Feb.
    (msk(2024, 2, 22, 9), 8, msk(2024, 2, 26, 10)),
    (msk(2024, 2, 22, 9), 7, msk(2024, 2, 22, 17)),
    (msk(2024, 2, 22, 17, 30), 1, msk(2024, 2, 26, 10)),  # after the shortened end: not working time
    (msk(2026, 4, 29, 9), 16, msk(2026, 5, 4, 10)),  # 30 Apr 2026 is shortened, 1–3 May off
    (msk(2024, 2, 21, 9), 23, msk(2024, 2, 26, 18)),  # 8 + 7 + 8: a shortened day inside a span
])
def test_add_working_hours_across_shortened_days(start, hours, expected):
    result = CAL.add_working_hours(start, hours)
    assert result == expected
    assert CAL.working_minutes_between(start, result) == hours * 60


@pytest.mark.parametrize("t, working", [
    (msk(2024, 2, 22, 16, 59), True), (msk(2024, 2, 22, 17), False), (msk(2024, 2, 21, 17), True)])
def test_working_time_ends_an_hour_early(t, working):
    assert CAL.is_working_time(t) is working


def test_end_of_a_shortened_working_day_is_17():
    assert CAL.end_of_working_day(dt.date(2026, 4, 30)) == msk(2026, 4, 30, 17)
    assert CAL.end_of_working_day(dt.date(2026, 4, 29)) == msk(2026, 4, 29, 18)
    assert CAL.next_working_instant(msk(2024, 2, 22, 17, 10)) == msk(2024, 2, 26, 9)


def test_a_company_that_does_not_shorten():
    flat = BusinessCalendar(shortened_by=dt.timedelta(0))
    assert flat.working_minutes_in(*_year_span(2024)) == 248 * 480
    assert flat.add_working_hours(msk(2024, 2, 22, 9), 8) == msk(2024, 2, 22, 18)
    assert not flat.is_shortened_day(dt.date(2024, 2, 22))


def test_overrides_mark_a_shortened_day_and_days_off():
    custom = BusinessCalendar(extra_shortened_days=frozenset({dt.date(2026, 12, 30)}),
                              extra_days_off=frozenset({dt.date(2026, 4, 30)}))
    assert custom.working_minutes_on(dt.date(2026, 12, 30)) == 420
    assert custom.day_off_reason(dt.date(2026, 4, 30)) == "company day off"
    assert custom.working_minutes_in(*_year_span(2026)) == (1972 - 7 - 1) * 60


def test_a_cut_longer_than_the_day_is_refused():
    with pytest.raises(ValueError):
        BusinessCalendar(shortened_by=dt.timedelta(hours=8))


# The working weekend days of the transfer decrees (every other year has none).
WORKING_WEEKEND_DAYS = {
    2016: ["02-20"], 2018: ["04-28", "06-09", "12-29"], 2021: ["02-20"], 2022: ["03-05"],
    2024: ["04-27", "11-02", "12-28"], 2025: ["11-01"], 2027: ["02-20"],
}


@pytest.mark.parametrize("year", range(2013, 2028))
def test_working_weekend_days_of_the_decrees(year):
    start, end = _year_span(year)
    found = [day.strftime("%m-%d") for day in CAL.working_days(start, end) if day.weekday() >= 5]
    assert found == WORKING_WEEKEND_DAYS.get(year, [])
