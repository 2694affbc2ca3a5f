"""A year of the business calendar day by day: what each day is, month grids and totals.

Shared by `soglasie calendar month` and the admin's rules page. A day is one of `KINDS`:
working, shortened (art. 95, an hour less), weekend_work (a weekend day worked by a transfer
decree), or a day off: weekend, holiday, transfer (a day off moved by a decree or because a
holiday fell on a weekend) or company (the company's own `extra_days_off`).
"""

from __future__ import annotations

import datetime as dt

from soglasie.business_calendar import COMPANY_DAY_OFF, BusinessCalendar
from soglasie.production_calendar import PACKAGE_SOURCE, TRANSFER, holiday_names

KINDS = ("working", "shortened", "weekend_work", "weekend", "holiday", "transfer", "company")
DAYS_OFF = ("weekend", "holiday", "transfer", "company")
_OFF_KINDS = {"weekend": "weekend", TRANSFER: "transfer", COMPANY_DAY_OFF: "company"}


def day_kind(calendar: BusinessCalendar, day: dt.date) -> str:
    """The kind of `day` (one of `KINDS`); a shortened working Saturday is "shortened"."""
    reason = calendar.day_off_reason(day)
    if reason is not None:
        return _OFF_KINDS.get(reason, "holiday")
    if calendar.is_shortened_day(day):
        return "shortened"
    return "weekend_work" if day.weekday() in calendar.weekend else "working"


def month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first day of the month and the first day of the next one."""
    return dt.date(year, month, 1), dt.date(year + month // 12, month % 12 + 1, 1)


def month_days(year: int, month: int) -> list[dt.date]:
    """Every date of the month, in order."""
    first, end = month_span(year, month)
    return [first + dt.timedelta(days=n) for n in range((end - first).days)]


def totals(calendar: BusinessCalendar, first: dt.date, end: dt.date) -> tuple[int, int]:
    """(working days, working minutes) of `[first, end)`."""
    return len(calendar.working_days(first, end)), calendar.working_minutes_in(first, end)


def year_view(calendar: BusinessCalendar, year: int, language: str = "en") -> dict:
    """The year as 12 Monday-first month grids of day cells, with totals and where the data came from
    (`from_package`, or the name of the `imported_file`).

    A cell is None (padding) or {day, date, kind, moved, reason}; `moved` marks a weekend day
    worked by a transfer, also when it is shortened. Holiday names of a year from the `holidays`
    package come in `language` ("ru" or "en"); an imported file's names stay as written there.
    """
    official = calendar.official_year(year)
    from_package = official is not None and official.source == PACKAGE_SOURCE
    names = holiday_names(calendar.country, year, language) if from_package else {}
    months = []
    for month in range(1, 13):
        days = month_days(year, month)
        cells = [None] * days[0].weekday() + [_cell(calendar, day, names) for day in days]
        cells += [None] * (-len(cells) % 7)
        working, minutes = totals(calendar, *month_span(year, month))
        months.append({"month": month, "weeks": [cells[row:row + 7] for row in range(0, len(cells), 7)],
                       "days": working, "hours": minutes / 60})
    working, minutes = totals(calendar, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    return {"year": year, "months": months, "days": working, "hours": minutes / 60,
            "official": calendar.has_official_data(year), "from_package": from_package,
            "imported_file": None if from_package or official is None else official.source.rsplit("/", 1)[-1]}


def _cell(calendar: BusinessCalendar, day: dt.date, names: dict[dt.date, str]) -> dict:
    kind = day_kind(calendar, day)
    reason = calendar.day_off_reason(day) if kind == "holiday" else None
    return {"day": day.day, "date": day.isoformat(), "kind": kind, "reason": names.get(day, reason),
            "moved": kind in ("shortened", "weekend_work") and day.weekday() in calendar.weekend}


IMPORT_COMMAND = "soglasie calendar import FILE"  # FILE: the published XML calendar or a date,type CSV


def missing_next_year(calendar: BusinessCalendar, today: dt.date) -> int | None:
    """From 1 November: next year when the calendar has no official data for it (else None).

    The transfer decree for next year is published in the autumn; January's reminders must not be
    computed on a calendar without it, so its absence is announced until it is imported.
    """
    year = today.year + 1
    if today.month < 11 or calendar.has_official_data(year):
        return None
    return year
