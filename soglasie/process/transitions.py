"""The transitions: each action declared once — where it applies from, who may, its guards — beside its effect.

Each `Transition` in `TRANSITIONS` is data (the vocabulary is `soglasie.process.conditions`):
the engine checks a command against it and derives "what may this viewer do now" from it.
An effect receives a `Step` whose run is already locked and whose checks all passed; it
changes the state through `set_stage`/`enter_stage`/`start_run`, the only stage writers.
No stage is named here: sources refer to the route, the terminal and the side stages.
"""

from __future__ import annotations

from sqlalchemy import func, select

from soglasie.errors import Conflict, DomainError, ValidationError
from soglasie.i18n import _, gendered
from soglasie.models import OPEN_STATUSES, Attachment, ContractVersion, ProcessRun, Task
from soglasie.process import budgets, clock, duplicates, durations
from soglasie.process.conditions import (CARD, ROUTE, TASK, TERMINAL, Guard, Refusal, Situation, Source, Step,
                                         Transition, assignee_or_on_behalf, card_actions_roles)
from soglasie.process.definitions import PROVIDE_DOCUMENTS
from soglasie.process.stages import enter_stage, set_stage, start_run
from soglasie.rulebook.model import DOCUMENTS_REQUESTED, FROZEN, REJECTED, ProcessDefinition

__all__ = ["TRANSITIONS", "Step"]


# --- where task actions apply from, and the guards on their input -----------------------------

# A task is current while the run is at the task's stage; from elsewhere each side stage says why not.
_TASK_NOT_CURRENT = Refusal(Conflict, "stale", _("This task is no longer current."))
_TASK_AT = {FROZEN: Refusal(Conflict, "frozen", gendered("The %(noun)s is frozen.")),
            DOCUMENTS_REQUESTED: Refusal(Conflict, "waiting_for_documents", gendered(
                "The %(noun)s is waiting for documents."))}
# A task action on a decided task (a lost race: reload), and taking a started task into work again.
_DECIDED = Refusal(Conflict, "stale", _("The task has already been decided — reload the page."))
_ALREADY_STARTED = Refusal(Conflict, "already_started", _("The task is already in work."))
ON_ROUTE = Source(frozenset({ROUTE}), _TASK_NOT_CURRENT, _TASK_AT)
ON_ROUTE_OR_DOCUMENTS = Source(frozenset({ROUTE, DOCUMENTS_REQUESTED}), _TASK_NOT_CURRENT, _TASK_AT)


def _task_transition(action: str, effect, source: Source, statuses=OPEN_STATUSES, *guards: Guard) -> Transition:
    """A task action: its assignee or an on-behalf role may take it, on an open task of `statuses`."""
    return Transition(action, TASK, effect, source, assignee_or_on_behalf, task_statuses=statuses, guards=guards,
                      decided=_DECIDED, other_status=_ALREADY_STARTED)


def _comment(step: Step) -> str:
    return (step.command.comment or "").strip()


def _has_attachment(step: Situation) -> bool:
    return step.session.scalar(select(Attachment.id).where(Attachment.task_id == step.task.id).limit(1)) is not None


def _reason_given(step: Step) -> DomainError | None:
    if _comment(step):
        return None
    return ValidationError(_("A reason is required to reject."), "reason",
                           code="reason_required")


def _documents_named(step: Step) -> DomainError | None:
    if _comment(step):
        return None
    return ValidationError(_("Say which documents are needed."), "comment",
                           code="comment_required")


def _answer_given(step: Step) -> DomainError | None:
    """The initiator answers a documents request with files or words (the provide_documents task only)."""
    if step.task.kind != PROVIDE_DOCUMENTS.kind or _comment(step) or _has_attachment(step):
        return None
    return ValidationError(_("Attach the documents or write an answer."),
                           "comment", code="answer_required")


def _attachment_given(step: Step) -> DomainError | None:
    """A `requires_attachment` task (the payment order, the signed scan) is not completed without its file."""
    if not step.definition.requires_attachment or _has_attachment(step):
        return None
    title = step.definition.title  # e.g. "Attach the payment order…", "Sign … and attach the scan"
    return ValidationError(_("Attach the file first: \"%(task)s\" cannot be completed without it.", task=title), "file",
                           code="attachment_required")


