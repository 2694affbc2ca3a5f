"""The policy sections of a process file: assignees, SLA, deadlines, routing and validation."""

from __future__ import annotations

from typing import Mapping

from yaml.nodes import MappingNode, Node, ScalarNode

from soglasie.rulebook.conditions import ConditionError, parse_condition
from soglasie.rulebook.durations import parse_duration, parse_time
from soglasie.rulebook.model import (
    ROLES,
    AssigneeRule,
    Condition,
    DeadlineRule,
    PayingAccountRule,
    RoutingRule,
    SlaEvent,
    SlaPolicy,
    StageDefinition,
    ValidationRule,
)
from soglasie.rulebook.sla_timing import EventTimes
from soglasie.rulebook.yamlnodes import Reader, describe, did_you_mean, line_of

CHECK = "check"  # the rule name of periodic checks in `sla.sla_schedule`

ASSIGNEE_WORDS = ("initiator_head", "initiator", "assignee")


def read_assignee(reader: Reader, node: Node, what: str, allow_assignee: bool = False) -> AssigneeRule | None:
    """`initiator_head` / `initiator` / `assignee` (SLA recipients only), `{role: X}` or `{user: LOGIN}`."""
    words = ASSIGNEE_WORDS if allow_assignee else ASSIGNEE_WORDS[:2]
    if isinstance(node, ScalarNode):
        word = reader.choice(node, what, words)
        return AssigneeRule(word) if word is not None else None
    if not isinstance(node, MappingNode):
        reader.error(node, f"{what} must be one of {', '.join(words)} or {{role: ...}} / {{user: ...}}, "
                     f"got {describe(node)}")
        return None
    fields = reader.mapping(node, what, optional=("role", "user"))
    if fields is None:
        return None
    if len(fields) != 1:
        reader.error(node, f"{what} needs exactly one of 'role' or 'user'")
        return None
    (kind, value_node), = fields.items()
    if kind == "role":
        role = reader.choice(value_node, "role", ROLES)
        return AssigneeRule("role", role) if role is not None else None
    login = reader.text(value_node, "user (a login)")
    if login is not None and (login != login.strip() or " " in login):
        reader.error(value_node, f"user {login!r} is not a login (no spaces)")
        return None
    return AssigneeRule("user", login) if login is not None else None


def read_condition(reader: Reader, node: Node, what: str) -> Condition | None:
    """A parsed condition; an error points at the line of the condition (of the token in `|` blocks)."""
    source = reader.text(node, what)
    if source is None:
        return None
    try:
        return Condition(source=source, tree=parse_condition(source), line=line_of(node))
    except ConditionError as error:
        line = line_of(node)
        if getattr(node, "style", None) == "|":  # a literal block keeps its lines: point at the token
            line += 1 + source[:error.column].count("\n")
        reader.error(line, f"bad condition {source.strip()!r}: {error}")
        return None


def read_duration(reader: Reader, node: Node, what: str, minutes_per_day: int) -> int | None:
    """Working minutes (> 0) of a duration like `4h`, `2d 1h`."""
    raw = reader.scalar(node, what)
    if raw is None:
        return None
    try:
        minutes = parse_duration(raw, minutes_per_day)
    except ValueError as error:
        reader.error(node, f"{what}: {error}")
        return None
    if minutes <= 0:
        reader.error(node, f"{what} must be longer than zero")
        return None
    return minutes


def read_sla_policies(reader: Reader, node: Node, minutes_per_day: int) -> dict[str, SlaPolicy | None]:
    """The `sla:` section: named policies (None for a broken one, so references stay known)."""
    policies = {}
    for key_node, value_node in reader.free_mapping(node, "sla") or ():
        policies[key_node.value] = _sla_policy(reader, value_node, f"SLA policy {key_node.value!r}",
                                               minutes_per_day)
    return policies


