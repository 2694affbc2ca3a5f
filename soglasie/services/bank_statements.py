"""Statements in: each outgoing document of a bank statement confirms the request it paid (docs/operations.md).

A document is outgoing when it has `ДатаСписано`. It is matched to a request at the payment
stage by the request's mark `SGL-<id>` in its purpose, else by the payee's INN + account +
amount when exactly one request fits. A match attaches the statement (the document's section
as the attachment's comment) to the stage's confirmation task — the one whose rule file
`requires_attachment` — and completes it through the engine with the uploader as actor; with
the chief accountant's task done the request becomes paid. A request whose statement is
already attached is `already_confirmed`, so the same statement twice changes nothing. The
whole file is parsed before anything is written: a malformed one changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.bank_exchange import REQUEST_MARK, StatementDocument, parse_amount, read_statement
from soglasie.core import Core
from soglasie.errors import PermissionDenied, ValidationError
from soglasie.i18n import _
from soglasie.models import Attachment, Card, Counterparty, ProcessRun, Task, User
from soglasie.process import permissions
from soglasie.process.definitions import task_definition
from soglasie.process.engine import Command, execute
from soglasie.services.common import load_actor, process_context
from soglasie.services.payment_orders import payment_stage_cards

PURPOSE = "bank_statement"  # the attachment purpose of a statement confirming a payment
UPLOAD_ROLES = ("junior_accountant", "chief_accountant")
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Report:
    """The answer: the four lists the API returns."""

    matched: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    ambiguous: list[dict] = field(default_factory=list)
    already_confirmed: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The JSON body."""
        return {"matched": self.matched, "unmatched": self.unmatched, "ambiguous": self.ambiguous,
                "already_confirmed": self.already_confirmed}


def import_statement(core: Core, actor_id: int | None, data: bytes, filename: str | None, now: dt.datetime) -> dict:
    """Read the statement and confirm the requests it pays; one transaction, nothing written on any error.

    `actor_id` None: the bank-inbox job (no user uploads), each task completed in its assignee's name.
    """
    if actor_id is not None:
        with core.db.read() as session:
            _require_uploader(load_actor(session, actor_id))
    if not data:
        raise ValidationError(_("The file is empty or missing."), "file")
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is too large."), "file")
    statement = read_statement(data)
    outgoing = [document for document in statement.documents if document.values.get("ДатаСписано")]
    report = Report()
    with core.db.write() as session:
        actor = _require_uploader(load_actor(session, actor_id)) if actor_id is not None else None
        waiting = {card.id: card for card in payment_stage_cards(session, core.rulebook)}
        confirmed = set(session.scalars(select(Attachment.card_id).where(Attachment.purpose == PURPOSE)))
        matches = []
        for document in outgoing:
            card_id = _classify(session, document, waiting, confirmed, report)
            if card_id is not None:
                confirmed.add(card_id)
                matches.append((waiting[card_id], document))
        if matches:
            stored = core.store.save_typed(data, filename or "statement.txt", "text/plain")
            for card, document in matches:
                _confirm(session, core, actor, card, document, stored, now)
        return report.as_dict()


def _require_uploader(actor: User) -> User:
    """Accountants upload statements (each completion is then checked against the task, deny by default)."""
    if not actor.has_role(*UPLOAD_ROLES):
        raise PermissionDenied(_("Only accountants upload bank statements."))
    return actor


def _entry(document: StatementDocument, **extra) -> dict:
    return {"document_number": document.values.get("Номер"),
            "amount": f"{parse_amount(document.values['Сумма'], document.line):.2f}", **extra}


def _classify(session: Session, document: StatementDocument, waiting: dict[int, Card], confirmed: set[int],
              report: Report) -> int | None:
    """Put the document in its list; the id of the request it confirms now, if any."""
    mark = REQUEST_MARK.search(document.values.get("НазначениеПлатежа", ""))
    if mark is not None:
        card_id = int(mark.group(1))
        if card_id in confirmed:
            report.already_confirmed.append(_entry(document, request_id=card_id))
        elif card_id in waiting:
            report.matched.append(_entry(document, request_id=card_id))
            return card_id
        else:
            report.unmatched.append(_entry(document, line=document.line))
        return None
    fits = _by_details(session, document, waiting)
    open_fits = [card_id for card_id in fits if card_id not in confirmed]
    if len(open_fits) == 1:
        report.matched.append(_entry(document, request_id=open_fits[0]))
        return open_fits[0]
    if len(open_fits) > 1:
        report.ambiguous.append(_entry(document, line=document.line, request_ids=open_fits))
    elif fits:
        report.already_confirmed.append(_entry(document, request_id=fits[0]))
    else:
        report.unmatched.append(_entry(document, line=document.line))
    return None


def _by_details(session: Session, document: StatementDocument, waiting: dict[int, Card]) -> list[int]:
    """Requests at the payment stage to the payee's INN and account, of exactly the amount."""
    values = document.values
    amount = parse_amount(values["Сумма"], document.line)
    inn, account = values.get("ПолучательИНН", ""), values.get("ПолучательСчет") or values.get("ПолучательРасчСчет")
    parties = {row.id for row in session.scalars(select(Counterparty).where(Counterparty.inn == inn,
                                                                           Counterparty.account == account))}
    return [card.id for card in waiting.values() if card.counterparty_id in parties and card.amount == amount]


def _confirmation_task(session: Session, core: Core, card: Card) -> Task | None:
    """The open task of the payment stage whose rule file asks for the bank's confirmation (requires_attachment)."""
    run = session.get(ProcessRun, card.current_run_id)
    process = core.rulebook.process(run.process)
    tasks = session.scalars(select(Task).where(Task.run_id == run.id, Task.stage == run.stage).order_by(Task.id))
    return next((task for task in tasks if task.is_open and task_definition(process, task).requires_attachment),
                None)


def _confirm(session: Session, core: Core, uploader: User | None, card: Card, document: StatementDocument, stored,
             now: dt.datetime) -> None:
    """Attach the statement to the confirmation task and complete it as the uploader (None: as its assignee)."""
    task = _confirmation_task(session, core, card)
    if task is None:
        raise ValidationError(_("Request %(id)s has no open task waiting for the bank's confirmation.", id=card.id),
                              "file", code="no_confirmation_task")
    actor = uploader or session.get(User, task.assignee_id)
    definition = task_definition(core.rulebook.process(card.kind), task)
    refusal = permissions.task_refusal(actor, task, definition, "complete")
    if refusal is not None:
        raise refusal
    session.add(Attachment(card_id=card.id, task_id=task.id, purpose=PURPOSE, sha256=stored.sha256, size=stored.size,
                           content_type=stored.content_type, original_name=stored.original_name,
                           comment=document.text, uploaded_by_id=actor.id, uploaded_at=now))
    session.flush()
    day = document.values["ДатаСписано"]
    comment = _("Payment confirmed by the bank statement of %(date)s.", date=day).get(actor.locale)
    execute(session, process_context(core), Command("complete", actor.id, now, task_id=task.id, comment=comment))
