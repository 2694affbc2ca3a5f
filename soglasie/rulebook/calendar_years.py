"""`calendar-YYYY.yaml`: one year of the production calendar as officially published.

Written by `soglasie calendar import` (see calendar_import.py), checked by `rules check`; for its
year it wins over the `holidays` package. Dates not listed are ordinary days (working on a
weekday, off on the weekend).
"""

from __future__ import annotations

import datetime as dt
import re

from yaml.nodes import MappingNode, Node

from soglasie.calendar_year import IMPORT_COMMAND, missing_next_year
from soglasie.production_calendar import OfficialYear
from soglasie.rulebook.yamlnodes import Reader, describe

YEAR_FILE = re.compile(r"^calendar-(\d{4})\.ya?ml$")
_KEYS = ("year", "days_off", "working_days", "shortened_days")


def year_of_file(name: str) -> int | None:
    """The year a file name such as `calendar-2027.yaml` holds, or None for any other file."""
    match = YEAR_FILE.match(name)
    return int(match.group(1)) if match else None


def read_year(reader: Reader, root: Node, year: int) -> OfficialYear | None:
    """The year declared by `root` (its file name says `year`), or None with errors in `reader`."""
    fields = reader.mapping(root, "a calendar year file", required=("year",), optional=_KEYS)
    if fields is None or "year" not in fields:
        return None
    before = len(reader.errors)
    if reader.scalar(fields["year"], "year") != str(year):
        reader.error(fields["year"], f"year must be {year}, as in the file name")
    days_off = _days_off(reader, fields.get("days_off"), year)
    working = _dates(reader, fields.get("working_days"), "working_days", year)
    shortened = _dates(reader, fields.get("shortened_days"), "shortened_days", year)
    for day, where in {**working, **shortened}.items():
        if day in days_off:
            reader.error(where, f"{day} is listed both as a day off and as a working day")
    if len(reader.errors) > before:
        return None
    return OfficialYear(year, tuple(sorted(days_off.items())), frozenset(working) | frozenset(shortened),
                        frozenset(shortened), reader.path)


def _date(reader: Reader, node: Node, what: str, year: int) -> dt.date | None:
    raw = reader.scalar(node, f"a date in {what}")
    if raw is None:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        reader.error(node, f"{raw!r} in {what} is not a date: write YYYY-MM-DD")
        return None
    if day.year != year:
        reader.error(node, f"{raw} in {what} is not in {year}")
        return None
    return day


def _days_off(reader: Reader, node: Node | None, year: int) -> dict[dt.date, str]:
    found: dict[dt.date, str] = {}
    if node is None:
        return found
    if not isinstance(node, MappingNode):
        reader.error(node, f"days_off must be a mapping (date: reason), got {describe(node)}")
        return found
    for key, value in node.value:
        day = _date(reader, key, "days_off", year)
        reason = reader.text(value, f"the reason of day off {key.value}")
        if day in found:
            reader.error(key, f"duplicate day {day} in days_off")
        elif day is not None and reason is not None:
            found[day] = reason
    return found


def _dates(reader: Reader, node: Node | None, what: str, year: int) -> dict[dt.date, Node]:
    found: dict[dt.date, Node] = {}
    for item in (reader.sequence(node, what) or ()) if node is not None else ():
        day = _date(reader, item, what, year)
        if day is not None:
            found[day] = item
    return found


def year_file_text(official: OfficialYear, source: str) -> str:
    """The YAML text of a year file, as `calendar import` writes it (one date a line)."""
    lines = [f"# The production calendar of {official.year} as officially published; imported from {source}.",
             "# Written by `soglasie calendar import`; for this year it wins over the holidays package.",
             f"year: {official.year}", "days_off:"]
    lines += [f"  {day.isoformat()}: {_quoted(reason)}" for day, reason in official.days_off] or ["  {}"]
    # A shortened day is a working day already: working_days lists only the other ones (weekends worked).
    for key, days in (("working_days", official.working_days - official.shortened),
                      ("shortened_days", official.shortened)):
        lines.append(f"{key}:" if days else f"{key}: []")
        lines += [f"  - {day.isoformat()}" for day in sorted(days)]
    return "\n".join(lines).replace("days_off:\n  {}", "days_off: {}") + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def next_year_warning(calendar, today: dt.date) -> str | None:
    """From 1 November: a warning when next year has no official data yet (None otherwise)."""
    year = missing_next_year(calendar, today)
    if year is None:
        return None
    return (f"the production calendar of {year} is not known yet (no transfer decree in the holidays package, "
            f"no calendar-{year}.yaml): import the published calendar with `{IMPORT_COMMAND}` "
            f"(FILE: the XML production calendar or a date,type CSV) before 1 January")