def _sla_policy(reader: Reader, node: Node, what: str, minutes_per_day: int) -> SlaPolicy | None:
    fields = reader.mapping(node, what, required=("check_every", "clock_stops_on"),
                            optional=("due_after", "events"))
    if fields is None:
        return None
    before = len(reader.errors)
    check = read_duration(reader, fields["check_every"], f"{what}: check_every", minutes_per_day) \
        if "check_every" in fields else None
    stops = reader.choice(fields["clock_stops_on"], "clock_stops_on", ("started", "decided")) \
        if "clock_stops_on" in fields else None
    due = read_duration(reader, fields["due_after"], f"{what}: due_after", minutes_per_day) \
        if "due_after" in fields else None
    items = (reader.sequence(fields["events"], "events") or ()) if "events" in fields else ()
    times = EventTimes(reader, what, items, minutes_per_day)
    for index, item in enumerate(items):
        _sla_event(reader, item, times, index)
    times.check(due, fields.get("due_after"))
    if len(reader.errors) > before:
        return None
    return SlaPolicy(check_every_minutes=check, clock_stops_on=stops, events=times.events(), due_after_minutes=due)


def _sla_event(reader: Reader, node: Node, times: EventTimes, index: int) -> None:
    fields = reader.mapping(node, "an SLA event", required=("name", "kind", "after", "to"), optional=("text",))
    if fields is None or not fields.keys() >= {"name", "kind", "after", "to"}:
        return
    name = reader.name(fields["name"], "event name")
    if name == CHECK:  # the sweep keys items by (rule, occurrence): "check" is the periodic check
        reader.error(fields["name"], "event name 'check' is reserved for the periodic checks")
        name = None
    kind = reader.choice(fields["kind"], "event kind", ("reminder", "escalation"))
    after = times.after(fields["after"], index)
    to = read_assignee(reader, fields["to"], "to", allow_assignee=True)
    text = reader.localized(fields["text"], "text") if "text" in fields else None
    if None not in (name, kind, after, to) and ("text" not in fields or text is not None):
        times.add(SlaEvent(name=name, kind=kind, after_minutes=after, to=to, text=text), node, fields["after"])


def read_deadlines(reader: Reader, node: Node) -> dict[str, DeadlineRule | None]:
    """The `deadlines:` section: named accounting deadline rules (None for a broken one)."""
    rules: dict[str, DeadlineRule | None] = {}
    for key_node, value_node in reader.free_mapping(node, "deadlines") or ():
        rules[key_node.value] = None
        fields = reader.mapping(value_node, f"deadline {key_node.value!r}", required=("cutoff",),
                                optional=("hard_deadline_wins",))
        if fields is None or "cutoff" not in fields:
            continue
        raw = reader.scalar(fields["cutoff"], "cutoff")
        wins = reader.boolean(fields["hard_deadline_wins"], "hard_deadline_wins") \
            if "hard_deadline_wins" in fields else True
        try:
            cutoff = parse_time(raw) if raw is not None else None
        except ValueError as error:
            reader.error(fields["cutoff"], f"cutoff: {error}")
            continue
        if cutoff is not None and wins is not None:
            rules[key_node.value] = DeadlineRule(name=key_node.value, cutoff=cutoff, hard_deadline_wins=wins)
    return rules


def read_routing(reader: Reader, node: Node, stages: Mapping[str, StageDefinition | None],
                 names: set[str]) -> list[RoutingRule]:
    """The `routing:` section: conditions that add optional stages or change assignees."""
    rules = []
    for item in reader.sequence(node, "routing") or ():
        fields = reader.mapping(item, "a routing rule", required=("name", "when"),
                                optional=("add_stages", "assignees"))
        if fields is None or not fields.keys() >= {"name", "when"}:
            continue
        if not fields.keys() & {"add_stages", "assignees"}:
            reader.error(item, "a routing rule needs 'add_stages' and/or 'assignees'")
            continue
        before = len(reader.errors)
        name = _rule_name(reader, fields["name"], names)
        when = read_condition(reader, fields["when"], "when")
        added = _added_stages(reader, fields["add_stages"], stages) if "add_stages" in fields else ()
        assignees = _stage_assignees(reader, fields["assignees"], stages) if "assignees" in fields else {}
        if len(reader.errors) == before:
            rules.append(RoutingRule(name=name, when=when, add_stages=added, assignees=assignees,
                                     line=line_of(item)))
    return rules


