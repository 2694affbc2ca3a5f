"""From matched rules to a `RouteDecision`, and the plain-Python reference of `decide`.

The durable-rules engine (`soglasie.rulebook.engine`) and the reference evaluator only
decide WHICH rules match; what a set of matches means is computed here, once, for both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from soglasie.rulebook.conditions import evaluate, normalize_facts
from soglasie.rulebook.model import (PayingAccountRule, ProcessDefinition, RouteDecision, RoutingRule, RuleBook,
                                     ValidationRule)


def process_rules(process: ProcessDefinition) -> tuple[RoutingRule | ValidationRule, ...]:
    """Every conditional rule of a process, in file order: routing first, then validation."""
    return (*process.routing, *process.validations)


def card_facts(process_id: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    """The checked facts of one card (`process` defaults to the process being decided)."""
    return normalize_facts({"process": process_id, **facts})


def check_now(now: dt.datetime) -> None:
    """Decisions take the time as a tz-aware parameter (reserved for time-dependent facts)."""
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        raise ValueError("now must be a tz-aware datetime")


def assemble_decision(rulebook: RuleBook, process: ProcessDefinition, matched: set[str]) -> RouteDecision:
    """What the matched rules decide, in file order.

    Optional stages join the route in process order; for an assignee override of the same
    stage by several matching rules, the first rule in the file wins; overrides of stages
    that are not in the route are dropped.
    """
    added: set[str] = set()
    overrides: dict = {}
    for rule in process.routing:
        if rule.name in matched:
            added.update(rule.add_stages)
            for stage_id, assignee in rule.assignees.items():
                overrides.setdefault(stage_id, assignee)
    stages = tuple(stage.id for stage in process.stages if not stage.optional or stage.id in added)
    fired = [rule for rule in process.validations if rule.name in matched]
    return RouteDecision(
        stages=stages,
        assignees={stage_id: rule for stage_id, rule in overrides.items() if stage_id in stages},
        warnings=tuple((rule.field, rule.message) for rule in fired if rule.level == "warn"),
        blocks=tuple((rule.field, rule.message) for rule in fired if rule.level == "block"),
        matched_rules=tuple(rule.name for rule in process_rules(process) if rule.name in matched),
        rules_version=rulebook.version,
    )


def decide_reference(rulebook: RuleBook, process_id: str, facts: Mapping[str, Any],
                     now: dt.datetime) -> RouteDecision:
    """`decide` computed by the plain-Python evaluator (the differential test's oracle)."""
    check_now(now)
    process = rulebook.process(process_id)
    normalized = card_facts(process_id, facts)
    matched = {rule.name for rule in process_rules(process) if evaluate(rule.when.tree, normalized)}
    return assemble_decision(rulebook, process, matched)


def paying_account_rule(process: ProcessDefinition, facts: Mapping[str, Any]) -> PayingAccountRule | None:
    """The first `paying_account:` rule whose condition holds for the card's facts (None: the default account).

    Evaluated by the plain-Python evaluator of the same condition language: the choice is one
    ordered lookup with nothing to chain, so it needs no durable-rules ruleset of its own.
    """
    if not process.paying_account:
        return None
    normalized = card_facts(process.id, facts)
    return next((rule for rule in process.paying_account if evaluate(rule.when.tree, normalized)), None)
