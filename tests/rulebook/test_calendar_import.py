"""`soglasie calendar import`: an officially published year, its file, and every way it can be wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from soglasie.rulebook.loader import check_rules, load_calendar, load_rulebook
from tests.rulebook.test_rules_cli import rules_dir_from_env, run  # noqa: F401 - an autouse fixture

# The published 2014 calendar: the holidays package lacks 10 March (8 March fell on a Saturday)
# and the shortened 24 February, so only the official file gives 247 days and 1970 hours.
XML_2014 = """\
<?xml version="1.0" encoding="UTF-8"?>
<calendar year="2014" lang="ru" date="2013.08.28">
    <holidays>
        <holiday id="1" title="Новогодние каникулы"/>
        <holiday id="2" title="Рождество Христово"/>
        <holiday id="3" title="День защитника Отечества"/>
        <holiday id="4" title="Международный женский день"/>
        <holiday id="5" title="Праздник Весны и Труда"/>
        <holiday id="6" title="День Победы"/>
        <holiday id="7" title="День России"/>
        <holiday id="8" title="День народного единства"/>
    </holidays>
    <days>
        <day d="01.01" t="1" h="1"/><day d="01.02" t="1" h="1"/><day d="01.03" t="1" h="1"/>
        <day d="01.04" t="1" h="1"/><day d="01.05" t="1" h="1"/><day d="01.06" t="1" h="1"/>
        <day d="01.07" t="1" h="2"/><day d="01.08" t="1" h="1"/>
        <day d="02.23" t="1" h="3"/><day d="02.24" t="2"/>
        <day d="03.07" t="2"/><day d="03.08" t="1" h="4"/><day d="03.10" t="1"/>
        <day d="04.30" t="2"/><day d="05.01" t="1" h="5"/><day d="05.02" t="1"/>
        <day d="05.08" t="2"/><day d="05.09" t="1" h="6"/>
        <day d="06.11" t="2"/><day d="06.12" t="1" h="7"/><day d="06.13" t="1"/>
        <day d="11.03" t="1"/><day d="11.04" t="1" h="8"/>
        <day d="12.31" t="2"/>
    </days>
</calendar>
"""

CSV_2027 = """\
date,type,name
2027-01-01,off,New Year
2027-02-20,shortened
2027-02-22,off
2027-12-30,working
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_xml_makes_2014_official(capsys, rules_copy, tmp_path):
    directory = rules_copy()
    code, out, err = run(capsys, "calendar", "import", str(_write(tmp_path, "calendar.xml", XML_2014)),
                         "--dir", str(directory))
    assert (code, err) == (0, "")
    assert out == f"Imported 2014: {directory / 'calendar-2014.yaml'} (247 working days, 1970 hours)\n"
    calendar = load_rulebook(directory).calendar  # `rules check` loads it, and it wins over the package
    assert calendar.working_minutes_on(dt.date(2014, 2, 24)) == 420
    assert calendar.day_off_reason(dt.date(2014, 3, 10)) == "transfer"
    assert calendar.day_off_reason(dt.date(2014, 2, 23)) == "День защитника Отечества"
    assert calendar.working_days_in_year(2015) == 247  # other years still come from the package


def test_import_csv_and_overrides_keep_working(capsys, rules_copy, tmp_path):
    calendar_yaml = (rules_copy() / "calendar.yaml").read_text(encoding="utf-8")
    calendar_yaml = calendar_yaml.replace("extra_days_off: []", "extra_days_off: [2027-12-30]")
    directory = rules_copy({"calendar.yaml": calendar_yaml})
    code, out, _ = run(capsys, "calendar", "import", str(_write(tmp_path, "y.csv", CSV_2027)), "--dir", str(directory))
    assert code == 0 and out.startswith("Imported 2027:")
    calendar = load_calendar(directory)
    assert calendar.working_minutes_on(dt.date(2027, 2, 20)) == 420  # a shortened Saturday
    assert calendar.day_off_reason(dt.date(2027, 1, 1)) == "New Year"
    assert calendar.day_off_reason(dt.date(2027, 2, 22)) == "day off"
    assert calendar.day_off_reason(dt.date(2027, 1, 4)) is None  # the file, not the package, says what is off
    assert calendar.day_off_reason(dt.date(2027, 12, 30)) == "company day off"  # extra_days_off still wins


@pytest.mark.parametrize("name, text, message", [
    ("bad.xml", "<calendar year='2027'><days><day d='02.30' t='1'/></days></calendar>",
     "bad.xml:1: <day d='02.30'> is not a date: write MM.DD"),
    ("bad.xml", "<calendar year='2027'>\n<days>\n<day d='02.20' t='4'/></days></calendar>",
     "bad.xml:3: <day d=\"02.20\" t='4'>: t must be 1 (day off), 2 (shortened) or 3 (working day)"),
    ("bad.xml", "<calendar year='2027'>\n<days>\n<day d='01.01' t='1'/>\n<day d='01.01' t='2'/>\n</days></calendar>",
     "bad.xml:4: 2027-01-01 is listed twice"),
    ("bad.xml", "<calendar year='27'><days/></calendar>", "bad.xml:1: <calendar year='27'> is not a year"),
    ("bad.xml", "<calendar year='2027'>\n<days>\n<day d='01.01' t='1'>\n</calendar>", "bad.xml:4: not well-formed XML"),
    ("bad.xml", "<days><day d='01.01' t='1'/></days>", "bad.xml:1: <calendar year=\"YYYY\"> is missing"),
    ("bad.csv", "date,type\n2027-01-01,holiday\n", "bad.csv:2: type 'holiday' must be one of: off, shortened, working"),
    ("bad.csv", "2027-01-01,off\n2027-13-01,off\n", "bad.csv:2: '2027-13-01' is not a date: write YYYY-MM-DD"),
    ("bad.csv", "2027-01-01,off\n2028-01-01,off\n", "bad.csv:2: 2028-01-01 is not in 2027: a file holds one year"),
    ("bad.csv", "2027-01-01\n", "bad.csv:1: expected date,type[,name], got 1 columns"),
    ("bad.csv", "date,type\n", "bad.csv:1: no days found: the file holds no year"),
])
def test_a_bad_file_is_refused_with_file_line_and_writes_nothing(capsys, rules_copy, tmp_path, name, text, message):
    directory = rules_copy()
    before = sorted(path.name for path in directory.iterdir())
    path = _write(tmp_path, name, text)
    code, out, err = run(capsys, "calendar", "import", str(path), "--dir", str(directory))
    assert (code, out) == (2, "")
    assert err.splitlines()[0].startswith(f"{tmp_path / name.split(':')[0]}:") and message in err, err
    assert sorted(path.name for path in directory.iterdir()) == before