# --- task transitions ----------------------------------------------------------------------


def _take_into_work(step: Step) -> None:
    task = step.task
    task.status, task.started_at = "started", step.command.now
    policy = step.process.stage(task.stage).sla
    if policy is not None and not clock.is_running_on_clock(task, policy):
        clock.pause(task, step.context.rulebook.calendar, step.command.now)
    step.notices.timeline(step.run, step.actor, "taken_into_work", task=task, on_behalf_of_id=step.on_behalf_of_id)


TAKE_INTO_WORK = _task_transition("take_into_work", _take_into_work, ON_ROUTE, ("open",))


def _decide_task(step: Step, outcome: str, comment: str | None) -> None:
    task, now = step.task, step.command.now
    clock.pause(task, step.context.rulebook.calendar, now)
    task.status, task.outcome, task.comment = "done", outcome, comment
    task.decided_at, task.decided_by_id = now, step.actor.id
    if task.started_at is None:
        task.started_at = now
    durations.record_task(step.session, step.context.rulebook.calendar, step.run, step.card, task, now,
                          on_behalf=step.on_behalf_of_id is not None)


def _document_version(step: Step) -> dict:
    """{"version": N} of the document being decided on, for cards that keep versions.

    Only a versioned document has version rows (soglasie.services.documents): other cards skip the query.
    """
    spec = step.process.card.document
    if spec is None or not spec.versioned:
        return {}
    number = step.session.scalar(
        select(func.max(ContractVersion.number)).where(ContractVersion.card_id == step.card.id))
    return {"version": number} if number else {}


def _approve(step: Step) -> None:
    # The budget check at this stage (if the policy lists it): locks the budget line, may refuse.
    verdict = budgets.lock_and_check(step.session, step.context.rulebook, step.card, step.task.stage, step.actor,
                                     step.command.comment, step.command.now)
    step.warnings.extend(verdict.warnings)
    _decide_task(step, "approved", step.command.comment)
    step.notices.timeline(step.run, step.actor, "approved", task=step.task, comment=step.command.comment,
                          on_behalf_of_id=step.on_behalf_of_id, data={**_document_version(step), **verdict.override})
    if step.on_behalf_of_id is not None:
        step.notices.approved_on_behalf(step.task, step.actor)
    duplicates.record_acknowledgement(step)
    _advance_if_stage_done(step)


# A possible duplicate invoice: refused under `block`; at an `acknowledge_at` stage approved only with a comment.
APPROVE = _task_transition("approve", _approve, ON_ROUTE, OPEN_STATUSES,
                           Guard("duplicate_acknowledged", duplicates.approval_refusal, on_input=True))


def _complete(step: Step) -> None:
    if step.task.kind == PROVIDE_DOCUMENTS.kind:
        return _provide_documents(step)
    _decide_task(step, "completed", step.command.comment)
    step.notices.timeline(step.run, step.actor, "completed", task=step.task, comment=step.command.comment,
                          on_behalf_of_id=step.on_behalf_of_id, data=_document_version(step))
    _advance_if_stage_done(step)


def _reject(step: Step) -> None:
    reason = _comment(step)
    _decide_task(step, "rejected", reason)
    _cancel_open_tasks(step)
    set_stage(step.run, step.card, REJECTED, step.command.now)
    durations.record_run(step.session, step.context.rulebook.calendar, step.run, step.card, step.command.now,
                         "rejected")
    step.run.finished_at = step.command.now
    step.notices.timeline(step.run, step.actor, "rejected", task=step.task, comment=reason,
                          on_behalf_of_id=step.on_behalf_of_id)
    step.notices.rejected(step.run, step.task.stage, reason)


REJECT = _task_transition("reject", _reject, ON_ROUTE, OPEN_STATUSES,
                          Guard("reason_required", _reason_given, on_input=True))


