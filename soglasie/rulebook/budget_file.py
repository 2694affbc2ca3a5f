"""The `budget:` section of a process file: where budgets are checked and what an overrun does.

    budget:
      check_at: [filing, finance_review]   # "filing" and/or stage ids of the process
      committed_from: payment              # approved = at this stage or a later one, until paid
      on_exceed: {year: warn, month: block}  # per period: ignore | warn | block
      override_role: ops_manager           # may approve over a block with a comment (optional)

Every mistake is recorded as `file:line: message` (docs/rules.md, "Budgets").
"""

from __future__ import annotations

from typing import Mapping

from yaml.nodes import Node

from soglasie.rulebook.model import (BUDGET_ACTIONS, BUDGET_PERIODS, FILING, ROLES, BudgetPolicy, CardSpec,
                                     StageDefinition)
from soglasie.rulebook.yamlnodes import Reader, did_you_mean, line_of

_KEYS = ("check_at", "committed_from", "on_exceed")


def read_budget(reader: Reader, node: Node, stages: Mapping[str, StageDefinition | None] | None,
                card: CardSpec | None) -> BudgetPolicy | None:
    """The budget policy, or None (every error recorded in `reader`).

    `stages` None: the stage list itself is broken, so stage references are not checked (no follow-up errors).
    """
    fields = reader.mapping(node, "budget", required=_KEYS, optional=("override_role",))
    if fields is None or not fields.keys() >= set(_KEYS):
        return None
    before = len(reader.errors)
    if card is not None and not (card.uses("amount") and card.uses("cost_item")):
        reader.error(node, "budget needs a card with an amount and a cost item (card.amount, card.cost_item)")
    check_at = _check_points(reader, fields["check_at"], stages)
    committed = _stage(reader, fields["committed_from"], "committed_from", stages)
    actions = _actions(reader, fields["on_exceed"])
    role = reader.choice(fields["override_role"], "override_role", ROLES) if "override_role" in fields else None
    if len(reader.errors) > before:
        return None
    return BudgetPolicy(check_at=check_at, committed_from=committed, on_exceed=actions, override_role=role,
                        line=line_of(node))


def _stage(reader: Reader, node: Node, what: str, stages: Mapping[str, StageDefinition | None] | None) -> str | None:
    stage_id = reader.text(node, what)
    if stage_id is not None and stages is not None and stage_id not in stages:
        reader.error(node, f"{what}: unknown stage {stage_id!r}{did_you_mean(stage_id, stages)}; "
                     f"stages: {', '.join(stages)}")
        return None
    return stage_id


def _check_points(reader: Reader, node: Node,
                  stages: Mapping[str, StageDefinition | None] | None) -> tuple[str, ...]:
    points: list[str] = []
    for item in reader.sequence(node, "check_at") or ():
        point = reader.text(item, "check_at")
        if point is None:
            continue
        if point != FILING and stages is not None and point not in stages:
            known = ", ".join((FILING, *stages))
            reader.error(item, f"check_at: unknown check point {point!r}{did_you_mean(point, (FILING, *stages))}; "
                         f"expected one of: {known}")
        elif point in points:
            reader.error(item, f"check_at: {point!r} is listed twice")
        else:
            points.append(point)
    return tuple(points)


def _actions(reader: Reader, node: Node) -> dict[str, str]:
    fields = reader.mapping(node, "on_exceed", required=BUDGET_PERIODS)
    actions = {}
    for period, value in (fields or {}).items():
        action = reader.choice(value, f"on_exceed.{period} action", BUDGET_ACTIONS)
        if action is not None:
            actions[period] = action
    return actions