YEAR_FILE = """\
year: 2027
days_off:
  2027-01-01: New Year
working_days:
  - 2027-02-20
shortened_days:
  - 2027-02-20
"""


@pytest.mark.parametrize("old, new, message", [
    ("year: 2027", "year: 2026", "year must be 2027, as in the file name"),
    ("  2027-01-01: New Year", "  2027-01-32: New Year", "'2027-01-32' in days_off is not a date"),
    ("  2027-01-01: New Year", "  2026-01-01: New Year", "2026-01-01 in days_off is not in 2027"),
    ("  - 2027-02-20\nshortened", "  - 2027-01-01\nshortened", "2027-01-01 is listed both as a day off"),
    ("days_off:", "days_of:", "unknown key 'days_of'"),
])
def test_rules_check_validates_a_year_file(rules_copy, old, new, message):
    text = YEAR_FILE.replace(old, new, 1)
    errors = check_rules(rules_copy({"calendar-2027.yaml": text}))
    line = next(number for number, row in enumerate(text.splitlines(), 1) if new.split("\n")[0] in row)
    assert [(Path(error.path).name, error.line) for error in errors] == [("calendar-2027.yaml", line)], errors
    assert message in errors[0].message


def test_a_year_file_is_not_a_process(rules_copy):
    book = load_rulebook(rules_copy({"calendar-2027.yaml": YEAR_FILE}))
    assert sorted(book.processes) == ["contract", "payment", "requisition"]
    assert book.calendar.is_shortened_day(dt.date(2027, 2, 20))


def test_an_import_the_calendar_cannot_load_with_changes_nothing(capsys, rules_copy, tmp_path):
    text = (rules_copy() / "calendar.yaml").read_text(encoding="utf-8").replace("Europe/Moscow", "Mars/Olympus")
    directory = rules_copy({"calendar.yaml": text})
    path = _write(tmp_path, "y.csv", CSV_2027)
    code, out, err = run(capsys, "calendar", "import", str(path), "--dir", str(directory))
    assert (code, out) == (2, "") and "unknown time zone 'Mars/Olympus'" in err
    assert not (directory / "calendar-2027.yaml").exists()


# The holidays package knows the decrees up to 2027; 2028's is not published yet.
@pytest.mark.parametrize("today, imported, warned", [
    ("2027-10-31", False, False),  # before November: too early to ask
    ("2027-11-01", False, True),
    ("2027-12-31", False, True),
    ("2027-11-01", True, False),  # imported: fixed
    ("2026-11-15", False, False),  # the package knows 2027
])
def test_rules_check_warns_from_november_when_next_year_is_unknown(capsys, rules_copy, today, imported, warned):
    directory = rules_copy({"calendar-2028.yaml": YEAR_FILE.replace("2027", "2028")} if imported else {})
    code, out, err = run(capsys, "rules", "check", str(directory), "--today", today)
    assert code == 0 and out.startswith("OK: rules version")
    assert ("the production calendar of 2028 is not known yet" in err) is warned
    assert ("`soglasie calendar import FILE`" in err) is warned


def test_an_extra_shortened_day_is_a_working_day_even_on_a_weekend(rules_copy):
    text = (rules_copy() / "calendar.yaml").read_text(encoding="utf-8")
    saturday = text.replace("extra_shortened_days: []", "extra_shortened_days: [2026-12-26]")
    calendar = load_calendar(rules_copy({"calendar.yaml": saturday}))
    assert calendar.working_minutes_on(dt.date(2026, 12, 26)) == 420
    assert calendar.end_of_working_day(dt.date(2026, 12, 26)).hour == 17


def test_a_day_both_off_and_shortened_is_refused_at_its_line(rules_copy):
    text = (rules_copy() / "calendar.yaml").read_text(encoding="utf-8")
    text = text.replace("extra_days_off: []", "extra_days_off: [2026-12-30]")
    text = text.replace("extra_shortened_days: []", "extra_shortened_days: [2026-12-30]")
    errors = check_rules(rules_copy({"calendar.yaml": text}))
    line = next(number for number, row in enumerate(text.splitlines(), 1) if row.startswith("extra_days_off:"))
    assert [(Path(error.path).name, error.line) for error in errors] == [("calendar.yaml", line)], errors
    assert "2026-12-30 is both in extra_days_off and in extra_shortened_days" in errors[0].message
