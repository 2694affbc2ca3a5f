"""The production calendar on the admin's rules page: a year day by day and next year's warning."""

from __future__ import annotations

import datetime as dt

from soglasie.calendar_year import IMPORT_COMMAND, missing_next_year, year_view
from soglasie.core import Core
from soglasie.services.admin import require_admin

YEARS_BACK, YEARS_AHEAD = 3, 1  # the year selector: a few years back and next year


def calendar_page(core: Core, actor_id: int, now: dt.datetime, year: int | None, language: str) -> dict:
    """The year as month grids (this year by default) and the year missing official data, if any.

    A year outside 1900–2100 falls back to the current one (a query parameter is user input).
    """
    require_admin(core, actor_id)
    calendar = core.rulebook.calendar
    today = now.astimezone(calendar.tz).date()
    shown = year if year is not None and 1900 <= year <= 2100 else today.year
    view = year_view(calendar, shown, language)
    view["years"] = sorted({*range(today.year - YEARS_BACK, today.year + YEARS_AHEAD + 1), shown})
    view["missing_year"] = missing_next_year(calendar, today)
    view["import_command"] = IMPORT_COMMAND
    return view