def _request_documents(step: Step) -> None:
    comment = _comment(step)
    run, now = step.run, step.command.now
    _pause_open_tasks(step)
    run.asking_stage = run.stage
    set_stage(run, step.card, DOCUMENTS_REQUESTED, now)
    step.notices.timeline(run, step.actor, "documents_requested", task=step.task, comment=comment,
                          on_behalf_of_id=step.on_behalf_of_id)
    seq = 1 + (step.session.scalar(select(func.count(Task.id)).where(
        Task.run_id == run.id, Task.kind == PROVIDE_DOCUMENTS.kind)) or 0)
    answer = Task(run_id=run.id, card_id=step.card.id, stage=DOCUMENTS_REQUESTED, kind=PROVIDE_DOCUMENTS.kind,
                  seq=seq, assignee_id=step.card.initiator_id, status="open", created_at=now, comment=comment)
    step.session.add(answer)
    step.session.flush()
    step.notices.documents_requested(answer, comment)


REQUEST_DOCUMENTS = _task_transition("request_documents", _request_documents, ON_ROUTE, OPEN_STATUSES,
                                     Guard("comment_required", _documents_named, on_input=True))


def _provide_documents(step: Step) -> None:
    comment = _comment(step)
    _decide_task(step, "completed", comment or None)
    run, now = step.run, step.command.now
    back_to = run.asking_stage
    set_stage(run, step.card, back_to, now)
    run.asking_stage = None
    _resume_open_tasks(step)
    step.notices.timeline(run, step.actor, "documents_provided", task=step.task, comment=comment or None)
    step.notices.documents_provided(run, back_to, comment)


# Completing a task: a task of the route, or the initiator's answer at the documents side stage.
COMPLETE = _task_transition("complete", _complete, ON_ROUTE_OR_DOCUMENTS, OPEN_STATUSES,
                            Guard("answer_required", _answer_given, on_input=True),
                            Guard("attachment_required", _attachment_given, on_input=True))


# --- card transitions ----------------------------------------------------------------------


def _freeze(step: Step) -> None:
    run = step.run
    _pause_open_tasks(step)
    run.resume_stage = run.stage
    set_stage(run, step.card, FROZEN, step.command.now)
    step.notices.timeline(run, step.actor, "frozen", comment=step.command.comment)
    step.notices.frozen(run, step.command.comment, step.actor)


# A card in progress may be frozen: at a stage of its route or waiting for documents (not finished, not rejected).
FREEZE = Transition("freeze", CARD, _freeze, Source(frozenset({ROUTE, DOCUMENTS_REQUESTED}), Refusal(
    Conflict, "wrong_stage", gendered("This %(noun)s cannot be frozen now."))),
    card_actions_roles)


def _unfreeze(step: Step) -> None:
    run = step.run
    set_stage(run, step.card, run.resume_stage, step.command.now)
    run.resume_stage = None
    if run.stage != DOCUMENTS_REQUESTED:
        _resume_open_tasks(step)
    else:  # the initiator's answer counts again; the run stays held until he gives it
        for task in _open_tasks(step, DOCUMENTS_REQUESTED):
            durations.release(task, step.context.rulebook.calendar, step.command.now)
    step.notices.timeline(run, step.actor, "unfrozen", comment=step.command.comment)
    step.notices.unfrozen(run, step.actor)


UNFREEZE = Transition("unfreeze", CARD, _unfreeze, Source(frozenset({FROZEN}), Refusal(
    Conflict, "wrong_stage", gendered("The %(noun)s is not frozen."))), card_actions_roles)


def _restart(step: Step) -> None:
    outcome = start_run(step.session, step.context, step.card, step.actor, step.command.now)
    step.run = step.session.get(ProcessRun, step.card.current_run_id)
    step.warnings = outcome.warnings


RESTART = Transition("restart", CARD, _restart, Source(frozenset({REJECTED}), Refusal(
    Conflict, "wrong_stage", gendered("Only a rejected %(noun)s can be restarted."))), card_actions_roles)


