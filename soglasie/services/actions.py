"""Acting on tasks and cards: thin wrappers that turn a surface's call into an engine command."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from soglasie.attachments import StoredFile
from soglasie.core import Core
from soglasie.errors import NotFound, PermissionDenied
from soglasie.i18n import _
from soglasie.models import Attachment, Card, ProcessRun, Task
from soglasie.process import permissions
from soglasie.process.engine import Command, Outcome, execute
from soglasie.process.notices import NoticeWriter
from soglasie.services.common import Upload, command_transaction, load_actor, process_context, run_command


def take_into_work(core: Core, actor_id: int, task_id: int, now: dt.datetime) -> Outcome:
    """Mark a task as started (stops the "not taken into work" SLA clock)."""
    return run_command(core, Command("take_into_work", actor_id, now, task_id=task_id))


def approve(core: Core, actor_id: int, task_id: int, now: dt.datetime, comment: str | None = None) -> Outcome:
    """Approve an approval task (the operations manager may do it on the assignee's behalf)."""
    return run_command(core, Command("approve", actor_id, now, task_id=task_id, comment=comment))


def reject(core: Core, actor_id: int, task_id: int, now: dt.datetime, reason: str | None) -> Outcome:
    """Reject with a mandatory reason: the run ends; the initiator may rework and restart."""
    return run_command(core, Command("reject", actor_id, now, task_id=task_id, comment=reason))


def request_documents(core: Core, actor_id: int, task_id: int, now: dt.datetime, comment: str | None) -> Outcome:
    """Ask the initiator for documents; timers pause until he answers."""
    return run_command(core, Command("request_documents", actor_id, now, task_id=task_id, comment=comment))


def complete(core: Core, actor_id: int, task_id: int, now: dt.datetime, comment: str | None = None) -> Outcome:
    """Complete a work task (pay, attach the payment order, sign, provide documents)."""
    return run_command(core, Command("complete", actor_id, now, task_id=task_id, comment=comment))


def answer_documents(core: Core, actor_id: int, task_id: int, now: dt.datetime, comment: str | None = None,
                     files: list[Upload] = ()) -> Outcome:
    """The initiator's answer to a documents request: files and/or a comment, then back to the stage.

    Every file is checked before anything is written, and the files are attached in the same
    transaction that completes the task: a bad file or a refused completion changes nothing.
    """
    checked = _check_files(core, files)
    with command_transaction(core) as session:
        _attach(session, core, actor_id, task_id, checked, now)
        outcome = execute(session, process_context(core),
                          Command("complete", actor_id, now, task_id=task_id, comment=comment))
        _store(core, files)
        return outcome


def freeze(core: Core, actor_id: int, card_id: int, now: dt.datetime, comment: str | None = None) -> Outcome:
    """Pause a request: no timers run until it is unfrozen."""
    return run_command(core, Command("freeze", actor_id, now, card_id=card_id, comment=comment))


def unfreeze(core: Core, actor_id: int, card_id: int, now: dt.datetime, comment: str | None = None) -> Outcome:
    """Return a frozen request to the stage it left, timers resuming with the time left."""
    return run_command(core, Command("unfreeze", actor_id, now, card_id=card_id, comment=comment))


def restart(core: Core, actor_id: int, card_id: int, now: dt.datetime) -> Outcome:
    """Start a new run of a rejected request (history kept)."""
    return run_command(core, Command("restart", actor_id, now, card_id=card_id))


def attach_file(core: Core, actor_id: int, task_id: int, upload: Upload, now: dt.datetime,
                purpose: str | None = None) -> int:
    """Attach a file to an open task of one's own (e.g. the payment order); returns its id."""
    return attach_files(core, actor_id, task_id, [upload], now, purpose)[0]


def attach_files(core: Core, actor_id: int, task_id: int, uploads: list[Upload], now: dt.datetime,
                 purpose: str | None = None) -> list[int]:
    """Attach files to an open task of one's own, all or none (each checked before any is stored)."""
    checked = _check_files(core, uploads)
    with core.db.write() as session:
        ids = _attach(session, core, actor_id, task_id, checked, now, purpose)
        _store(core, uploads)
        return ids


def _check_files(core: Core, uploads: list[Upload]) -> list[StoredFile]:
    """Every upload checked (size, type by content) before anything is written."""
    return [core.store.check(upload.data, upload.filename, "file") for upload in uploads]


def _store(core: Core, uploads: list[Upload]) -> None:
    """Put the checked uploads' bytes in the store, last thing before the transaction commits."""
    for upload in uploads:
        core.store.save(upload.data, upload.filename, "file")


def _attach(session: Session, core: Core, actor_id: int, task_id: int, checked: list[StoredFile],
            now: dt.datetime, purpose: str | None = None) -> list[int]:
    """Attachment rows and timeline entries for checked files on the actor's open task."""
    if not checked:
        return []
    actor = load_actor(session, actor_id)
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(_("Task not found."), "task")
    card = session.get(Card, task.card_id)
    if task.assignee_id != actor.id:
        permissions.require_view(session, actor, card)
        raise PermissionDenied(_("Only the task's assignee attaches files to it."))
    if not task.is_open:
        raise PermissionDenied(_("The task is already closed."), code="already_done")
    notices = NoticeWriter(session, process_context(core), card, now)
    ids = []
    for stored in checked:
        attachment = Attachment(
            card_id=card.id, task_id=task.id, purpose=purpose or task.kind, sha256=stored.sha256,
            size=stored.size, content_type=stored.content_type, original_name=stored.original_name,
            uploaded_by_id=actor.id, uploaded_at=now)
        session.add(attachment)
        session.flush()
        notices.timeline(session.get(ProcessRun, task.run_id), actor, "attachment_added",
                         task=task, comment=stored.original_name, data={"attachment_id": attachment.id})
        ids.append(attachment.id)
    return ids
