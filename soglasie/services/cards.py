"""Filing a card of any process in the rule files: validate its declared fields, save it, start its run.

The process file's `card:` section says which fields the card has and which are required
(docs/rules.md, "The card"); everything here asks it, so a new process needs no code.
Nothing is written when any field is wrong; the main document's bytes reach the disk last.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from soglasie.core import Core
from soglasie.errors import NotFound, ValidationError
from soglasie.i18n import _
from soglasie.invoices import clean_invoice
from soglasie.models import Attachment, Card
from soglasie.nouns import lowercase_first
from soglasie.process.engine import start_run
from soglasie.rulebook.model import CardSpec, ProcessDefinition, RuleBook
from soglasie.services.contract_links import check_payable_contract
from soglasie.services.company import check_paying_account
from soglasie.services.common import Created, Upload, load_actor, parse_deadline, process_context
from soglasie.services.directory import add_counterparty, clean_counterparty, find_cost_item, find_counterparty
from soglasie.services.documents import add_document_version
from soglasie.validation import clean_amount, clean_text

MAX_SUBJECT = 500
INVOICE_INPUTS = ("invoice_number", "invoice_date", "vat_rate", "vat_amount")  # CardInput's invoice fields


@dataclass
class CardInput:
    """What a surface received for a new card; which fields count is the process's business."""

    counterparty_inn: str | None = None
    new_counterparty: dict | None = None  # {name, inn, kpp?, bik?, account?}: add it with the card
    amount: Any = None
    cost_item: str | None = None
    subject: str | None = None
    valid_from: Any = None
    valid_to: Any = None
    deadline: Any = None
    comment: str | None = None
    contract_id: Any = None
    document: Upload | None = None
    document_field: str = "document"  # the form/API field of the file, for error messages
    invoice_number: str | None = None
    invoice_date: Any = None  # YYYY-MM-DD, not in the future
    vat_rate: str | None = None  # one of the process's `card.vat.rates` ("22", "exempt", …)
    vat_amount: Any = None  # computed from the amount and the rate when not given
    # The portal's form: the invoice fields the rule file requires must be there (the API may omit them).
    asked_by_form: bool = False
    extra: dict = field(default_factory=dict)


def find_process(rulebook: RuleBook, process_id: str | None, field_name: str = "process") -> ProcessDefinition:
    """The process declared in the rule files, or NotFound naming the field (never a fallback)."""
    try:
        return rulebook.process(process_id or "")
    except KeyError:
        known = ", ".join(sorted(rulebook.processes))
        raise NotFound(_("No such process: %(process)r (known: %(known)s).", process=process_id, known=known),
                       field_name) from None


def create_card(core: Core, actor_id: int, now: dt.datetime, process_id: str, data: CardInput) -> Created:
    """File a card of `process_id` and start its run; on any error nothing is written."""
    process = find_process(core.rulebook, process_id)
    spec = process.card
    values = _clean_fields(spec, data, core, now)
    checked = _check_document(core, process, data)
    details = clean_counterparty(**data.new_counterparty) \
        if data.new_counterparty is not None and spec.uses("counterparty") else None
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        counterparty = _counterparty(session, actor, now, spec, data, details)
        contract = _contract(session, process, data, counterparty, actor, now, core)
        cost_item = _cost_item(session, spec, data)
        card = Card(kind=process.id, initiator_id=actor.id, department_id=actor.department_id,
                    counterparty_id=counterparty.id if counterparty else None,
                    cost_item_id=cost_item.id if cost_item else None,
                    contract_id=contract.id if contract else None,
                    stage="draft", created_at=now, updated_at=now, **values)
        session.add(card)
        session.flush()
        if checked is not None:
            _attach_document(session, process, card, actor, checked, values["comment"], now)
        check_paying_account(session, core.rulebook, card)
        outcome = start_run(session, process_context(core), card, actor, now)
        if checked is not None:  # the bytes go to disk last, inside the transaction
            core.store.save(data.document.data, data.document.filename, data.document_field)
        return Created(card.id, outcome.stage, outcome.warnings)


