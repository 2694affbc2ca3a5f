"""`soglasie calendar workdays|hours|day|month|add|import`: the business calendar from the command line.

Every command reads only the rules directory's calendar (calendar.yaml and imported year files);
bad input prints one line on stderr and exits 2.
"""

from __future__ import annotations

import calendar as month_names
import datetime as dt
import sys
from pathlib import Path

from soglasie.cli.rules_commands import (EXIT_BAD_INPUT, EXIT_OK, BadInput, guarded, parse_instant, parse_number,
                                         rules_dir)

_MARKS = {"working": " ", "shortened": "*", "weekend_work": "+"}  # any day off: "-"
_LEGEND = "* shortened (an hour less)  - day off  + working weekend day"


def register(subparsers) -> None:
    """Add the `calendar` command and its actions."""
    calendar = subparsers.add_parser("calendar", help="business calendar arithmetic and the production calendar")
    actions = calendar.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    workdays = actions.add_parser("workdays", help="the number of working days in a year")
    workdays.add_argument("--year", required=True, type=int)
    workdays.set_defaults(handler=guarded(run_workdays))
    hours = actions.add_parser("hours", help="the working hours of a year (shortened days counted)")
    hours.add_argument("--year", required=True, type=int)
    hours.set_defaults(handler=guarded(run_hours))
    day = actions.add_parser("day", help="one day: working 8, working 7 (shortened) or off: reason")
    day.add_argument("--date", required=True, help="YYYY-MM-DD")
    day.set_defaults(handler=guarded(run_day))
    month = actions.add_parser("month", help="a month as a grid with days off and shortened days marked")
    month.add_argument("--year", required=True, type=int)
    month.add_argument("--month", required=True, type=int)
    month.set_defaults(handler=guarded(run_month))
    add = actions.add_parser("add", help="an instant plus working hours")
    add.add_argument("--from", dest="start", required=True, help="the start (ISO 8601)")
    add.add_argument("--hours", required=True, help="working hours to add (>= 0, may be fractional)")
    add.set_defaults(handler=guarded(run_add))
    load = actions.add_parser("import", help="load an officially published year (XML or CSV) into the rules directory")
    load.add_argument("file", help="the production calendar: calendar.xml (xmlcalendar format) or date,type CSV")
    load.add_argument("--dir", help="rules directory (default: SOGLASIE_RULES_DIR or ./rules)")
    load.set_defaults(handler=guarded(run_import))


def _calendar(args):
    from soglasie.rulebook.loader import load_calendar  # noqa: PLC0415 - keeps `--help` fast

    return load_calendar(rules_dir(args))


def _year(value: int) -> int:
    if not 1 <= value <= 9998:
        raise BadInput(f"--year {value} is out of range")
    return value


def _hours(minutes: int) -> str:
    """Minutes as hours: `8`, `7`, `7.5`."""
    return str(minutes // 60) if minutes % 60 == 0 else f"{minutes / 60:g}"


def run_workdays(args) -> int:
    """`calendar workdays --year Y`: the number of working days."""
    print(_calendar(args).working_days_in_year(_year(args.year)))
    return EXIT_OK


def run_hours(args) -> int:
    """`calendar hours --year Y`: the year's working hours (2024: 1979 on the 40-hour week)."""
    year = _year(args.year)
    print(_hours(_calendar(args).working_minutes_in(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))))
    return EXIT_OK


def run_day(args) -> int:
    """`calendar day --date D`: `working 8`, `working 7 (shortened)` or `off: <reason>`."""
    try:
        day = dt.date.fromisoformat(args.date.strip())
    except ValueError:
        raise BadInput(f"--date: {args.date!r} is not a date (YYYY-MM-DD)") from None
    print(describe_day(_calendar(args), day))
    return EXIT_OK


def describe_day(calendar, day: dt.date) -> str:
    """One day in words, as `calendar day` prints it."""
    reason = calendar.day_off_reason(day)
    if reason is not None:
        return f"off: {reason}"
    suffix = " (shortened)" if calendar.is_shortened_day(day) else ""
    return f"working {_hours(calendar.working_minutes_on(day))}{suffix}"


def run_month(args) -> int:
    """`calendar month --year Y --month M`: the month as a grid, then its days off and totals."""
    year = _year(args.year)
    if not 1 <= args.month <= 12:
        raise BadInput(f"--month {args.month} is not a month (1-12)")
    print("\n".join(month_grid(_calendar(args), year, args.month)))
    return EXIT_OK


def _mark(calendar, day: dt.date) -> str:
    from soglasie.calendar_year import day_kind  # noqa: PLC0415

    return _MARKS.get(day_kind(calendar, day), "-")


def month_grid(calendar, year: int, month: int) -> list[str]:
    """The lines of `calendar month`: a Monday-first grid, a legend, the days off and the totals."""
    from soglasie.calendar_year import month_days, month_span, totals  # noqa: PLC0415

    first, end = month_span(year, month)
    days = month_days(year, month)
    cells = ["    "] * first.weekday() + [f"{day.day:>3}{_mark(calendar, day)}" for day in days]
    lines = [f"{month_names.month_name[month]} {year}", " Mo  Tu  We  Th  Fr  Sa  Su"]
    lines += ["".join(cells[row:row + 7]).rstrip() for row in range(0, len(cells), 7)]
    lines.append(_LEGEND)
    for day in days:
        reason = calendar.day_off_reason(day)
        if reason not in (None, "weekend"):
            lines.append(f"{day.day:>3}: {reason}")
    working, minutes = totals(calendar, first, end)
    lines.append(f"{working} working days, {_hours(minutes)} hours")
    return lines


def run_add(args) -> int:
    """`calendar add --from T --hours H`: T plus H working hours (ISO 8601)."""
    calendar = _calendar(args)
    start = parse_instant(args.start, calendar.tz, "--from")
    hours = parse_number(args.hours, "--hours")
    if hours < 0:
        raise BadInput("--hours must not be negative")
    print(calendar.add_working_hours(start, hours).isoformat())
    return EXIT_OK


def run_import(args) -> int:
    """`calendar import FILE`: write `calendar-YYYY.yaml` into the rules directory, checked first.

    Nothing is written when the file is bad or the calendar would not load with it.
    """
    from soglasie.rulebook.calendar_import import read_official_file  # noqa: PLC0415
    from soglasie.rulebook.calendar_years import year_file_text  # noqa: PLC0415
    from soglasie.rulebook.errors import RuleBookError  # noqa: PLC0415
    from soglasie.rulebook.loader import load_calendar  # noqa: PLC0415

    source = Path(args.file)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"cannot read {source}: {error}") from None
    try:
        official = read_official_file(str(source), text)
    except RuleBookError as error:
        for problem in error.errors:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    directory = rules_dir(args)
    target = directory / f"calendar-{official.year}.yaml"
    replaced = target.exists()
    previous = target.read_bytes() if replaced else None
    target.write_text(year_file_text(official, source.name), encoding="utf-8")
    try:
        calendar = load_calendar(directory)
    except RuleBookError:
        _restore(target, previous)
        raise
    year = official.year
    hours = _hours(calendar.working_minutes_in(dt.date(year, 1, 1), dt.date(year + 1, 1, 1)))
    print(f"{'Replaced' if replaced else 'Imported'} {year}: {target} "
          f"({calendar.working_days_in_year(year)} working days, {hours} hours)")
    return EXIT_OK


def _restore(target: Path, previous: bytes | None) -> None:
    """Put the rules directory back as it was (an import that does not load changes nothing)."""
    if previous is None:
        target.unlink()
    else:
        target.write_bytes(previous)