def _new_version(step: Step) -> None:
    """A new document version: after any approval in this run, the approvals start over.

    The version itself (file and row) is written by the caller in the same transaction; here
    only the process reacts. A signed contract is final; a frozen one is unfrozen first.
    """
    run = step.run
    decided = step.session.scalar(select(func.count(Task.id)).where(
        Task.run_id == run.id, Task.outcome.in_(("approved", "completed")), Task.kind != PROVIDE_DOCUMENTS.kind))
    if run.stage == REJECTED or not decided:
        return  # nothing approved yet (or already rejected): the new text simply replaces the old
    _cancel_open_tasks(step)
    run.finished_at = step.command.now
    durations.record_run(step.session, step.context.rulebook.calendar, run, step.card, step.command.now, "revised")
    outcome = start_run(step.session, step.context, step.card, step.actor, step.command.now, event="revised",
                        comment=step.command.comment)
    step.run = step.session.get(ProcessRun, step.card.current_run_id)
    step.warnings = outcome.warnings


def _versioned_document(situation: Situation) -> DomainError | None:
    """Only a process whose main document keeps versions takes a new version."""
    spec = situation.process.card.document
    if spec is not None and spec.versioned:
        return None
    return ValidationError(_("This card's document has no versions."),
                           "document", code="not_versioned")


_FINAL = Refusal(Conflict, "final", gendered(
    "The %(noun)s is %(terminal)s: a new version means a new %(noun)s or an amendment."))
# A signed card is final; a frozen one is unfrozen first; a rejected one simply takes the new text.
NEW_VERSION = Transition("new_version", CARD, _new_version, Source(
    frozenset({ROUTE, DOCUMENTS_REQUESTED, REJECTED}), _FINAL,
    {TERMINAL: _FINAL, FROZEN: Refusal(Conflict, "frozen", gendered(
        "The %(noun)s is frozen — unfreeze it first."))}),
    card_actions_roles, guards=(Guard("versioned_document", _versioned_document),))


# --- helpers shared by the transitions ----------------------------------------------------------


def _stage_ids(process: ProcessDefinition) -> set[str]:
    return {stage.id for stage in process.stages}


def _open_tasks(step: Step, stage: str | None = None) -> list[Task]:
    query = select(Task).where(Task.run_id == step.run.id, Task.status.in_(OPEN_STATUSES))
    if stage is not None:
        query = query.where(Task.stage == stage)
    return list(step.session.scalars(query))


def _pause_open_tasks(step: Step) -> None:
    durations.hold(step.run, step.command.now)
    for task in _open_tasks(step):
        clock.pause(task, step.context.rulebook.calendar, step.command.now)
        durations.hold(task, step.command.now)


def _resume_open_tasks(step: Step) -> None:
    calendar = step.context.rulebook.calendar
    durations.release(step.run, calendar, step.command.now)
    for task in _open_tasks(step, step.run.stage):
        durations.release(task, calendar, step.command.now)
        if task.stage in _stage_ids(step.process):
            clock.resume(task, step.process.stage(task.stage).sla, calendar, step.command.now)


def _cancel_open_tasks(step: Step) -> None:
    for task in _open_tasks(step):
        clock.pause(task, step.context.rulebook.calendar, step.command.now)
        task.status, task.outcome = "cancelled", "cancelled"
        durations.record_task(step.session, step.context.rulebook.calendar, step.run, step.card, task,
                              step.command.now)


def _advance_if_stage_done(step: Step) -> None:
    """When every task of the stage is done, move to the next stage of the run's route."""
    run = step.run
    # The engine counted the stage's other open tasks with the task, under the lock; an approval or a
    # completion opens or closes no other task before it gets here. Else ask the database.
    if step.other_open_tasks is not None and step.task is not None and step.task.stage == run.stage:
        if step.other_open_tasks:
            return
    elif _open_tasks(step, run.stage):
        return
    route = list(run.route)
    position = route.index(run.stage)
    next_stage = route[position + 1] if position + 1 < len(route) else step.process.terminal
    enter_stage(step.session, step.context, step.notices, step.process, run, next_stage, step.command.now)


# The one table of actions: the engine executes from it, the surfaces' buttons are derived from it.
TRANSITIONS: dict[str, Transition] = {transition.action: transition for transition in (
    TAKE_INTO_WORK, APPROVE, REJECT, REQUEST_DOCUMENTS, COMPLETE, FREEZE, UNFREEZE, RESTART, NEW_VERSION)}