def _clean_fields(spec: CardSpec, data: CardInput, core: Core, now: dt.datetime) -> dict:
    """The card's own columns, validated in the order the form shows them."""
    values: dict = {"comment": clean_text(data.comment, "comment")}
    if spec.uses("amount") and (spec.requires("amount") or _given(data.amount)):
        values["amount"] = clean_amount(data.amount)
    if spec.uses("subject"):
        subject = clean_text(data.subject, "subject", required=spec.requires("subject"), max_length=MAX_SUBJECT)
        values["subject"] = subject or None
    if spec.uses("validity"):
        start, end = parse_date(data.valid_from, "valid_from"), parse_date(data.valid_to, "valid_to")
        if end < start:
            raise ValidationError(_("The end date is before the start date."),
                                  "valid_to")
        values.update(valid_from=start, valid_to=end)
    if spec.uses("deadline"):
        deadline = parse_deadline(data.deadline, "deadline", core.rulebook.calendar)
        if deadline is None and spec.requires("deadline"):
            raise ValidationError(_("The deadline is required."), "deadline")
        if deadline is not None and deadline <= now:
            raise ValidationError(_("The deadline is in the past."), "deadline")
        values["hard_deadline"] = deadline
    invoice = clean_invoice(spec, {name: getattr(data, name) for name in INVOICE_INPUTS}, values.get("amount"),
                            now, core.rulebook.calendar.tz, enforce_required=data.asked_by_form)
    values.update(vars(invoice))
    return values


def _given(raw) -> bool:
    return raw is not None and str(raw).strip() != ""


def parse_date(raw, field_name: str) -> dt.date:
    """A calendar date written as YYYY-MM-DD (required)."""
    text = str(raw or "").strip()
    if not text:
        raise ValidationError(_("The date is required."), field_name)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_("Invalid date (YYYY-MM-DD expected)."),
                              field_name) from None


def _check_document(core: Core, process: ProcessDefinition, data: CardInput):
    """The main document checked (type, size) before anything is written; None when there is none."""
    document = process.card.document
    if document is None or data.document is None:
        if document is not None and document.required:
            title = document.title
            raise ValidationError(_("Attach the %(document)s.",
                                    document=lambda locale: lowercase_first(title.get(locale))), data.document_field)
        return None
    return core.store.check(data.document.data, data.document.filename, data.document_field)


def _counterparty(session, actor, now, spec: CardSpec, data: CardInput, details):
    if not spec.uses("counterparty"):
        return None
    if details is not None:
        return add_counterparty(session, actor, now, details)
    if not spec.requires("counterparty") and not _given(data.counterparty_inn):
        return None
    return find_counterparty(session, data.counterparty_inn)


def _cost_item(session, spec: CardSpec, data: CardInput):
    if not spec.uses("cost_item") or (not spec.requires("cost_item") and not _given(data.cost_item)):
        return None
    return find_cost_item(session, data.cost_item)


def _contract(session, process: ProcessDefinition, data: CardInput, counterparty, actor, now, core: Core):
    if process.card.contract_process is None or not _given(data.contract_id):
        return None
    return check_payable_contract(session, core.rulebook, process, data.contract_id,
                                  counterparty.id if counterparty else None, actor, now)


def _attach_document(session, process: ProcessDefinition, card: Card, actor, checked, comment: str, now) -> None:
    document = process.card.document
    if document.versioned:
        add_document_version(session, card, actor, checked, document.purpose, comment, now)
        return
    session.add(Attachment(
        card_id=card.id, purpose=document.purpose, sha256=checked.sha256, size=checked.size,
        content_type=checked.content_type, original_name=checked.original_name,
        uploaded_by_id=actor.id, uploaded_at=now))
