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
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.bank_exchange import REQUEST_MARK, Statement, StatementDocument, parse_amount, read_statement
from soglasie.core import Core
from soglasie.errors import Conflict, PermissionDenied, ValidationError
from soglasie.i18n import _
from soglasie.models import OPEN_STATUSES, Attachment, Card, Counterparty, PaymentOrder, Task, User
from soglasie.process import permissions
from soglasie.process.definitions import task_definition
from soglasie.process.engine import Command, execute
from soglasie.process.notices import CHUNK, prime_chain_heads
from soglasie.services.common import load_actor, process_context
from soglasie.services.company import load_company, paying_account
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
    The batch is set-based up to the engine: the candidates, their payees, confirmation tasks and
    assignees are read in a few queries and matched in memory, the statement is stored once and
    referenced by every attachment row; then each match is one engine transition (`_confirm_all`).
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
        by_details = _details_index(session, waiting, outgoing)
        paid_from = _paying_accounts(session, core.rulebook, waiting)
        matches = _match(statement, outgoing, waiting, by_details, paid_from, confirmed, report)
        if matches:
            _confirm_all(session, core, actor, matches, data, filename, now)
        return report.as_dict()


def _match(statement: Statement, outgoing: list[StatementDocument], waiting: dict[int, Card],
           by_details: dict[tuple, list[int]], paid_from: dict[int, str | None], confirmed: set[int],
           report: Report) -> list[tuple[Card, StatementDocument]]:
    """Classify every document (the report's lists) in memory; the (request, document) pairs to confirm.

    A document matches only requests paid from the account it was paid from (`_payer_account`).
    """
    by_payer: dict[str | None, dict[int, Card]] = {None: waiting}
    matches = []
    for document in outgoing:
        payer = _payer_account(statement, document)
        if payer not in by_payer:
            by_payer[payer] = {card_id: card for card_id, card in waiting.items()
                               if paid_from[card_id] in (None, payer)}
        card_id = _classify(document, by_payer[payer], by_details, confirmed, report)
        if card_id is not None:
            confirmed.add(card_id)
            matches.append((waiting[card_id], document))
    return matches


def _require_uploader(actor: User) -> User:
    """Accountants upload statements (each completion is then checked against the task, deny by default)."""
    if not actor.has_role(*UPLOAD_ROLES):
        raise PermissionDenied(_("Only accountants upload bank statements."))
    return actor


def _entry(document: StatementDocument, **extra) -> dict:
    return {"document_number": document.values.get("Номер"),
            "amount": f"{parse_amount(document.values['Сумма'], document.line):.2f}", **extra}


def _classify(document: StatementDocument, waiting: dict[int, Card], by_details: dict[tuple, list[int]],
              confirmed: set[int], report: Report) -> int | None:
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
    fits = [card_id for card_id in by_details.get(_payee_key(document), []) if card_id in waiting]
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


def _payer_account(statement: Statement, document: StatementDocument) -> str | None:
    """The account the document was paid from: its payer's, else the statement's (None: not named)."""
    values = document.values
    return values.get("ПлательщикСчет") or values.get("ПлательщикРасчСчет") or statement.header.get("РасчСчет") \
        or next((section["РасчСчет"] for section in statement.accounts if section.get("РасчСчет")), None)


def _paying_accounts(session: Session, rulebook, waiting: dict[int, Card]) -> dict[int, str | None]:
    """Each waiting request's paying account number (`paying_account`); None when it cannot be told (no
    requisites yet), and then any statement may match it, as before accounts were chosen by rules."""
    orders = {order.card_id: order for order in session.scalars(
        select(PaymentOrder).where(PaymentOrder.card_id.in_(list(waiting))))} if waiting else {}
    company = load_company(session)
    accounts: dict[int, str | None] = {}
    for card_id, card in waiting.items():
        try:
            accounts[card_id] = paying_account(session, rulebook, card, company, orders.get(card_id)).account
        except Conflict:
            accounts[card_id] = None
    return accounts


