"""One year of the Russian production calendar: days off with reasons, working weekend days, shortened days.

A year comes from an officially published file (`soglasie calendar import`) or, by default, from
the `holidays` package. The package lists public holidays and the decree's transfers but not the
pre-holiday shortened days, so they are derived here (Labour Code art. 95, see `package_year`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

TRANSFER = "transfer"
PACKAGE_SOURCE = "holidays package"  # `OfficialYear.source` of a year taken from the package
_SUBSTITUTED = re.compile(r"^Day off \(substituted from (\d\d)/(\d\d)/(\d{4})\)$")
_OBSERVED = " (observed)"


@dataclass(frozen=True)
class OfficialYear:
    """A year as published: which days are off (and why), which weekend days work, which are shortened.

    Every date not listed is an ordinary day: working on a weekday, off on the weekend.
    `source` says where the year came from ("holidays package" or the imported file's path).
    """

    year: int
    days_off: tuple[tuple[dt.date, str], ...]
    working_days: frozenset[dt.date]
    shortened: frozenset[dt.date]
    source: str

    def reasons(self) -> dict[dt.date, str]:
        """Day off → its reason (a holiday's name, or "transfer")."""
        return dict(self.days_off)


def package_year(country: str, year: int) -> OfficialYear:
    """The year according to the `holidays` package, with the pre-holiday shortened days derived.

    Art. 95: the working day immediately before a public holiday is one hour shorter. Only real
    holidays count (art. 112: 1–8 January, 23 February, 8 March, 1 and 9 May, 12 June, 4 November),
    not a transferred or "observed" day off. When a decree moves that pre-holiday working day onto
    a weekend day (2024: Saturday 2 November worked instead of Tuesday 30 April), the shortening
    moves with it, as in the published calendars (2016, 2018, 2021, 2022, 2024, 2025, 2027).
    """
    import holidays  # noqa: PLC0415 - imported on first use: no work at import time

    table = holidays.country_holidays(country, years=(year, year + 1), language="en_US")
    names = {day: str(name) for day, name in table.items()}
    real = {day for day, name in names.items() if not _SUBSTITUTED.match(name) and not name.endswith(_OBSERVED)}
    weekend_work = {day for day in getattr(table, "weekend_workdays", ()) or () if day.year == year}
    shortened = {day - dt.timedelta(days=1) for day in real}
    for day, name in names.items():
        source = _substituted_from(name)
        if source in weekend_work and day + dt.timedelta(days=1) in real:
            shortened.add(source)
    days_off = tuple(sorted((day, TRANSFER if day not in real else name)
                            for day, name in names.items() if day.year == year))
    return OfficialYear(year, days_off, frozenset(weekend_work),
                        frozenset(day for day in shortened if day.year == year), PACKAGE_SOURCE)


def holiday_names(country: str | None, year: int, language: str) -> dict[dt.date, str]:
    """The public holidays of `year` by the `holidays` package, named in `language` ("ru" or "en")."""
    if country is None:
        return {}
    import holidays  # noqa: PLC0415 - imported on first use

    table = holidays.country_holidays(country, years=year, language="ru" if language == "ru" else "en_US")
    return {day: str(name) for day, name in table.items()}


def package_has_decree(country: str, year: int) -> bool:
    """True when the package knows the year's transfer decree.

    Every year has one: 1–8 January always hold two weekend days, which a decree moves (art. 112).
    Without it the package still lists the fixed holidays, but the transfers are missing.
    """
    import holidays  # noqa: PLC0415 - imported on first use

    table = holidays.country_holidays(country, years=year, language="en_US")
    return any(_SUBSTITUTED.match(str(name)) for name in table.values())


def _substituted_from(name: str) -> dt.date | None:
    """The weekend day a transferred day off came from ("Day off (substituted from MM/DD/YYYY)")."""
    match = _SUBSTITUTED.match(name)
    if match is None:
        return None
    month, day, year = (int(part) for part in match.groups())
    return dt.date(year, month, day)
