"""The process engine: the one place a card's state changes (docs/architecture.md, "The one transition function").

`execute(session, context, command)` applies every action on a task or a card: it locks the
run, checks the action's declaration (who may — deny by default —, where it applies from,
its guards; each failure names its reason and code), then writes the new stage, the tasks,
the timeline row and the outbox messages in the caller's single transaction (the
declarations and effects are in `soglasie.process.transitions`). `available_actions` derives
from the same declarations what a viewer may do now, for the surfaces' buttons. `start_run`
begins a run on a new, restarted or revised card with the same machinery. Stages and their
tasks come from the rule file; nothing here knows a stage by name.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.errors import NotFound, ValidationError
from soglasie.i18n import _
from soglasie.models import Card, ProcessRun, Task, User
from soglasie.notifications.outbox import TELEGRAM, queue_edits
from soglasie.process import permissions
from soglasie.process.commands import Command, Outcome, ProcessContext
from soglasie.process.conditions import CARD, TASK, Situation, first_refusal
from soglasie.process.definitions import find_task_definition, task_definition
from soglasie.process.stages import start_run
from soglasie.process.transitions import TRANSITIONS, Step
from soglasie.rulebook.model import ProcessDefinition

__all__ = ["CARD_COMMANDS", "TASK_COMMANDS", "Command", "Outcome", "ProcessContext", "available_actions", "execute",
           "start_run"]
TASK_COMMANDS = tuple(action for action, transition in TRANSITIONS.items() if transition.on == TASK)
CARD_COMMANDS = tuple(action for action, transition in TRANSITIONS.items() if transition.on == CARD)


def execute(session: Session, context: ProcessContext, command: Command) -> Outcome:
    """Apply one command; raises NotFound/PermissionDenied/Conflict/ValidationError, writing nothing."""
    transition = TRANSITIONS.get(command.action)
    if transition is None:
        raise ValidationError(_("Unknown action."), "action", code="unknown_action")
    load = _load_task_step if transition.on == TASK else _load_card_step
    step = load(session, context, command)
    refusal = first_refusal(transition, step, with_input=True)
    if refusal is not None:
        raise refusal
    if transition.on == TASK:
        step.on_behalf_of_id = permissions.on_behalf_of(step.actor, step.task, step.definition, command.action)
    transition.effect(step)
    session.flush()
    if TELEGRAM in context.channels:  # a task decided here loses its buttons in every chat it was sent to
        queue_edits(session, step.card.id, command.now)
    return Outcome(step.card.id, step.run.stage, step.task.id if step.task else None,
                   step.on_behalf_of_id, step.warnings)


def available_actions(session: Session, process: ProcessDefinition, viewer: User, card: Card,
                      task: Task | None = None) -> list[str]:
    """What `viewer` may do now to `task` (or, without one, to `card`): the declarations `execute` checks.

    The command's input (a reason, the files) is not asked for; nothing is raised: an action
    not allowed is simply not listed. Task actions come in the rule file's order.
    """
    run_id = task.run_id if task is not None else card.current_run_id
    run = session.get(ProcessRun, run_id) if run_id is not None else None
    if run is None or not viewer.active or not _may_see(session, viewer, card, task):
        return []
    definition = find_task_definition(process, task) if task is not None else None
    situation = Situation(session=session, actor=viewer, card=card, run=run, process=process, task=task,
                          definition=definition)
    scope, candidates = (CARD, CARD_COMMANDS) if task is None else (TASK, definition.actions if definition else ())
    return [action for action in candidates
            if (transition := TRANSITIONS.get(action)) is not None and transition.on == scope
            and first_refusal(transition, situation, with_input=False) is None]


def _may_see(session: Session, viewer: User, card: Card, task: Task | None) -> bool:
    """The loaders' visibility rule: a task's assignee, or anyone who may see the card."""
    return (task is not None and task.assignee_id == viewer.id) or permissions.can_view(session, viewer, card)


# --- loading and locking --------------------------------------------------------------------


def lock_current_run(session: Session, card: Card) -> ProcessRun | None:
    """Lock the card's current run (as every command does) before numbering what belongs to the card.

    The card is re-read under the lock: a command that committed meanwhile may have started a new run.
    """
    while card.current_run_id is not None:
        run = _lock_run(session, card.current_run_id)
        session.refresh(card)
        if card.current_run_id == run.id:
            return run
    return None


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
        raise NotFound(_("User not found or disabled."), "actor")
    return actor


def _load_task_step(session: Session, context: ProcessContext, command: Command) -> Step:
    actor = _actor(session, command.actor_id)
    task = session.get(Task, command.task_id) if command.task_id is not None else None
    if task is None:
        raise NotFound(_("Task not found."), "task")
    run = _lock_run(session, task.run_id)
    session.refresh(task)
    card = session.get(Card, task.card_id)
    if not (task.assignee_id == actor.id or permissions.can_view(session, actor, card)):
        raise NotFound(_("Task not found."), "task")
    process = context.rulebook.process(run.process)
    definition = task_definition(process, task)
    return Step(session=session, context=context, command=command, actor=actor, card=card, run=run,
                process=process, task=task, definition=definition)


def _load_card_step(session: Session, context: ProcessContext, command: Command) -> Step:
    actor = _actor(session, command.actor_id)
    card = session.get(Card, command.card_id) if command.card_id is not None else None
    if card is None or card.current_run_id is None:
        raise NotFound(_("Request not found."), "card")
    permissions.require_view(session, actor, card)
    run = _lock_run(session, card.current_run_id)
    session.refresh(card)
    process = context.rulebook.process(run.process)
    return Step(session=session, context=context, command=command, actor=actor, card=card, run=run,
                process=process)
