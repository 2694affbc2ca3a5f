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

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from soglasie.errors import NotFound, ValidationError
from soglasie.i18n import _
from soglasie.models import OPEN_STATUSES, Card, ProcessRun, SlaEvent, Task, TimelineEvent, User
from soglasie.notifications.outbox import TELEGRAM, queue_edits
from soglasie.process import durations, permissions
from soglasie.process.commands import Command, Outcome, ProcessContext
from soglasie.process.conditions import CARD, TASK, Situation, first_refusal
from soglasie.process.definitions import find_task_definition, task_definition
from soglasie.process.notices import LOCKED_RUNS, remember_chain_head
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
    session.info.setdefault(LOCKED_RUNS, set()).add(run_id)
    return run


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _actor(session: Session, actor_id: int) -> User:
    # The permissions read the actor's roles: one joined SELECT rather than the default selectin's two.
    actor = session.get(User, actor_id, options=(joinedload(User.role_rows),))
    if actor is None or not actor.active:
        raise NotFound(_("User not found or disabled."), "actor")
    return actor


# A task command's one read: the task, its run (locked: FOR UPDATE OF the run on PostgreSQL), its card with
# the initiator and counterparty the messages name, the card's chain head and the task's SLA reminders and
# escalations (for its durations row), and how many other tasks of its stage are open (is the stage done
# after it?). Built once; the task id is its only parameter.
_CHAIN_HEAD = (select(TimelineEvent.hash).where(TimelineEvent.card_id == Card.id)
               .order_by(TimelineEvent.id.desc()).limit(1).correlate(Card).scalar_subquery())
_SIBLING = aliased(Task)
_OTHER_OPEN_TASKS = (select(func.count(_SIBLING.id))
                     .where(_SIBLING.run_id == Task.run_id, _SIBLING.stage == Task.stage, _SIBLING.id != Task.id,
                            _SIBLING.status.in_(OPEN_STATUSES)).correlate(Task).scalar_subquery())
_TASK_STEP = (
    select(Task, ProcessRun, Card, _CHAIN_HEAD, _OTHER_OPEN_TASKS, *(
        select(func.count(SlaEvent.id)).where(SlaEvent.task_id == Task.id, SlaEvent.kind == kind)
        .correlate(Task).scalar_subquery() for kind in durations.SLA_FIRED))
    .join(ProcessRun, ProcessRun.id == Task.run_id).join(Card, Card.id == Task.card_id)
    .where(Task.id == bindparam("task_id"))
    .options(joinedload(Card.initiator).lazyload(User.role_rows), joinedload(Card.counterparty))
    .with_for_update(of=ProcessRun)
    .execution_options(populate_existing=True)
)


def _load_task_step(session: Session, context: ProcessContext, command: Command) -> Step:
    actor = _actor(session, command.actor_id)
    row = session.execute(_TASK_STEP, {"task_id": command.task_id}).one_or_none() \
        if command.task_id is not None else None
    if row is None:
        raise NotFound(_("Task not found."), "task")
    task, run, card, head, others, *fired = row
    session.info.setdefault(LOCKED_RUNS, set()).add(run.id)
    current = _is_sqlite(session)  # BEGIN IMMEDIATE held the write lock before this read: all of it is current
    if current:
        remember_chain_head(session, card.id, head)
        durations.remember_fired(session, task.id, fired)
    else:  # PostgreSQL: the run's row lock is taken now, a concurrent writer may have just committed
        session.refresh(task)
        session.refresh(card)
    if not (task.assignee_id == actor.id or permissions.can_view(session, actor, card)):
        raise NotFound(_("Task not found."), "task")
    process = context.rulebook.process(run.process)
    definition = task_definition(process, task)
    return Step(session=session, context=context, command=command, actor=actor, card=card, run=run,
                process=process, task=task, definition=definition, other_open_tasks=others if current else None)


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
