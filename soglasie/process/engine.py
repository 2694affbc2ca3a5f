"""The process engine: the one place a card's state changes (docs/architecture.md, "The one transition function").

`execute(session, context, command)` applies every action on a task or a card: it locks the
run, checks permission (deny by default) and the guards (each names its reason), then writes
the new stage, the tasks, the timeline row and the outbox messages in the caller's single
transaction (the transitions themselves are in `soglasie.process.transitions`). `start_run`
begins a run on a new, restarted or revised card with the same machinery. Stages and their
tasks come from the rule file; nothing here knows a stage by name.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.errors import NotFound, ValidationError, t
from soglasie.models import Card, ProcessRun, Task, User
from soglasie.process import permissions
from soglasie.process.commands import Command, Outcome, ProcessContext
from soglasie.process.definitions import task_definition
from soglasie.process.stages import start_run
from soglasie.process.transitions import TRANSITIONS, Step, guard_task_is_current

__all__ = ["CARD_COMMANDS", "TASK_COMMANDS", "Command", "Outcome", "ProcessContext", "execute", "start_run"]
TASK_COMMANDS = ("take_into_work", "approve", "reject", "request_documents", "complete")
CARD_COMMANDS = ("freeze", "unfreeze", "restart", "new_version")


def execute(session: Session, context: ProcessContext, command: Command) -> Outcome:
    """Apply one command; raises NotFound/PermissionDenied/Conflict/ValidationError, writing nothing."""
    if command.action in TASK_COMMANDS:
        step = _load_task_step(session, context, command)
    elif command.action in CARD_COMMANDS:
        step = _load_card_step(session, context, command)
    else:
        raise ValidationError(t("Неизвестное действие.", "Unknown action."), "action")
    TRANSITIONS[command.action](step)
    session.flush()
    return Outcome(step.card.id, step.run.stage, step.task.id if step.task else None,
                   step.on_behalf_of_id, step.warnings)


# --- loading and locking --------------------------------------------------------------------


def _lock_run(session: Session, run_id: int) -> ProcessRun:
    """The run, locked for this transaction: concurrent actions on it queue up here.

    On PostgreSQL this is a row lock; on SQLite the write transaction already holds the
    database's write lock (BEGIN IMMEDIATE), which serialises writers the same way.
    """
    run = session.scalars(
        select(ProcessRun).where(ProcessRun.id == run_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    return run


def _actor(session: Session, actor_id: int) -> User:
    actor = session.get(User, actor_id)
    if actor is None or not actor.active:
        raise NotFound(t("Пользователь не найден или отключён.", "User not found or disabled."), "actor")
    return actor


def _load_task_step(session: Session, context: ProcessContext, command: Command) -> Step:
    actor = _actor(session, command.actor_id)
    task = session.get(Task, command.task_id) if command.task_id is not None else None
    if task is None:
        raise NotFound(t("Задача не найдена.", "Task not found."), "task")
    run = _lock_run(session, task.run_id)
    session.refresh(task)
    card = session.get(Card, task.card_id)
    if not (task.assignee_id == actor.id or permissions.can_view(session, actor, card)):
        raise NotFound(t("Задача не найдена.", "Task not found."), "task")
    process = context.rulebook.process(run.process)
    definition = task_definition(process, task)
    step = Step(session, context, command, actor, card, run, process, task, definition)
    step.on_behalf_of_id = permissions.authorize_task_action(actor, task, definition, command.action)
    guard_task_is_current(step)
    return step


def _load_card_step(session: Session, context: ProcessContext, command: Command) -> Step:
    actor = _actor(session, command.actor_id)
    card = session.get(Card, command.card_id) if command.card_id is not None else None
    if card is None or card.current_run_id is None:
        raise NotFound(t("Заявка не найдена.", "Request not found."), "card")
    permissions.require_view(session, actor, card)
    run = _lock_run(session, card.current_run_id)
    session.refresh(card)
    process = context.rulebook.process(run.process)
    permissions.authorize_card_action(actor, card, process, command.action)
    return Step(session, context, command, actor, card, run, process)
