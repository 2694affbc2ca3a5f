"""`rules simulate`: the timeline of a new card if nobody acts — one truth for CLI and sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping

from soglasie.rulebook.engine import decide
from soglasie.rulebook.model import AssigneeRule, RouteDecision, RuleBook
from soglasie.rulebook.sla import sla_schedule

Resolver = Callable[[AssigneeRule, str], "str | None"]


class CardBlocked(ValueError):
    """A validation rule blocks the card: it would never be filed, so it has no timeline."""

    def __init__(self, decision: RouteDecision):
        self.decision = decision
        super().__init__("; ".join(message.en for _, message in decision.blocks))


def simulate(rulebook: RuleBook, process_id: str, created_at: dt.datetime, facts: Mapping[str, Any],
             resolve: Resolver) -> list[dict]:
    """Every check, reminder and escalation of a card created at `created_at` if nobody acts.

    Nobody acts, so the run stays in its first stage: the result is the SLA schedule of that
    stage's tasks, merged in time order, as `{"at", "kind", "stage", "to"}` with `to` the
    resolved login (`assignee` → the task's assignee; other rules → `resolve(rule, stage)`).
    A pure function of the rules, `created_at`, the facts and the resolver.
    """
    decision = decide(rulebook, process_id, facts, created_at)
    if decision.blocks:
        raise CardBlocked(decision)
    stage = rulebook.process(process_id).stage(decision.stages[0])
    if stage.sla is None:
        return []
    rows: list[tuple[dt.datetime, int, dict]] = []
    for task in stage.tasks:
        assignee = resolve(decision.assignees.get(stage.id, task.assignee), stage.id)
        for item in sla_schedule(stage.sla, rulebook.calendar, created_at):
            to = assignee if item.to.kind == "assignee" else resolve(item.to, stage.id)
            row = {"at": item.at.isoformat(), "kind": item.kind, "stage": stage.id, "to": to}
            rows.append((item.at, len(rows), row))
    return [row for _, _, row in sorted(rows, key=lambda entry: entry[:2])]
