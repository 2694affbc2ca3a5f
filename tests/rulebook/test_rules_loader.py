"""Loading rule files: the repository's files load; every broken file names the right line."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from soglasie.rulebook.loader import RuleBookError, check_rules, load_calendar, load_rulebook, rules_version
from soglasie.rulebook.model import AssigneeRule, DeadlineRule
from tests.rulebook.rules_helpers import MINIMAL, RULES_DIR, line_of, real_text


def test_the_test_rules_load(rulebook):
    assert sorted(rulebook.processes) == ["contract", "payment", "requisition"]
    payment = rulebook.process("payment")
    assert payment.default_route == ("head_approval", "finance_review", "payment")
    assert payment.terminal == "paid"
    head = payment.stage("head_approval")
    assert head.task("approval").assignee == AssigneeRule("initiator_head")
    assert head.sla.check_every_minutes == 240 and head.sla.clock_stops_on == "started"
    assert [(e.name, e.after_minutes, e.to) for e in head.sla.events] == [
        ("reminder", 960, AssigneeRule("assignee")), ("escalation", 1020, AssigneeRule("role", "ops_manager"))]
    assert [e.after_minutes for e in payment.stage("finance_review").sla.events] == [960, 960]
    assert payment.deadlines["accounting"] == DeadlineRule("accounting", dt.time(13, 0), True)
    assert payment.stage("payment").task("payment_order").requires_attachment
    assert payment.card_actions["restart"] == ("initiator",)


def test_the_contract_process_ends_with_signing(rulebook):
    contract = rulebook.process("contract")
    assert contract.default_route == ("head_approval", "finance_review", "signing")
    signing = contract.stage("signing").task("signing")
    assert signing.assignee == AssigneeRule("role", "signer")
    assert signing.actions == ("take_into_work", "complete", "reject") and signing.requires_attachment
    assert contract.terminal == "signed"
    assert contract.stage("head_approval").sla == rulebook.process("payment").stage("head_approval").sla


def test_version_is_a_hash_of_sorted_names_and_contents(rulebook):
    digest = hashlib.sha256()
    for path in sorted(RULES_DIR.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    assert rulebook.version == digest.hexdigest()[:12]
    assert rules_version({"a.yaml": b"x"}) != rules_version({"a.yaml": b"y"})


def test_a_comment_change_is_a_new_version(rules_copy, rulebook):
    changed = rules_copy({"payment.yaml": real_text("payment.yaml") + "\n# tuned\n"})
    assert load_rulebook(changed).version != rulebook.version


# (file, text to replace, replacement, message fragment); the line is where the replacement is.
BROKEN = [
    ("payment.yaml", "  - name: large_payment_needs_director", "  - name: large: payment",
     "YAML syntax error: mapping values are not allowed here"),
    ("payment.yaml", "    optional: true", "    optinal: true",
     "unknown key 'optinal' in a stage (did you mean 'optional'?)"),
    ("payment.yaml", "        requires_attachment: true", '        requires_attachment: "yes please"',
     "requires_attachment must be true or false, got text 'yes please'"),
    ("payment.yaml", "    add_stages: [director_approval]", "    add_stages: [director_aproval]",
     "unknown stage 'director_aproval' (did you mean 'director_approval'?)"),
    ("payment.yaml", "        assignee: {role: finance_manager}", "        assignee: {role: finance_manger}",
     "unknown role 'finance_manger' (did you mean 'finance_manager'?)"),
    ("payment.yaml", "    when: amount > 1000000", "    when: amount >> 1000000",
     "bad condition 'amount >> 1000000'"),
    ("payment.yaml", "    when: amount > 1000000", "    when: amout > 1000000",
     "unknown field 'amout' (did you mean 'amount'?)"),
    ("payment.yaml", "    when: amount > 1000000", '    when: cost_item > "ADS"',
     "cost_item is text: only == and != (or in) apply, not >"),
    ("payment.yaml", "    when: amount > 50000000", '    when: amount > "50000000"',
     "amount is an amount (number): expected a number"),
    ("payment.yaml", "    sla: finance", "    sla: finanse", "unknown SLA policy 'finanse' (did you mean 'finance'?)"),
    ("payment.yaml", "after: reminder + 1h,", "after: 2 days,", "after: '2 days' is not a duration"),
    # the escalation follows the broken reminder: only the reminder's own error is reported
    ("payment.yaml", "after: 2d, to: assignee}", "after: 2 days, to: assignee}", "after: '2 days' is not a duration"),
    ("payment.yaml", '    cutoff: "13:00"', '    cutoff: "13:70"', "cutoff: '13:70' is not a time of day"),
    ("payment.yaml", "        actions: [take_into_work, complete]", "        actions: [take_into_work, finish]",
     "unknown task action 'finish'"),
    ("payment.yaml", "  - id: finance_review", "  - id: head_approval", "duplicate stage id 'head_approval'"),
    ("payment.yaml", "        deadline: accounting", "        deadline: acounting",
     "unknown deadline rule 'acounting' (did you mean 'accounting'?)"),
    ("payment.yaml", "        assignee: initiator_head", "        assignee: initiator_boss",
     "unknown assignee 'initiator_boss'"),
    ("payment.yaml", "  restart: [initiator]", "  restart: [initiator, accountant]", "unknown role 'accountant'"),
    ("payment.yaml", "    level: warn", "    level: warning", "unknown level 'warning' (did you mean 'warn'?)"),
    ("payment.yaml", "{name: escalation, kind: escalation, after: reminder + 1h,",
     "{name: check, kind: escalation, after: reminder + 1h,", "event name 'check' is reserved"),
    ("contract.yaml", "  id: signed", "  id: signing", "terminal id 'signing' is already a stage"),
    ("calendar.yaml", "timezone: Europe/Moscow", "timezone: Europe/Moskva", "unknown time zone 'Europe/Moskva'"),
    ("calendar.yaml", '  start: "09:00"', '  start: "9am"', "working_hours.start: '9am' is not a time of day"),
    ("calendar.yaml", "weekend: [saturday, sunday]", "weekend: [saturday, sundy]",
     "unknown weekday 'sundy' (did you mean 'sunday'?)"),
    ("calendar.yaml", "extra_days_off: []", "extra_days_off: [2026-13-01]",
     "'2026-13-01' in extra_days_off is not a date"),
    ("calendar.yaml", "shortened_days: {hours: 1}", "shortened_days: {hours: -1}",
     "shortened_days.hours: '-1' is not a positive number of hours"),
    ("calendar.yaml", "shortened_days: {hours: 1}", "shortened_days: {hours: 8}",
     "shortened_days cuts the whole working day"),
    ("calendar.yaml", "shortened_days: {hours: 1}", "shortened_days: one",
     "shortened_days must be {hours: 1} or none"),
    ("calendar.yaml", "shortened_days: {hours: 1}", "shortened_days: {hour: 1}", "unknown key 'hour'"),
    ("calendar.yaml", "extra_shortened_days: []", "extra_shortened_days: [30.04.2026]",
     "'30.04.2026' in extra_shortened_days is not a date"),
]


@pytest.mark.parametrize("name, old, new, message", BROKEN, ids=[case[2].strip() for case in BROKEN])
def test_a_broken_file_is_reported_at_the_right_line(rules_copy, name, old, new, message):
    original = real_text(name)
    assert old in original, "the test case no longer matches the file"
    text = original.replace(old, new, 1)
    errors = check_rules(rules_copy({name: text}))
    assert [(Path(error.path).name, error.line) for error in errors] == [(name, line_of(text, new, -1))], errors
    assert message in errors[0].message


def test_every_error_of_a_directory_is_reported(rules_copy):
    payment = real_text("payment.yaml").replace("    optional: true", "    optinal: true")
    payment = payment.replace("    when: amount > 1000000", "    when: amout > 1000000")
    calendar = real_text("calendar.yaml").replace("timezone: Europe/Moscow", "timezone: Mars/Olympus")
    directory = rules_copy({"payment.yaml": payment, "calendar.yaml": calendar})
    with pytest.raises(RuleBookError) as raised:
        load_rulebook(directory)
    found = [(Path(error.path).name, error.line) for error in raised.value.errors]
    assert found == [("calendar.yaml", line_of(calendar, "Mars/Olympus")),
                     ("payment.yaml", line_of(payment, "optinal")),
                     ("payment.yaml", line_of(payment, "amout"))]


@pytest.mark.parametrize("text, line, message", [
    (MINIMAL.replace("title: Demo", "title: Demo\nowner: me"), 3, "unknown key 'owner' in the process file"),
    (MINIMAL.replace("terminal: {id: done, title: Done}\n", ""), 1, "the process file is missing 'terminal'"),
    (MINIMAL.replace("assignee: {role: finance_manager}", "assignee: {role: finance_manager, user: x}"), 9,
     "assignee needs exactly one of 'role' or 'user'"),
    (MINIMAL.replace("actions: [approve, reject]", "actions: approve"), 10, "actions must be a list, got text"),
    (MINIMAL.replace("  - id: review", "  - id: 12"), 4, "stage id must be text, got a number '12'"),
    (MINIMAL.replace("  - id: review", "  - id: frozen"), 4, "'frozen' is a side stage"),
    (MINIMAL.replace("title: Demo", "title: Demo\ntitle: Again"), 3, "duplicate key 'title'"),
    (MINIMAL + "routing:\n  - name: big\n    when: |\n      amount > 10 and\n      cost_item == ADS\n"
     "    assignees: {review: {user: boss}}\n", 23, "expected a double-quoted text"),
    (MINIMAL + "routing:\n  - name: big\n    when: amount > 10\n    add_stages: [review]\n", 22,
     "stage 'review' is not optional"),
    (MINIMAL + "validation:\n  - name: v\n    when: amount > 1.001\n    level: block\n    message: x\n", 21,
     "more than two decimals"),
    (MINIMAL + "sla:\n  s:\n    check_every: 0m\n    clock_stops_on: started\n", 21,
     "check_every must be longer than zero"),
    (MINIMAL + "analytics:\n  target_wd: 0\n", 20, "analytics target_wd must be a positive number of working days"),
    (MINIMAL + "analytics:\n  target_wd: 2-3\n", 20, "analytics target_wd must be a positive number"),
    (MINIMAL + "analytics:\n  baseline_wd: 7-5\n", 20, "analytics baseline_wd must be a positive number of working "
     "days, or a range such as 5-7, got '7-5'"),
    (MINIMAL + "analytics:\n  approvers: maybe\n", 20, "analytics approvers must be true or false"),
    (MINIMAL + "analytics:\n  target: 3\n", 20, "unknown key 'target' in analytics"),
    ("", 1, "the file is empty"),
    ("- just\n- a list\n", 1, "the process file must be a mapping"),
])
def test_small_process_files(rules_copy, text, line, message):
    errors = check_rules(rules_copy({"payment.yaml": None, "contract.yaml": None, "demo.yaml": text}))
    assert [(Path(error.path).name, error.line) for error in errors] == [("demo.yaml", line)], errors
    assert message in errors[0].message


def test_the_minimal_file_itself_is_valid(rules_copy):
    rulebook = load_rulebook(rules_copy({"payment.yaml": None, "contract.yaml": None, "demo.yaml": MINIMAL}))
    assert rulebook.process("demo").default_route == ("review",)


@pytest.mark.parametrize("section, target, baseline, approvers", [
    ("", 3.0, None, True),
    ("analytics:\n  target_wd: 2.5\n  baseline_wd: 5-7\n  approvers: false\n", 2.5, (5.0, 7.0), False),
    ("analytics:\n  baseline_wd: 6\n", 3.0, (6.0, 6.0), True),
])
def test_the_analytics_section(rules_copy, section, target, baseline, approvers):
    rulebook = load_rulebook(rules_copy({"payment.yaml": None, "contract.yaml": None, "demo.yaml": MINIMAL + section}))
    spec = rulebook.process("demo").analytics
    assert (spec.target_wd, spec.baseline_wd, spec.approvers) == (target, baseline, approvers)


def test_errors_print_as_file_line_message(rules_copy):
    directory = rules_copy({"calendar.yaml": None})
    (error,) = check_rules(directory)
    assert str(error) == f"{directory / 'calendar.yaml'}:1: the calendar file is missing"


def test_a_file_that_is_not_utf8_names_its_line(rules_copy):
    directory = rules_copy()
    (directory / "payment.yaml").write_bytes(b"process: payment\ntitle: \xff\n")
    (error,) = check_rules(directory)
    assert (error.line, error.message) == (2, "the file is not UTF-8 text")


def test_the_calendar_alone_loads_for_calendar_commands():
    calendar = load_calendar(RULES_DIR)
    assert calendar.working_days_in_year(2026) == 247 and calendar.minutes_per_day == 480