def _payee_key(document: StatementDocument) -> tuple[str, str, Decimal]:
    """The payee's INN, account and the amount: what identifies a request without its mark."""
    values = document.values
    account = values.get("ПолучательСчет") or values.get("ПолучательРасчСчет")
    return values.get("ПолучательИНН", ""), account, parse_amount(values["Сумма"], document.line)


def _details_index(session: Session, waiting: dict[int, Card], documents: list[StatementDocument]) -> dict:
    """Requests at the payment stage by (payee INN, payee account, amount): one query for all the payees."""
    inns = {_payee_key(document)[0] for document in documents}
    parties = {row.id: (row.inn, row.account)
               for row in session.scalars(select(Counterparty).where(Counterparty.inn.in_(inns)))} if inns else {}
    index: dict[tuple, list[int]] = {}
    for card in waiting.values():
        if card.counterparty_id in parties:
            index.setdefault((*parties[card.counterparty_id], card.amount), []).append(card.id)
    return index


def _confirmation_tasks(session: Session, core: Core, cards: list[Card]) -> dict[int, Task]:
    """Each card's open task of the payment stage whose rule file asks for the bank's confirmation
    (`requires_attachment`), read in one query per chunk of runs."""
    runs = {card.current_run.id: card.current_run for card in cards}
    found: dict[int, Task] = {}
    ids = sorted(runs)
    for start in range(0, len(ids), CHUNK):
        tasks = session.scalars(select(Task).where(Task.run_id.in_(ids[start:start + CHUNK]),
                                                   Task.status.in_(OPEN_STATUSES)).order_by(Task.id))
        for task in tasks:
            run = runs[task.run_id]
            if task.stage == run.stage and task.card_id not in found and task.is_open and \
                    task_definition(core.rulebook.process(run.process), task).requires_attachment:
                found[task.card_id] = task
    return found


def _confirm_all(session: Session, core: Core, uploader: User | None, matches: list, data: bytes,
                 filename: str | None, now: dt.datetime) -> None:
    """Attach the statement to every match's confirmation task and complete each through the engine.

    Every refusal is found before anything is written; the statement's bytes are stored once and
    each attachment row refers to them by hash; the runs and cards are locked and their timeline
    heads read in a few queries (`prime_chain_heads`), then each completion is one `execute` —
    the one transition function, with its checks, timeline and outbox — in this one transaction.
    """
    tasks = _confirmation_tasks(session, core, [card for card, _document in matches])
    assignees = {user.id: user for user in session.scalars(
        select(User).where(User.id.in_({task.assignee_id for task in tasks.values()})))}
    for card, _document in matches:
        task = tasks.get(card.id)
        if task is None:
            raise ValidationError(_("Request %(id)s has no open task waiting for the bank's confirmation.",
                                    id=card.id), "file", code="no_confirmation_task")
        actor = uploader or assignees[task.assignee_id]
        refusal = permissions.task_refusal(actor, task, task_definition(core.rulebook.process(card.kind), task),
                                           "complete")
        if refusal is not None:
            raise refusal
    stored = core.store.save_typed(data, filename or "statement.txt", "text/plain")
    prime_chain_heads(session, [card.id for card, _document in matches])
    for card, document in matches:
        task = tasks[card.id]
        session.add(Attachment(card_id=card.id, task_id=task.id, purpose=PURPOSE, sha256=stored.sha256,
                               size=stored.size, content_type=stored.content_type,
                               original_name=stored.original_name, comment=document.text,
                               uploaded_by_id=(uploader or assignees[task.assignee_id]).id, uploaded_at=now))
    session.flush()
    context = process_context(core)
    for card, document in matches:
        actor = uploader or assignees[tasks[card.id].assignee_id]
        comment = _("Payment confirmed by the bank statement of %(date)s.",
                    date=document.values["ДатаСписано"]).get(actor.locale)
        execute(session, context, Command("complete", actor.id, now, task_id=tasks[card.id].id, comment=comment))
