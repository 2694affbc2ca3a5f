"""Entering a stage: the single writer of the stage column, and the tasks a stage creates."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.errors import Conflict, t
from soglasie.models import Card, ProcessRun, Task, User
from soglasie.process import assignees, clock
from soglasie.rulebook.deadlines import accounting_deadline
from soglasie.rulebook.model import AssigneeRule, ProcessDefinition, StageDefinition, TaskDefinition, Text

if TYPE_CHECKING:  # pragma: no cover
    from soglasie.process.engine import ProcessContext
    from soglasie.process.notices import NoticeWriter

# The built-in task of the documents_requested side stage (not declared in rule files).
PROVIDE_DOCUMENTS = TaskDefinition(
    kind="provide_documents",
    title=Text(ru="Предоставить документы", en="Provide documents"),
    assignee=AssigneeRule("initiator"),
    actions=("complete",),
)


def task_definition(process: ProcessDefinition, task: Task) -> TaskDefinition:
    """The rule-file definition of a task (the built-in one for provide_documents)."""
    if task.kind == PROVIDE_DOCUMENTS.kind:
        return PROVIDE_DOCUMENTS
    try:
        return process.stage(task.stage).task(task.kind)
    except KeyError:
        raise Conflict(
            t("Правила изменились: эта задача больше не существует в процессе.",
              "The rules changed: this task no longer exists in the process."),
        ) from None


def set_stage(run: ProcessRun, card: Card, stage: str, now: dt.datetime) -> None:
    """Move a run (and its card's mirror column) to `stage`: the only place the stage is written."""
    run.stage = stage
    run.stage_entered_at = now
    card.stage = stage
    card.updated_at = now


def enter_stage(session: Session, context: "ProcessContext", writer: "NoticeWriter",
                process: ProcessDefinition, run: ProcessRun, stage_id: str, now: dt.datetime) -> None:
    """Put the run at `stage_id`: create its tasks, or finish the run at the terminal stage."""
    card = session.get(Card, run.card_id)
    set_stage(run, card, stage_id, now)
    if stage_id == process.terminal:
        run.finished_at = now
        writer.timeline(run, None, "finished", stage=stage_id)
        writer.finished(run, process)
        return
    writer.timeline(run, None, "stage_entered", stage=stage_id)
    create_missing_tasks(session, context, writer, process, run, now)


def create_missing_tasks(session: Session, context: "ProcessContext", writer: "NoticeWriter",
                         process: ProcessDefinition, run: ProcessRun, now: dt.datetime) -> int:
    """Create the tasks of the run's current stage that do not exist yet; returns how many.

    A task whose assignee cannot be resolved (say, nobody has the chief accountant role) is
    left out, the admins are told once, and a later sweep creates it when someone can take it.
    """
    stage = process.stage(run.stage)
    card = session.get(Card, run.card_id)
    initiator = session.get(User, card.initiator_id)
    existing = set(session.scalars(select(Task.kind).where(Task.run_id == run.id, Task.stage == stage.id)))
    created = 0
    for definition in stage.tasks:
        if definition.kind in existing:
            continue
        assignee = assignees.resolve(session, _assignee_rule(run, stage, definition), initiator)
        if assignee is None:
            writer.no_assignee(run, stage, definition)
            continue
        task = Task(run_id=run.id, card_id=card.id, stage=stage.id, kind=definition.kind,
                    assignee_id=assignee.id, status="open", created_at=now)
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


def _assignee_rule(run: ProcessRun, stage: StageDefinition, definition: TaskDefinition) -> AssigneeRule:
    """The routing rules' override for this stage (applies to all its tasks), else the file's rule."""
    override = (run.assignee_overrides or {}).get(stage.id)
    if override:
        return AssigneeRule(override["kind"], override.get("value"))
    return definition.assignee
