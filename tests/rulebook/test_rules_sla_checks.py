"""SLA policies guard their timing: relative `after`, time order, escalations and the due time."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from soglasie.rulebook.durations import parse_after
from soglasie.rulebook.loader import check_rules, load_rulebook
from tests.rulebook.rules_helpers import MINIMAL, line_of, real_text

PROCESS = MINIMAL.replace("    title: Review\n", "    title: Review\n    sla: s\n", 1) + textwrap.dedent("""\
    sla:
      s:
        check_every: 4h
        clock_stops_on: started
    """)


def demo(events: list[str], due: str | None = None) -> str:
    """The demo process whose policy `s` has `due_after: due` and these event lines (flow style)."""
    text = PROCESS + (f"    due_after: {due}\n" if due is not None else "")
    return text + "    events:\n" + "".join(f"      - {event}\n" for event in events)


def ev(name: str, kind: str, after: str) -> str:
    """One event in flow style, e.g. `{name: r, kind: reminder, after: 2d, to: assignee}`."""
    return f"{{name: {name}, kind: {kind}, after: {after}, to: assignee}}"


def demo_dir(rules_copy, text: str) -> Path:
    """A rules directory whose only process file is `text` (demo.yaml)."""
    return rules_copy({"payment.yaml": None, "contract.yaml": None, "demo.yaml": text})


def errors_of(rules_copy, text: str):
    """The errors of a directory whose only process file is `text`."""
    return check_rules(demo_dir(rules_copy, text))


# (events, due_after, marker of the line the error is on, message fragment)
BROKEN = [
    ([ev("e", "escalation", "1d"), ev("r", "reminder", "2d")], None, "name: e,",
     "SLA policy 's', event 'e': the escalation (after 1d) comes before reminder 'r' (after 2d)"),
    ([ev("r", "reminder", "2d"), ev("e", "escalation", "1d")], None, "name: e,",
     "event 'e': the escalation (after 1d) comes before reminder 'r' (after 2d); escalate only after"),
    ([ev("r", "reminder", "1d"), ev("e", "escalation", "2d"), ev("late", "reminder", "r + 1d 1h")], None,
     "name: e,", "event 'e': the escalation (after 2d) comes before reminder 'late' (after 2d 1h)"),
    ([ev("r1", "reminder", "2d"), ev("r2", "reminder", "1d")], None, "name: r2,",
     "SLA policy 's', event 'r2' (after 1d) is listed after 'r1' (after 2d) but comes earlier; "
     "list the events in time order"),
    ([ev("e1", "escalation", "2d"), ev("e2", "escalation", "4h"), ev("e3", "escalation", "3d")], None,
     "name: e2,", "event 'e2' (after 4h) is listed after 'e1' (after 2d) but comes earlier"),
    ([ev("r", "reminder", "2d"), ev("e", "escalation", "r + 1h")], "3d", "due_after",
     "SLA policy 's': due_after 3d is later than escalation 'e' (after 2d 1h); "
     "a task would be escalated before it is even due"),
    ([ev("r", "reminder", "1d"), ev("e1", "escalation", "2d"), ev("e2", "escalation", "3d")], "2d 4h", "due_after",
     "due_after 2d 4h is later than escalation 'e1' (after 2d)"),
    ([ev("r", "reminder", "2d")], "0m", "due_after", "SLA policy 's': due_after must be longer than zero"),
    ([ev("r", "reminder", "2d")], "-1d", "due_after", "SLA policy 's': due_after: '-1d' is not a duration"),
    ([ev("r", "reminder", "2d"), ev("r", "escalation", "r + 1h")], None, "name: r, kind: escalation",
     "duplicate event name 'r' in SLA policy 's'"),
    ([ev("reminder", "reminder", "2d"), ev("e", "escalation", "remindr + 1h")], None, "name: e,",
     "event 'e': after: unknown event 'remindr' (did you mean 'reminder'?); events listed before it: reminder"),
    ([ev("e", "escalation", "reminder + 1h")], None, "name: e,",
     "event 'e': after: unknown event 'reminder'; it is the first event, so write a plain duration"),
    ([ev("e", "escalation", "r + 1h"), ev("r", "reminder", "2d")], None, "name: e,",
     "event 'e': after: event 'r' is listed later; an event may follow only an event listed before it"),
    ([ev("r", "reminder", "r + 1h")], None, "name: r,", "event 'r': after: an event cannot follow itself"),
    ([ev("r", "reminder", "2d"), ev("e", "escalation", "r + 0m")], None, "name: e,",
     "event 'e': after must be longer than zero"),
    ([ev("r", "reminder", "2d"), ev("e", "escalation", "r")], None, "name: e,",
     "after: 'r' is not a duration: to follow that event write `r + 1h`"),
    ([ev("r", "reminder", "2d"), ev("e", "escalation", "r + 2 days")], None, "name: e,",
     "after: 'r + 2 days': what follows 'r' + is not a duration"),
    ([ev("r", "reminder", "2d"), ev("e", "escalation", "2d - 1h")], None, "name: e,",
     "after: '2d - 1h' is not a duration: write a working-time duration like 4h, 2d, 2d 1h or 30m, "
     "or EVENT + DURATION"),
    # the escalation follows a broken reminder: only the reminder's own error is reported
    ([ev("r", "reminder", "2 days"), ev("e", "escalation", "r + 1h")], None, "name: r,",
     "event 'r': after: '2 days' is not a duration"),
]


@pytest.mark.parametrize("events, due, marker, message", BROKEN, ids=[case[3][:60] for case in BROKEN])
def test_a_badly_timed_policy_is_reported_at_its_line(rules_copy, events, due, marker, message):
    text = demo(events, due)
    errors = errors_of(rules_copy, text)
    assert [(Path(error.path).name, error.line) for error in errors] == [("demo.yaml", line_of(text, marker))], errors
    assert message in errors[0].message


def test_a_block_style_event_is_reported_at_its_after_line(rules_copy):
    text = demo([ev("r", "reminder", "2d")]) + textwrap.indent(textwrap.dedent("""\
        - name: e
          kind: escalation
          to: {role: ops_manager}
          after: rr + 1h
        """), "      ")
    errors = errors_of(rules_copy, text)
    assert [error.line for error in errors] == [line_of(text, "after: rr + 1h")], errors
    assert "unknown event 'rr' (did you mean 'r'?)" in errors[0].message


def test_every_badly_timed_event_is_reported(rules_copy):
    text = demo([ev("r1", "reminder", "2d"), ev("r2", "reminder", "1d"), ev("e", "escalation", "4h")], "1d")
    errors = errors_of(rules_copy, text)
    expected = [("due_after", "due_after 1d is later than escalation 'e' (after 4h)"),  # errors come in line order
                ("name: r2,", "event 'r2' (after 1d) is listed after 'r1' (after 2d)"),
                ("name: e,", "event 'e': the escalation (after 4h) comes before reminder 'r1' (after 2d)")]
    assert [error.line for error in errors] == [line_of(text, marker) for marker, _ in expected], errors
    assert all(fragment in error.message for error, (_, fragment) in zip(errors, expected)), errors


# (events, due_after, minutes of each event as resolved, 8-hour days)
GOOD = [
    ([ev("reminder", "reminder", "2d"), ev("escalation", "escalation", "reminder + 1h")], "2d", [960, 1020]),
    ([ev("r", "reminder", "4h"), ev("r2", "reminder", "r + 4h"), ev("e", "escalation", "r2+1d")], None,
     [240, 480, 960]),
    ([ev("r", "reminder", "1d"), ev("r2", "reminder", "2d"), ev("e", "escalation", "r + 1d 1h")], None,
     [480, 960, 1020]),
    ([ev("r", "reminder", "2d"), ev("e", "escalation", "2d")], "2d", [960, 960]),  # a tie is in order
    ([ev("r", "reminder", "2d"), ev("e", "escalation", "r + 30m")], "4h", [960, 990]),  # due well before
    ([ev("r", "reminder", "2d")], "3d", [960]),  # no escalation: the due time may come last
]


@pytest.mark.parametrize("events, due, minutes", GOOD, ids=[" / ".join(case[0]) for case in GOOD])
def test_a_well_timed_policy_resolves_to_absolute_minutes(rules_copy, events, due, minutes):
    book = load_rulebook(demo_dir(rules_copy, demo(events, due)))
    assert [event.after_minutes for event in book.process("demo").stage("review").sla.events] == minutes


def test_offsets_count_the_calendar_s_working_day(rules_copy):
    # Without lunch a working day is 9 hours: `reminder + 1h` follows the 2-day reminder by an hour.
    calendar = real_text("calendar.yaml").replace('lunch:\n  start: "13:00"\n  end: "14:00"', "lunch: null")
    book = load_rulebook(rules_copy({"calendar.yaml": calendar}))
    events = book.process("payment").stage("head_approval").sla.events
    assert [(event.name, event.after_minutes) for event in events] == [("reminder", 1080), ("escalation", 1140)]


@pytest.mark.parametrize("text, parsed", [
    ("2d", (None, 960)),
    ("2d 1h", (None, 1020)),
    ("reminder + 1h", ("reminder", 60)),
    ("reminder+30m", ("reminder", 30)),
    ("  first_call  +  1d 2h ", ("first_call", 600)),
])
def test_after_is_a_duration_or_an_event_plus_a_duration(text, parsed):
    assert parse_after(text, 480) == parsed


@pytest.mark.parametrize("text, message", [
    ("reminder", "to follow that event write `reminder + 1h`"),
    ("reminder +", "what follows 'reminder' + is not a duration"),
    ("Reminder + 1h", "or EVENT + DURATION"),
    ("1h + reminder", "or EVENT + DURATION"),
    ("240", "is not a duration"),
])
def test_after_refuses_anything_else(text, message):
    with pytest.raises(ValueError, match=message.replace("+", r"\+")):
        parse_after(text, 480)
