"""The transitions: for each action, its guards and what it writes (stage, tasks, timeline, outbox).

Each function receives a `Step` whose run is already locked and whose actor is already
authorised (see `soglasie.process.engine`); it raises a DomainError naming its reason, or
changes the state through `set_stage`/`enter_stage`/`start_run`, the only stage writers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soglasie.errors import Conflict, ValidationError, t
from soglasie.models import OPEN_STATUSES, Attachment, Card, ContractVersion, ProcessRun, Task, User
from soglasie.process import clock
from soglasie.process.commands import Command, ProcessContext
from soglasie.process.notices import NoticeWriter
from soglasie.process.definitions import PROVIDE_DOCUMENTS
from soglasie.process.stages import enter_stage, set_stage, start_run
from soglasie.rulebook.model import DOCUMENTS_REQUESTED, FROZEN, REJECTED, ProcessDefinition, TaskDefinition, Text


@dataclass
class Step:
    """The loaded, locked objects of one command, as the transitions see them."""

    session: Session
    context: ProcessContext
    command: Command
    actor: User
    card: Card
    run: ProcessRun
    process: ProcessDefinition
    task: Task | None = None
    definition: TaskDefinition | None = None
    on_behalf_of_id: int | None = None
    warnings: list[Text] = field(default_factory=list)

    @property
    def notices(self) -> NoticeWriter:
        """A writer of timeline rows and messages about this card, at the command's instant."""
        return NoticeWriter(self.session, self.context, self.card, self.command.now)


# --- guards: each names its reason ------------------------------------------------------------


def guard_task_is_current(step: Step) -> None:
    task, run = step.task, step.run
    if task.status not in OPEN_STATUSES:
        raise Conflict(t("Задача уже выполнена — обновите страницу.",
                         "The task has already been decided — reload the page."), code="stale")
    if run.stage == FROZEN:
        raise Conflict(t("Заявка заморожена.", "The request is frozen."), code="frozen")
    if run.stage != task.stage:
        raise Conflict(t("Заявка ждёт документы от инициатора.", "The request is waiting for documents.")
                       if run.stage == DOCUMENTS_REQUESTED else
                       t("Эта задача больше не актуальна.", "This task is no longer current."), code="stale")


def _required_comment(step: Step, field_name: str) -> str:
    comment = (step.command.comment or "").strip()
    if not comment:
        message = (t("Укажите причину отклонения.", "A reason is required to reject.") if field_name == "reason"
                   else t("Напишите, какие документы нужны.", "Say which documents are needed."))
        raise ValidationError(message, field_name)
    return comment


def _has_attachment(step: Step) -> bool:
    return step.session.scalar(select(Attachment.id).where(Attachment.task_id == step.task.id).limit(1)) is not None


# --- task transitions ----------------------------------------------------------------------


def _take_into_work(step: Step) -> None:
    task = step.task
    if task.status != "open":
        raise Conflict(t("Задача уже в работе.", "The task is already in work."), code="stale")
    task.status, task.started_at = "started", step.command.now
    policy = step.process.stage(task.stage).sla
    if policy is not None and not clock.is_running_on_clock(task, policy):
        clock.pause(task, step.context.rulebook.calendar, step.command.now)
    step.notices.timeline(step.run, step.actor, "taken_into_work", task=task, on_behalf_of_id=step.on_behalf_of_id)


def _decide_task(step: Step, outcome: str, comment: str | None) -> None:
    task, now = step.task, step.command.now
    clock.pause(task, step.context.rulebook.calendar, now)
    task.status, task.outcome, task.comment = "done", outcome, comment
    task.decided_at, task.decided_by_id = now, step.actor.id
    if task.started_at is None:
        task.started_at = now


def _document_version(step: Step) -> dict:
    """{"version": N} of the document being decided on, for cards that keep versions."""
    number = step.session.scalar(
        select(func.max(ContractVersion.number)).where(ContractVersion.card_id == step.card.id))
    return {"version": number} if number else {}


def _approve(step: Step) -> None:
    _decide_task(step, "approved", step.command.comment)
    step.notices.timeline(step.run, step.actor, "approved", task=step.task, comment=step.command.comment,
                          on_behalf_of_id=step.on_behalf_of_id, data=_document_version(step))
    if step.on_behalf_of_id is not None:
        step.notices.approved_on_behalf(step.task, step.actor)
    _advance_if_stage_done(step)


def _complete(step: Step) -> None:
    if step.task.kind == PROVIDE_DOCUMENTS.kind:
        return _provide_documents(step)
    if step.definition.requires_attachment and not _has_attachment(step):
        title = step.definition.title  # e.g. "Attach the payment order…", "Sign … and attach the scan"
        raise ValidationError(t(f"Сначала приложите файл — задача «{title.ru}» без него не завершается.",
                                f"Attach the file first: \"{title.en}\" cannot be completed without it."), "file")
    _decide_task(step, "completed", step.command.comment)
    step.notices.timeline(step.run, step.actor, "completed", task=step.task, comment=step.command.comment,
                          on_behalf_of_id=step.on_behalf_of_id, data=_document_version(step))
    _advance_if_stage_done(step)


def _reject(step: Step) -> None:
    reason = _required_comment(step, "reason")
    _decide_task(step, "rejected", reason)
    _cancel_open_tasks(step)
    set_stage(step.run, step.card, REJECTED, step.command.now)
    step.run.finished_at = step.command.now
    step.notices.timeline(step.run, step.actor, "rejected", task=step.task, comment=reason,
                          on_behalf_of_id=step.on_behalf_of_id)
    step.notices.rejected(step.run, step.task.stage, reason)


