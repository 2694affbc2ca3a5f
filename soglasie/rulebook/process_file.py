"""A process file (`payment.yaml`, `contract.yaml`): stages, tasks and the rules around them."""

from __future__ import annotations

from typing import Mapping

from yaml.nodes import Node

from soglasie.rulebook.analytics_file import read_analytics
from soglasie.rulebook.budget_file import read_budget
from soglasie.rulebook.card_file import read_card, read_duplicates, read_nouns, read_path
from soglasie.rulebook.model import (
    AnalyticsSpec,
    CARD_ACTIONS,
    ROLES,
    SIDE_STAGES,
    STAGE_FLAGS,
    TASK_ACTIONS,
    DeadlineRule,
    ProcessDefinition,
    SlaPolicy,
    StageDefinition,
    TaskDefinition,
)
from soglasie.rulebook.policies_file import (
    read_assignee,
    read_deadlines,
    read_paying_account,
    read_routing,
    read_sla_policies,
    read_validations,
)
from soglasie.rulebook.yamlnodes import Reader, did_you_mean, line_of

_REQUIRED = ("process", "title", "nouns", "card", "portal", "api", "stages", "terminal")
_OPTIONAL = ("card_actions", "sla", "deadlines", "routing", "validation", "duplicates", "budget", "analytics",
             "paying_account")
_STAGE_KEYS = ("id", "title", "tasks")
_TASK_KEYS = ("kind", "title", "assignee", "actions")
_TASK_OPTIONAL = ("on_behalf", "requires_attachment", "memo", "deadline", "attachment_title")


def read_process(reader: Reader, root: Node, minutes_per_day: int, source: str) -> ProcessDefinition | None:
    """The process declared by `root`, or None (every error recorded in `reader`)."""
    fields = reader.mapping(root, "the process file", required=_REQUIRED, optional=_OPTIONAL)
    if fields is None:
        return None
    before = len(reader.errors)
    process_id = reader.name(fields["process"], "process") if "process" in fields else None
    title = reader.localized(fields["title"], "title") if "title" in fields else None
    nouns = read_nouns(reader, fields["nouns"]) if "nouns" in fields else None
    card = read_card(reader, fields["card"]) if "card" in fields else None
    portal_path = read_path(reader, fields["portal"], "portal") if "portal" in fields else None
    api_path = read_path(reader, fields["api"], "api") if "api" in fields else None
    policies = read_sla_policies(reader, fields["sla"], minutes_per_day) if "sla" in fields else {}
    deadlines = read_deadlines(reader, fields["deadlines"]) if "deadlines" in fields else {}
    before_stages = len(reader.errors)
    stages = _stages(reader, fields["stages"], policies, deadlines) if "stages" in fields else {}
    stages_broken = len(reader.errors) > before_stages  # then a stage named elsewhere may be the broken one
    terminal = _terminal(reader, fields["terminal"], stages) if "terminal" in fields else None
    actions = _card_actions(reader, fields["card_actions"]) if "card_actions" in fields else {}
    names: set[str] = set()
    routing = read_routing(reader, fields["routing"], stages, names) if "routing" in fields else []
    validations = read_validations(reader, fields["validation"], names) if "validation" in fields else []
    duplicates = read_duplicates(reader, fields["duplicates"], None if stages_broken else stages, card) \
        if "duplicates" in fields else None
    budget = read_budget(reader, fields["budget"], None if stages_broken else stages, card) \
        if "budget" in fields else None
    paying = read_paying_account(reader, fields["paying_account"]) if "paying_account" in fields else []
    analytics = read_analytics(reader, fields["analytics"]) if "analytics" in fields else AnalyticsSpec()
    if len(reader.errors) > before or terminal is None:
        return None
    return ProcessDefinition(
        id=process_id, title=title, stages=tuple(stages.values()), terminal=terminal[0],
        terminal_title=terminal[1], card_actions=actions, routing=tuple(routing),
        validations=tuple(validations), deadlines={k: v for k, v in deadlines.items() if v},
        nouns=nouns, card=card, portal_path=portal_path, api_path=api_path, source=source, duplicates=duplicates,
        budget=budget, analytics=analytics, paying_account=tuple(paying),
    )


def _stages(reader: Reader, node: Node, policies: Mapping[str, SlaPolicy | None],
            deadlines: Mapping[str, DeadlineRule | None]) -> dict[str, StageDefinition | None]:
    stages: dict[str, StageDefinition | None] = {}  # None: declared but broken (no follow-up errors)
    items = reader.sequence(node, "stages") or []
    for item in items:
        before = len(reader.errors)
        stage = _stage(reader, item, policies, deadlines)
        if stage is None:
            continue
        if stage.id in stages:
            reader.error(item, f"duplicate stage id {stage.id!r}")
        elif stage.id in SIDE_STAGES:
            reader.error(item, f"stage id {stage.id!r} is a side stage every process has; choose another id")
        else:
            stages[stage.id] = stage if len(reader.errors) == before else None
    if items and stages and all(stage and stage.optional for stage in stages.values()):
        reader.error(node, "every stage is optional: at least one stage must always run")
    elif not items:
        reader.error(node, "a process needs at least one stage")
    return stages


