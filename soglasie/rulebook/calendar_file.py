"""`calendar.yaml`: the business calendar's settings, read into a `BusinessCalendar`."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yaml.nodes import Node, ScalarNode

from soglasie.business_calendar import WEEKDAYS, BusinessCalendar
from soglasie.production_calendar import OfficialYear
from soglasie.rulebook.durations import parse_time
from soglasie.rulebook.yamlnodes import Reader, did_you_mean

CALENDAR_FILE = "calendar.yaml"
_KEYS = ("timezone", "country", "working_hours", "lunch", "weekend", "shortened_days", "extra_days_off",
         "extra_working_days", "extra_shortened_days")
_SHORTENED_BY_DEFAULT = dt.timedelta(hours=1)  # Labour Code art. 95


def read_calendar(reader: Reader, root: Node, official_years: tuple[OfficialYear, ...] = ()) -> BusinessCalendar | None:
    """The calendar declared by `root` with the imported `official_years`, or None (errors in `reader`)."""
    fields = reader.mapping(root, "the calendar", required=("timezone", "working_hours"), optional=_KEYS)
    if fields is None:
        return None
    before = len(reader.errors)
    settings = {
        "tz": _timezone(reader, fields["timezone"]) if "timezone" in fields else None,
        "country": _country(reader, fields["country"]) if "country" in fields else "RU",
        "weekend": _weekend(reader, fields["weekend"]) if "weekend" in fields else frozenset({5, 6}),
        "extra_days_off": _dates(reader, fields.get("extra_days_off"), "extra_days_off"),
        "extra_working_days": _dates(reader, fields.get("extra_working_days"), "extra_working_days"),
        "extra_shortened_days": _dates(reader, fields.get("extra_shortened_days"), "extra_shortened_days"),
        "shortened_by": _shortened(reader, fields["shortened_days"]) if "shortened_days" in fields
        else _SHORTENED_BY_DEFAULT,
    }
    hours = _span(reader, fields["working_hours"], "working_hours") if "working_hours" in fields else None
    lunch = _span(reader, fields["lunch"], "lunch") if _present(fields.get("lunch")) else None
    if len(reader.errors) > before or hours is None:
        return None
    try:
        return BusinessCalendar(work_start=hours[0], work_end=hours[1], lunch=lunch, official_years=official_years,
                                **settings)
    except ValueError as error:
        key = next((key for key in ("extra_days_off", "shortened_days") if key in str(error)), None)
        reader.error(fields.get(key) or fields.get("lunch") or fields["working_hours"], str(error))
        return None


def _present(node: Node | None) -> bool:
    return node is not None and node.tag != "tag:yaml.org,2002:null"


def _timezone(reader: Reader, node: Node) -> dt.tzinfo | None:
    name = reader.text(node, "timezone")
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        reader.error(node, f"unknown time zone {name!r} (e.g. Europe/Moscow)")
        return None


def _country(reader: Reader, node: Node) -> str | None:
    if not _present(node):
        return None  # `country: null` — no public holidays at all
    code = reader.text(node, "country")
    if code is None:
        return None
    import holidays  # noqa: PLC0415 - only when a calendar file is read

    supported = holidays.list_supported_countries()
    if code not in supported:
        reader.error(node, f"unknown country {code!r} for public holidays{did_you_mean(code, supported)}")
    return code


def _shortened(reader: Reader, node: Node) -> dt.timedelta | None:
    """`shortened_days: {hours: 1}` (the hours cut from the end of a pre-holiday day) or `none`."""
    if isinstance(node, ScalarNode) and node.value == "none":
        return dt.timedelta(0)
    if isinstance(node, ScalarNode):
        reader.error(node, f"shortened_days must be {{hours: 1}} or none, got {node.value!r}")
        return None
    before = len(reader.errors)
    fields = reader.mapping(node, "shortened_days", optional=("hours",))
    if fields is None or "hours" not in fields:
        if len(reader.errors) == before:  # one mistake, one message: a misspelt key is already reported
            reader.error(node, "shortened_days is missing 'hours'")
        return None
    raw = reader.scalar(fields["hours"], "shortened_days.hours")
    try:
        hours = Fraction(raw) if raw is not None else None
    except ValueError:
        hours = None
    if hours is None or hours <= 0:
        reader.error(fields["hours"], f"shortened_days.hours: {raw!r} is not a positive number of hours")
        return None
    return dt.timedelta(minutes=float(hours * 60))


def _weekend(reader: Reader, node: Node) -> frozenset[int]:
    days = set()
    for item in reader.sequence(node, "weekend") or ():
        name = reader.choice(item, "weekday", WEEKDAYS)
        if name is not None:
            days.add(WEEKDAYS.index(name))
    return frozenset(days)


def _dates(reader: Reader, node: Node | None, what: str) -> frozenset[dt.date]:
    if not _present(node):
        return frozenset()
    days = set()
    for item in reader.sequence(node, what) or ():
        raw = reader.scalar(item, f"a date in {what}")
        if raw is None:
            continue
        try:
            days.add(dt.date.fromisoformat(raw))
        except ValueError:
            reader.error(item, f"{raw!r} in {what} is not a date: write YYYY-MM-DD")
    return frozenset(days)


def _span(reader: Reader, node: Node, what: str) -> tuple[dt.time, dt.time] | None:
    fields = reader.mapping(node, what, required=("start", "end"))
    if fields is None or len(fields) < 2:
        return None
    times = []
    for key in ("start", "end"):
        raw = reader.scalar(fields[key], f"{what}.{key}")
        if raw is None:
            continue
        try:
            times.append(parse_time(raw))
        except ValueError as error:
            reader.error(fields[key], f"{what}.{key}: {error}")
    if len(times) != 2:
        return None
    if times[0] >= times[1]:
        reader.error(node, f"{what}: start must be before end")
        return None
    return times[0], times[1]
