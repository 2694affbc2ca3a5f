"""Durations (`4h`, `2d 1h`), event offsets (`reminder + 1h`) and times of day (`13:00`) in rule files."""

from __future__ import annotations

import datetime as dt
import re

_DURATION = re.compile(r"\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*\Z")
_OFFSET = re.compile(r"\s*([a-z][a-z0-9_]*)\s*\+(.*)\Z", re.DOTALL)  # `reminder + 1h`
_NAME = re.compile(r"\s*([a-z][a-z0-9_]*)\s*\Z")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)\Z")
DURATION_HINT = "write a working-time duration like 4h, 2d, 2d 1h or 30m"


def parse_duration(text: str, minutes_per_day: int) -> int:
    """Working minutes of `text`; a day is `minutes_per_day` (the calendar's standard day).

    Raises ValueError for anything else (plain numbers included: "240" could mean anything).
    """
    match = _DURATION.match(text)
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration: {DURATION_HINT}")
    days, hours, minutes = (int(part) if part else 0 for part in match.groups())
    return days * minutes_per_day + hours * 60 + minutes


def parse_after(text: str, minutes_per_day: int) -> tuple[str | None, int]:
    """An SLA event's `after`: `(None, minutes)` for a duration, `(event, minutes)` for `event + duration`.

    Raises ValueError naming the form to write; a bare event name gets the `+` form as a hint.
    """
    offset = _OFFSET.match(text)
    if offset is not None:
        try:
            return offset.group(1), parse_duration(offset.group(2), minutes_per_day)
        except ValueError:
            raise ValueError(f"{text!r}: what follows {offset.group(1)!r} + is not a duration: "
                             f"{DURATION_HINT}") from None
    bare = _NAME.match(text)
    if bare is not None:
        raise ValueError(f"{text!r} is not a duration: to follow that event write `{bare.group(1)} + 1h`")
    try:
        return None, parse_duration(text, minutes_per_day)
    except ValueError as error:
        raise ValueError(f"{error}, or EVENT + DURATION like `reminder + 1h`") from None


def format_duration(minutes: int, minutes_per_day: int) -> str:
    """The inverse of `parse_duration` for display, e.g. 1020 → "2d 1h" (8 h days)."""
    days, rest = divmod(minutes, minutes_per_day)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return " ".join(part for part in parts if part) or "0m"


def parse_time(text: str) -> dt.time:
    """A time of day `HH:MM` (24-hour); ValueError otherwise."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time of day: write HH:MM, e.g. 13:00")
    return dt.time(int(match.group(1)), int(match.group(2)))
