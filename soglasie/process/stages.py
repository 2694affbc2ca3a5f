"""Entering a stage: the single writer of the stage column, the tasks a stage creates, new runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from soglasie.errors import ValidationError
from soglasie.models import Card, ProcessRun, Task, User
from soglasie.process import assignees, budgets, clock, deputies, duplicates, durations
from soglasie.process.commands import Outcome, ProcessContext
from soglasie.process.facts import card_facts
from soglasie.process.notices import NoticeWriter
from soglasie.rulebook.deadlines import accounting_deadline
from soglasie.rulebook.engine import decide
from soglasie.rulebook.model import FILING, AssigneeRule, ProcessDefinition, StageDefinition, TaskDefinition


def set_stage(run: ProcessRun, card: Card, stage: str, now: dt.datetime) -> None:
    """Move a run (and its card's mirror column) to `stage`: the only place the stage is written."""
    run.stage = stage
    run.stage_entered_at = now
    card.stage = stage
    card.updated_at = now


def enter_stage(session: Session, context: ProcessContext, writer: NoticeWriter,
                process: ProcessDefinition, run: ProcessRun, stage_id: str, now: dt.datetime) -> None:
    """Put the run at `stage_id`: create its tasks, or finish the run at the terminal stage."""
    card = session.get(Card, run.card_id)
    set_stage(run, card, stage_id, now)
    if stage_id == process.terminal:
        run.finished_at = now
        durations.record_run(session, context.rulebook.calendar, run, card, now, "finished")
        writer.timeline(run, None, "finished", stage=stage_id)
        writer.finished(run, process)
        return
    writer.timeline(run, None, "stage_entered", stage=stage_id)
    # A route names each stage once (and the documents side stage returns by `set_stage`): nothing exists yet.
    create_missing_tasks(session, context, writer, process, run, now, existing=frozenset())


def create_missing_tasks(session: Session, context: ProcessContext, writer: NoticeWriter,
                         process: ProcessDefinition, run: ProcessRun, now: dt.datetime,
                         existing: frozenset[str] | None = None) -> int:
    """Create the tasks of the run's current stage that do not exist yet; returns how many.

    A task whose assignee cannot be resolved (say, nobody has the chief accountant role) is
    left out, the admins are told once, and a later sweep creates it when someone can take it.
    `existing` (the kinds already there) spares the query when the caller knows it.
    """
    stage = process.stage(run.stage)
    card = session.get(Card, run.card_id)
    initiator = session.get(User, card.initiator_id, options=(lazyload(User.role_rows),))  # roles not needed
    if existing is None:
        existing = set(session.scalars(select(Task.kind).where(Task.run_id == run.id, Task.stage == stage.id)))
    created = 0
    for definition in stage.tasks:
        if definition.kind in existing:
            continue
        rule = assignee_rule(run, stage, definition)
        assignee = assignees.resolve(session, rule, initiator)
        if assignee is None:
            writer.no_assignee(run, stage, definition)
            continue
        # The deputy rule: a task for someone away today goes to his deputy (soglasie.process.deputies).
        delegation = deputies.route(session, assignee, rule, initiator, process.id,
                                    deputies.calendar_day(context.rulebook.calendar.tz, now))
        task = Task(run_id=run.id, card_id=card.id, stage=stage.id, kind=definition.kind,
                    assignee_id=delegation.assignee.id, status="open", created_at=now)
        deputies.record(task, delegation)
        clock.start(task, stage.sla, context.rulebook.calendar, now)
        if definition.deadline:
            task.deadline = accounting_deadline(
                context.rulebook.calendar, process.deadlines[definition.deadline],
                run.stage_entered_at, card.hard_deadline)
        session.add(task)
        session.flush()
        writer.task_assigned(task, stage, definition)
        created += 1
    return created


def assignee_rule(run: ProcessRun, stage: StageDefinition, definition: TaskDefinition) -> AssigneeRule:
    """The routing rules' override for this stage (applies to all its tasks), else the file's rule."""
    override = (run.assignee_overrides or {}).get(stage.id)
    if override:
        return AssigneeRule(override["kind"], override.get("value"))
    return definition.assignee


def start_run(session: Session, context: ProcessContext, card: Card, actor: User, now: dt.datetime,
              event: str | None = None, comment: str | None = None) -> Outcome:
    """Route a card by the rules and put it at its first stage (a new card, a restart, a revision)."""
    process = context.rulebook.process(card.kind)
    # Duplicate invoices: the counterparty locked, a duplicate refused under `block` (soglasie.process.duplicates).
    found = duplicates.check_at_start(session, process, card, context.rulebook.calendar.tz)
    # The budget line: facts for the rules, and the check at filing (locked when filing is a check point).
    line = budgets.line_for(session, context.rulebook, card, now,
                            lock=process.budget is not None and FILING in process.budget.check_at)
    facts = {**card_facts(session, card), "is_possible_duplicate": bool(found), **budgets.budget_facts(line)}
    decision = decide(context.rulebook, process.id, facts, now)
    if decision.blocks:
        field_name, message = decision.blocks[0]
        raise ValidationError(message, field_name or "amount", code="blocked_by_rule")
    verdict = budgets.check_line(line, context.rulebook, card, FILING, actor, card.comment)
    number = (session.scalar(select(func.max(ProcessRun.number)).where(ProcessRun.card_id == card.id)) or 0) + 1
    run = ProcessRun(
        card_id=card.id, number=number, process=process.id, rules_version=decision.rules_version,
        route=list(decision.stages), stage=decision.stages[0], stage_entered_at=now, started_at=now,
        assignee_overrides={s: {"kind": r.kind, "value": r.value} for s, r in decision.assignees.items()},
    )
    session.add(run)
    session.flush()
    card.current_run_id = run.id
    writer = NoticeWriter(session, context, card, now)
    writer.timeline(run, actor, event or ("created" if number == 1 else "restarted"), comment=comment, data={
        "route": list(decision.stages), "rules_version": decision.rules_version,
        "matched_rules": list(decision.matched_rules),
        "warnings": [message.en for _, message in decision.warnings] + [text.en for text in verdict.warnings],
        **verdict.override, **({"possible_duplicates": [other.id for other in found]} if found else {})})
    enter_stage(session, context, writer, process, run, decision.stages[0], now)
    warnings = ([message for _, message in decision.warnings] + verdict.warnings
                + ([duplicates.warning(found)] if found else []))
    return Outcome(card.id, run.stage, warnings=warnings)
