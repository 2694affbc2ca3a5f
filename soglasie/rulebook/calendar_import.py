"""Official production-calendar files read into an `OfficialYear` (`soglasie calendar import`).

Two formats: the widely used XML (`<calendar year="2027"><holidays><holiday id="1" title="…"/>…
<days><day d="01.01" t="1" h="1"/>…`, t=1 day off, t=2 shortened day, t=3 working weekend day)
and a CSV of `date,type[,name]` with type off|shortened|working. Every problem is reported as
`file:line: message`; a bad file produces no year at all.
"""

from __future__ import annotations

import csv
import datetime as dt
from xml.parsers import expat

from soglasie.production_calendar import TRANSFER, OfficialYear
from soglasie.rulebook.errors import RuleBookError, RuleFileError

_XML_TYPES = {"1": "off", "2": "shortened", "3": "working"}
_CSV_TYPES = ("off", "shortened", "working")


class _Year:
    """The days of one year as they are read, with the errors found so far."""

    def __init__(self, path: str):
        self.path, self.year = path, None
        self.errors: list[RuleFileError] = []
        self.kinds: dict[dt.date, tuple[str, str]] = {}  # day → (kind, reason)

    def error(self, line: int, message: str) -> None:
        self.errors.append(RuleFileError(self.path, line, message))

    def add(self, line: int, day: dt.date, kind: str, reason: str) -> None:
        if day in self.kinds:
            self.error(line, f"{day} is listed twice")
        else:
            self.kinds[day] = (kind, reason)

    def result(self) -> OfficialYear:
        if self.year is None and not self.errors:
            self.error(1, "no days found: the file holds no year")
        if self.errors:
            raise RuleBookError(self.errors)
        days_off = tuple(sorted((day, reason) for day, (kind, reason) in self.kinds.items() if kind == "off"))
        working = frozenset(day for day, (kind, _) in self.kinds.items() if kind != "off")
        shortened = frozenset(day for day, (kind, _) in self.kinds.items() if kind == "shortened")
        return OfficialYear(self.year, days_off, working, shortened, self.path)


def read_official_file(path: str, text: str) -> OfficialYear:
    """The year in `text` (XML when it starts with `<`, else CSV); RuleBookError lists every problem."""
    return parse_xml(path, text) if text.lstrip().startswith("<") else parse_csv(path, text)


def parse_xml(path: str, text: str) -> OfficialYear:
    """The XML production-calendar format (xmlcalendar): `<calendar year>`, `<holiday>`, `<day d t h>`."""
    year, titles, days = _Year(path), {}, []
    parser = expat.ParserCreate()

    def start(name: str, attrs: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        if name == "calendar":
            year.year = _xml_year(year, line, attrs.get("year"))
        elif name == "holiday" and attrs.get("id"):
            titles[attrs["id"]] = attrs.get("title", "").strip()
        elif name == "day":
            days.append((line, attrs))
    parser.StartElementHandler = start
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        year.error(error.lineno, f"not well-formed XML: {expat.ErrorString(error.code)}")
        raise RuleBookError(year.errors) from None
    if year.year is None and not year.errors:
        year.error(1, "<calendar year=\"YYYY\"> is missing")
    for line, attrs in days if year.year else ():
        _xml_day(year, line, attrs, titles)
    return year.result()


def _xml_year(year: _Year, line: int, raw: str | None) -> int | None:
    if raw is None or not raw.isdigit() or not 1900 < int(raw) < 3000:
        year.error(line, f"<calendar year={raw!r}> is not a year")
        return None
    return int(raw)


def _xml_day(year: _Year, line: int, attrs: dict[str, str], titles: dict[str, str]) -> None:
    raw, kind = attrs.get("d", ""), _XML_TYPES.get(attrs.get("t", ""))
    try:
        month, day = (int(part) for part in raw.split("."))
        date = dt.date(year.year, month, day)
    except ValueError:
        year.error(line, f"<day d={raw!r}> is not a date: write MM.DD")
        return
    if kind is None:
        year.error(line, f"<day d=\"{raw}\" t={attrs.get('t')!r}>: t must be 1 (day off), 2 (shortened) "
                   "or 3 (working day)")
        return
    # A day off without a holiday id (h) is a transferred day off.
    year.add(line, date, kind, titles.get(attrs.get("h", "")) or ("holiday" if "h" in attrs else TRANSFER))


def parse_csv(path: str, text: str) -> OfficialYear:
    """`date,type[,name]` lines (an optional header `date,type`); type is off, shortened or working."""
    year = _Year(path)
    for line, row in enumerate(csv.reader(text.splitlines()), 1):
        if not row or not "".join(row).strip() or (line == 1 and row[0].strip().lower() == "date"):
            continue
        _csv_row(year, line, [cell.strip() for cell in row])
    return year.result()


def _csv_row(year: _Year, line: int, row: list[str]) -> None:
    if len(row) not in (2, 3):
        year.error(line, f"expected date,type[,name], got {len(row)} columns")
        return
    try:
        day = dt.date.fromisoformat(row[0])
    except ValueError:
        year.error(line, f"{row[0]!r} is not a date: write YYYY-MM-DD")
        return
    if row[1] not in _CSV_TYPES:
        year.error(line, f"type {row[1]!r} must be one of: {', '.join(_CSV_TYPES)}")
        return
    if year.year is None:
        year.year = day.year
    if day.year != year.year:
        year.error(line, f"{day} is not in {year.year}: a file holds one year")
        return
    year.add(line, day, row[1], row[2] if len(row) == 3 and row[2] else "day off")