def _request_documents(step: Step) -> None:
    comment = _required_comment(step, "comment")
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


def _provide_documents(step: Step) -> None:
    comment = (step.command.comment or "").strip()
    if not comment and not _has_attachment(step):
        raise ValidationError(t("Приложите документы или напишите ответ.",
                                "Attach the documents or write an answer."), "comment")
    _decide_task(step, "completed", comment or None)
    run, now = step.run, step.command.now
    back_to = run.asking_stage
    set_stage(run, step.card, back_to, now)
    run.asking_stage = None
    _resume_open_tasks(step)
    step.notices.timeline(run, step.actor, "documents_provided", task=step.task, comment=comment or None)
    step.notices.documents_provided(run, back_to, comment)


# --- card transitions ----------------------------------------------------------------------


def _freeze(step: Step) -> None:
    run = step.run
    if run.stage in (FROZEN, REJECTED) or run.finished_at is not None:
        raise Conflict(t("Эту заявку нельзя заморозить сейчас.", "This request cannot be frozen now."), code="stale")
    _pause_open_tasks(step)
    run.resume_stage = run.stage
    set_stage(run, step.card, FROZEN, step.command.now)
    step.notices.timeline(run, step.actor, "frozen", comment=step.command.comment)
    step.notices.frozen(run, step.command.comment, step.actor)


def _unfreeze(step: Step) -> None:
    run = step.run
    if run.stage != FROZEN:
        raise Conflict(t("Заявка не заморожена.", "The request is not frozen."), code="stale")
    set_stage(run, step.card, run.resume_stage, step.command.now)
    run.resume_stage = None
    if run.stage != DOCUMENTS_REQUESTED:
        _resume_open_tasks(step)
    step.notices.timeline(run, step.actor, "unfrozen", comment=step.command.comment)
    step.notices.unfrozen(run, step.actor)


def _restart(step: Step) -> None:
    if step.run.stage != REJECTED:
        raise Conflict(t("Перезапустить можно только отклонённую заявку.",
                         "Only a rejected request can be restarted."), code="stale")
    outcome = start_run(step.session, step.context, step.card, step.actor, step.command.now)
    step.run = step.session.get(ProcessRun, step.card.current_run_id)
    step.warnings = outcome.warnings


def _new_version(step: Step) -> None:
    """A new document version: after any approval in this run, the approvals start over.

    The version itself (file and row) is written by the caller in the same transaction; here
    only the process reacts. A signed contract is final; a frozen one is unfrozen first.
    """
    run = step.run
    if run.stage == step.process.terminal:
        raise Conflict(t("Договор уже подписан: новая версия — это новый договор или допсоглашение.",
                         "The contract is signed: a new version means a new contract or an amendment."), code="final")
    if run.stage == FROZEN:
        raise Conflict(t("Договор заморожен — сначала разморозьте.", "The contract is frozen — unfreeze it first."),
                       code="frozen")
    decided = step.session.scalar(select(func.count(Task.id)).where(
        Task.run_id == run.id, Task.outcome.in_(("approved", "completed")), Task.kind != PROVIDE_DOCUMENTS.kind))
    if run.stage == REJECTED or not decided:
        return  # nothing approved yet (or already rejected): the new text simply replaces the old
    _cancel_open_tasks(step)
    run.finished_at = step.command.now
    outcome = start_run(step.session, step.context, step.card, step.actor, step.command.now, event="revised",
                        comment=step.command.comment)
    step.run = step.session.get(ProcessRun, step.card.current_run_id)
    step.warnings = outcome.warnings


# --- helpers shared by the transitions ----------------------------------------------------------


def _stage_ids(process: ProcessDefinition) -> set[str]:
    return {stage.id for stage in process.stages}


def _open_tasks(step: Step, stage: str | None = None) -> list[Task]:
    query = select(Task).where(Task.run_id == step.run.id, Task.status.in_(OPEN_STATUSES))
    if stage is not None:
        query = query.where(Task.stage == stage)
    return list(step.session.scalars(query))


def _pause_open_tasks(step: Step) -> None:
    for task in _open_tasks(step):
        clock.pause(task, step.context.rulebook.calendar, step.command.now)


def _resume_open_tasks(step: Step) -> None:
    calendar = step.context.rulebook.calendar
    for task in _open_tasks(step, step.run.stage):
        if task.stage in _stage_ids(step.process):
            clock.resume(task, step.process.stage(task.stage).sla, calendar, step.command.now)


def _cancel_open_tasks(step: Step) -> None:
    for task in _open_tasks(step):
        clock.pause(task, step.context.rulebook.calendar, step.command.now)
        task.status, task.outcome = "cancelled", "cancelled"


def _advance_if_stage_done(step: Step) -> None:
    """When every task of the stage is done, move to the next stage of the run's route."""
    run = step.run
    if _open_tasks(step, run.stage):
        return
    route = list(run.route)
    position = route.index(run.stage)
    next_stage = route[position + 1] if position + 1 < len(route) else step.process.terminal
    enter_stage(step.session, step.context, step.notices, step.process, run, next_stage, step.command.now)


TRANSITIONS = {
    "take_into_work": _take_into_work,
    "approve": _approve,
    "reject": _reject,
    "request_documents": _request_documents,
    "complete": _complete,
    "freeze": _freeze,
    "unfreeze": _unfreeze,
    "restart": _restart,
    "new_version": _new_version,
}