def read_paying_account(reader: Reader, node: Node) -> list[PayingAccountRule]:
    """The `paying_account:` section: ordered `when`/`account` entries choosing the company's paying account.

    The account is a 20-digit settlement account; whether the company has it is company data,
    checked against the database by `rules check` and when a request is filed.
    """
    rules = []
    for item in reader.sequence(node, "paying_account") or ():
        fields = reader.mapping(item, "a paying account rule", required=("when", "account"))
        if fields is None or not fields.keys() >= {"when", "account"}:
            continue
        before = len(reader.errors)
        when = read_condition(reader, fields["when"], "when")
        account = reader.text(fields["account"], "account")
        if account is not None and not (len(account) == 20 and account.isdigit()):
            reader.error(fields["account"], f"account {account!r} is not a 20-digit settlement account")
        if len(reader.errors) == before:
            rules.append(PayingAccountRule(when=when, account=account, line=line_of(fields["account"])))
    return rules


def read_validations(reader: Reader, node: Node, names: set[str]) -> list[ValidationRule]:
    """The `validation:` section: conditions that warn about or block a card."""
    rules = []
    for item in reader.sequence(node, "validation") or ():
        fields = reader.mapping(item, "a validation rule", required=("name", "when", "level", "message"),
                                optional=("field",))
        if fields is None or not fields.keys() >= {"name", "when", "level", "message"}:
            continue
        before = len(reader.errors)
        name = _rule_name(reader, fields["name"], names)
        when = read_condition(reader, fields["when"], "when")
        level = reader.choice(fields["level"], "level", ("warn", "block"))
        message = reader.localized(fields["message"], "message")
        field = reader.name(fields["field"], "field") if "field" in fields else None
        if len(reader.errors) == before:
            rules.append(ValidationRule(name=name, when=when, level=level, message=message, field=field,
                                        line=line_of(item)))
    return rules


def _rule_name(reader: Reader, node: Node, names: set[str]) -> str | None:
    name = reader.name(node, "rule name")
    if name is not None and name in names:
        reader.error(node, f"duplicate rule name {name!r}")
    elif name is not None:
        names.add(name)
    return name


def _stage_ref(reader: Reader, node: Node, stages: Mapping[str, StageDefinition | None]) -> str | None:
    stage_id = reader.text(node, "stage")
    if stage_id is not None and stage_id not in stages:
        reader.error(node, f"unknown stage {stage_id!r}{did_you_mean(stage_id, stages)}; "
                     f"stages: {', '.join(stages)}")
        return None
    return stage_id


def _added_stages(reader: Reader, node: Node, stages: Mapping[str, StageDefinition | None]) -> tuple[str, ...]:
    added = []
    for item in reader.sequence(node, "add_stages") or ():
        stage_id = _stage_ref(reader, item, stages)
        if stage_id is not None and stages[stage_id] is not None and not stages[stage_id].optional:
            reader.error(item, f"stage {stage_id!r} is not optional: it is always in the route "
                         "(mark it `optional: true` to add it by a rule)")
        elif stage_id is not None:
            added.append(stage_id)
    return tuple(dict.fromkeys(added))


def _stage_assignees(reader: Reader, node: Node,
                     stages: Mapping[str, StageDefinition | None]) -> dict[str, AssigneeRule]:
    result = {}
    for key_node, value_node in reader.free_mapping(node, "assignees") or ():
        stage_id = _stage_ref(reader, key_node, stages)
        rule = read_assignee(reader, value_node, f"assignee of stage {key_node.value!r}")
        if stage_id is not None and rule is not None:
            result[stage_id] = rule
    return result
