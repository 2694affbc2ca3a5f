"""`soglasie calendar day|hours|month`: the production calendar day by day, as a user types it."""

from __future__ import annotations

import pytest

# The same runner, and the rules found through SOGLASIE_RULES_DIR as in production.
from tests.rulebook.test_rules_cli import rules_dir_from_env, run  # noqa: F401 - an autouse fixture


@pytest.mark.parametrize("date, out", [
    ("2024-02-22", "working 7 (shortened)"),
    ("2024-11-02", "working 7 (shortened)"),  # a working Saturday on the eve of 3–4 November
    ("2024-04-27", "working 8"),  # a working Saturday, not an eve
    ("2026-12-01", "working 8"),
    ("2024-02-23", "off: Defender of the Fatherland Day"),
    ("2026-01-07", "off: Christmas Day"),
    ("2024-04-29", "off: transfer"),
    ("2026-11-28", "off: weekend"),
])
def test_day(capsys, date, out):
    assert run(capsys, "calendar", "day", "--date", date) == (0, out + "\n", "")


@pytest.mark.parametrize("year, hours", [(2023, "1973"), (2024, "1979"), (2025, "1972"), (2026, "1972")])
def test_hours(capsys, year, hours):
    assert run(capsys, "calendar", "hours", "--year", str(year)) == (0, hours + "\n", "")


def test_month_grid(capsys):
    code, out, err = run(capsys, "calendar", "month", "--year", "2024", "--month", "4")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "April 2024",
        " Mo  Tu  We  Th  Fr  Sa  Su",
        "  1   2   3   4   5   6-  7-",
        "  8   9  10  11  12  13- 14-",
        " 15  16  17  18  19  20- 21-",
        " 22  23  24  25  26  27+ 28-",
        " 29- 30-",
        "* shortened (an hour less)  - day off  + working weekend day",
        " 29: transfer",
        " 30: transfer",
        "21 working days, 168 hours",
    ]


def test_month_marks_shortened_days(capsys):
    out = run(capsys, "calendar", "month", "--year", "2026", "--month", "4")[1].splitlines()
    assert out[-3:] == [" 27  28  29  30*", "* shortened (an hour less)  - day off  + working weekend day",
                        "22 working days, 175 hours"]


@pytest.mark.parametrize("argv, message", [
    (["calendar", "day", "--date", "2026-02-30"], "--date: '2026-02-30' is not a date"),
    (["calendar", "hours", "--year", "0"], "--year 0 is out of range"),
    (["calendar", "month", "--year", "2026", "--month", "13"], "--month 13 is not a month"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "") and message in err and len(err.splitlines()) == 1


# Every instant below lands on, or runs across, a shortened pre-holiday day (ends at 17:00).
@pytest.mark.parametrize("argv, out", [
    # 22 Feb 2024 ends at 17:00 (7 h); 23 Feb is a holiday, 24–25 the weekend: the 8th hour on 26 Feb.
    (["calendar", "add", "--from", "2024-02-22T09:00+03:00", "--hours", "8"], "2024-02-26T10:00:00+03:00"),
    (["calendar", "add", "--from", "2024-02-22T09:00+03:00", "--hours", "7"], "2024-02-22T17:00:00+03:00"),
    # Saturday 2 Nov 2024, a working Saturday and the eve of 4 November: 7 h, then 3–4 Nov off.
    (["calendar", "add", "--from", "2024-11-02T09:00+03:00", "--hours", "8"], "2024-11-05T10:00:00+03:00"),
    # Saturday 1 Nov 2025, the same: 16:00 + 1 h is 17:00; from 16:30 the rest runs on 5 Nov.
    (["calendar", "add", "--from", "2025-11-01T16:00", "--hours", "1"], "2025-11-01T17:00:00+03:00"),
    (["calendar", "add", "--from", "2025-11-01T16:30", "--hours", "1"], "2025-11-05T09:30:00+03:00"),
    # Saturday 20 Feb 2027 (worked instead of Monday 22 Feb), the eve of 23 February.
    (["calendar", "add", "--from", "2027-02-20T09:00", "--hours", "8"], "2027-02-24T10:00:00+03:00"),
    (["calendar", "add", "--from", "2026-04-30T16:00", "--hours", "2"], "2026-05-04T10:00:00+03:00"),
    # The accounting deadline on 30 April 2026 is the end of a shortened day: 17:00.
    (["rules", "deadline", "--process", "payment", "--arrived-at", "2026-04-30T10:00"], "2026-04-30T17:00:00+03:00"),
    (["rules", "deadline", "--process", "payment", "--arrived-at", "2026-04-29T14:00"], "2026-04-30T17:00:00+03:00"),
    (["rules", "deadline", "--process", "payment", "--arrived-at", "2026-04-20T14:00", "--deadline", "2026-04-30"],
     "2026-04-30T17:00:00+03:00"),
    (["rules", "deadline", "--process", "payment", "--arrived-at", "2025-10-31T14:00"], "2025-11-01T17:00:00+03:00"),
])
def test_instants_on_shortened_days(capsys, argv, out):
    assert run(capsys, *argv) == (0, out + "\n", "")