def _stage(reader: Reader, node: Node, policies: Mapping[str, SlaPolicy | None],
           deadlines: Mapping[str, DeadlineRule | None]) -> StageDefinition | None:
    fields = reader.mapping(node, "a stage", required=_STAGE_KEYS, optional=("optional", "sla", "flags"))
    if fields is None or not fields.keys() >= set(_STAGE_KEYS):
        return None
    before = len(reader.errors)
    stage_id = reader.name(fields["id"], "stage id")
    title = reader.localized(fields["title"], "title")
    optional = reader.boolean(fields["optional"], "optional") if "optional" in fields else False
    sla = _reference(reader, fields["sla"], "SLA policy", policies) if "sla" in fields else None
    flags = _choices(reader, fields["flags"], "flags", "stage flag", STAGE_FLAGS) if "flags" in fields else ()
    tasks: dict[str, TaskDefinition] = {}
    for item in reader.sequence(fields["tasks"], "tasks") or ():
        task = _task(reader, item, deadlines)
        if task is not None and task.kind in tasks:
            reader.error(item, f"duplicate task kind {task.kind!r} in stage {stage_id!r}")
        elif task is not None:
            tasks[task.kind] = task
    if stage_id is None:
        return None
    if not tasks and len(reader.errors) == before:
        reader.error(fields["tasks"], f"stage {stage_id!r} needs at least one task")
    return StageDefinition(id=stage_id, title=title, tasks=tuple(tasks.values()), optional=bool(optional),
                           sla=sla, flags=frozenset(flags), line=line_of(node))


def _task(reader: Reader, node: Node, deadlines: Mapping[str, DeadlineRule | None]) -> TaskDefinition | None:
    fields = reader.mapping(node, "a task", required=_TASK_KEYS, optional=_TASK_OPTIONAL)
    if fields is None or not fields.keys() >= set(_TASK_KEYS):
        return None
    before = len(reader.errors)
    kind = reader.name(fields["kind"], "task kind")
    title = reader.localized(fields["title"], "title")
    assignee = read_assignee(reader, fields["assignee"], "assignee")
    actions = _choices(reader, fields["actions"], "actions", "task action", TASK_ACTIONS)
    on_behalf = _on_behalf(reader, fields["on_behalf"], actions) if "on_behalf" in fields else {}
    attachment = reader.boolean(fields["requires_attachment"], "requires_attachment") \
        if "requires_attachment" in fields else False
    memo = reader.localized(fields["memo"], "memo") if "memo" in fields else None
    attachment_title = reader.localized(fields["attachment_title"], "attachment_title") \
        if "attachment_title" in fields else None
    if attachment_title is not None and attachment is False:
        reader.error(fields["attachment_title"], "attachment_title needs requires_attachment: true")
    deadline = _reference(reader, fields["deadline"], "deadline rule", deadlines) if "deadline" in fields else None
    if len(reader.errors) > before:
        return None
    return TaskDefinition(kind=kind, title=title, assignee=assignee, actions=actions, on_behalf=on_behalf,
                          requires_attachment=attachment, memo=memo, attachment_title=attachment_title,
                          deadline=deadline.name if deadline else None, line=line_of(node))


def _reference(reader: Reader, node: Node, what: str, declared: Mapping):
    """The declared object named by `node` (None when unknown or itself broken)."""
    name = reader.text(node, what)
    if name is None:
        return None
    if name not in declared:
        known = ", ".join(declared) or "none declared"
        reader.error(node, f"unknown {what} {name!r}{did_you_mean(name, declared)}; known: {known}")
        return None
    return declared[name]


def _choices(reader: Reader, node: Node, what: str, item_what: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = []
    for item in reader.sequence(node, what) or ():
        value = reader.choice(item, item_what, allowed)
        if value is not None and value in values:
            reader.error(item, f"{item_what} {value!r} is listed twice")
        elif value is not None:
            values.append(value)
    return tuple(values)


def _on_behalf(reader: Reader, node: Node, actions: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    result = {}
    for key_node, value_node in reader.free_mapping(node, "on_behalf") or ():
        role = reader.choice(key_node, "role", ROLES)
        granted = _choices(reader, value_node, "on_behalf actions", "task action", TASK_ACTIONS)
        for action in granted:
            if action not in actions:
                reader.error(value_node, f"on_behalf grants {action!r}, which the task itself does not allow")
        if role is not None:
            result[role] = granted
    return result


def _terminal(reader: Reader, node: Node, stages: Mapping[str, StageDefinition | None]):
    fields = reader.mapping(node, "terminal", required=("id", "title"))
    if fields is None or not fields.keys() >= {"id", "title"}:
        return None
    terminal_id = reader.name(fields["id"], "terminal id")
    title = reader.localized(fields["title"], "title")
    if terminal_id in stages or terminal_id in SIDE_STAGES:
        reader.error(fields["id"], f"terminal id {terminal_id!r} is already a stage")
        return None
    return (terminal_id, title) if terminal_id and title else None


def _card_actions(reader: Reader, node: Node) -> dict[str, tuple[str, ...]]:
    result = {}
    who = (*ROLES, "initiator")
    for key_node, value_node in reader.free_mapping(node, "card_actions") or ():
        action = reader.choice(key_node, "card action", CARD_ACTIONS)
        roles = _choices(reader, value_node, f"who may {key_node.value}", "role", who)
        if action is not None:
            result[action] = roles
    return result
