"""Versioned main documents (a contract's text): every version kept, a new one restarts the approvals.

A process whose `card.document` is `versioned: true` keeps each upload as a numbered
version with who uploaded it and when; no version is ever replaced (docs/rules.md, "The card").
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from soglasie.attachments import StoredFile
from soglasie.core import Core
from soglasie.errors import Conflict, NotFound, ValidationError
from soglasie.i18n import _, gendered
from soglasie.nouns import noun_params
from soglasie.models import Attachment, Card, ContractVersion, ProcessRun, User
from soglasie.process import permissions
from soglasie.process.engine import Command, execute, lock_current_run
from soglasie.process.notices import NoticeWriter
from soglasie.services.common import Upload, command_transaction, load_actor, process_context
from soglasie.validation import clean_text


def add_document_version(session: Session, card: Card, actor: User, stored: StoredFile, purpose: str, comment: str,
                         now: dt.datetime) -> ContractVersion:
    """Store one more version row (never replacing one) with its attachment."""
    number = 1 + (session.scalar(select(func.max(ContractVersion.number))
                                 .where(ContractVersion.card_id == card.id)) or 0)
    attachment = Attachment(card_id=card.id, purpose=purpose, sha256=stored.sha256, size=stored.size,
                            content_type=stored.content_type, original_name=stored.original_name,
                            comment=comment, uploaded_by_id=actor.id, uploaded_at=now)
    session.add(attachment)
    session.flush()
    version = ContractVersion(card_id=card.id, number=number, attachment_id=attachment.id, comment=comment,
                              uploaded_by_id=actor.id, uploaded_at=now)
    session.add(version)
    session.flush()
    return version


def add_version(core: Core, actor_id: int, card_id: int, document: Upload | None, now: dt.datetime,
                comment: str | None = None, process_id: str | None = None) -> dict:
    """Upload a new version of the card's document; after an approval it sends the card back to the start.

    `process_id` narrows the card to one process (the legacy /contracts routes). Returns
    {"version": N, "stage": S, "restarted": whether the approvals started over}.
    """
    comment_text = clean_text(comment, "comment")
    try:
        return _add_version(core, actor_id, card_id, document, now, comment_text, process_id)
    except IntegrityError:  # another upload took the number (cannot happen under the run lock: belt and braces)
        raise Conflict(_("Someone else just changed this task — reload the page."), code="stale") from None


def _add_version(core: Core, actor_id: int, card_id: int, document: Upload | None, now: dt.datetime,
                 comment_text: str, process_id: str | None) -> dict:
    with command_transaction(core) as session:
        actor = load_actor(session, actor_id)
        card = session.get(Card, card_id)
        process = core.rulebook.processes.get(card.kind) if card is not None else None
        if process is None or (process_id is not None and card.kind != process_id) \
                or not permissions.can_view(session, actor, card):
            raise not_found_card(core, process_id)
        spec = process.card.document
        if spec is None or not spec.versioned:
            raise ValidationError(_("This card's document has no versions."),
                                  "document")
        if document is None:
            raise ValidationError(_("Attach the new version of the %(noun_gen)s.", **noun_params(process)), "document")
        stored = core.store.check(document.data, document.filename, "document")
        lock_current_run(session, card)  # versions are numbered one at a time (a concurrent upload waits here)
        run_before = card.current_run_id
        version = add_document_version(session, card, actor, stored, spec.purpose, comment_text, now)
        NoticeWriter(session, process_context(core), card, now).timeline(
            None, actor, "version_added", comment=comment_text or None,
            data={"version": version.number, "sha256": stored.sha256, "size": stored.size})
        outcome = execute(session, process_context(core), Command("new_version", actor.id, now, card_id=card.id,
                                                                  comment=f"v{version.number}"))
        core.store.save(document.data, document.filename, "document")
        run = session.get(ProcessRun, card.current_run_id)
        NoticeWriter(session, process_context(core), card, now).version_added(run, version, actor)
        return {"version": version.number, "stage": outcome.stage, "restarted": card.current_run_id != run_before}


def not_found_card(core: Core, process_id: str | None) -> NotFound:
    """"Not found" in the process's own words ("Договор не найден"); without a process, a neutral one."""
    process = core.rulebook.processes.get(process_id) if process_id else None
    if process is None:
        return NotFound(_("Card not found."))
    return NotFound(gendered("%(Noun)s not found.", **noun_params(process)))
