"""Contracts (the contract approval process): filing, every version of the document kept, payments against them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soglasie.attachments import StoredFile
from soglasie.core import Core
from soglasie.errors import NotFound, ValidationError, t
from soglasie.models import Attachment, Card, ContractVersion, Counterparty, User
from soglasie.process import permissions
from soglasie.process.facts import NOT_COUNTED_STAGES
from soglasie.process.engine import Command, execute, start_run
from soglasie.process.notices import NoticeWriter
from soglasie.services.common import Created, Upload, load_actor, process_context
from soglasie.services.directory import find_counterparty
from soglasie.validation import clean_amount, clean_text

MAX_SUBJECT = 500


def _parse_date(raw, field: str) -> dt.date:
    text = str(raw or "").strip()
    if not text:
        raise ValidationError(t("Укажите дату.", "The date is required."), field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(t("Неверная дата (нужно ГГГГ-ММ-ДД).", "Invalid date (YYYY-MM-DD expected)."),
                              field) from None


def _add_version(session: Session, card: Card, actor: User, stored: StoredFile, comment: str,
                 now: dt.datetime) -> ContractVersion:
    """Store one more version row (never replacing one) with its attachment."""
    number = 1 + (session.scalar(select(func.max(ContractVersion.number))
                                 .where(ContractVersion.card_id == card.id)) or 0)
    attachment = Attachment(card_id=card.id, purpose="contract_version", sha256=stored.sha256, size=stored.size,
                            content_type=stored.content_type, original_name=stored.original_name,
                            comment=comment, uploaded_by_id=actor.id, uploaded_at=now)
    session.add(attachment)
    session.flush()
    version = ContractVersion(card_id=card.id, number=number, attachment_id=attachment.id, comment=comment,
                              uploaded_by_id=actor.id, uploaded_at=now)
    session.add(version)
    session.flush()
    return version


def create_contract(core: Core, actor_id: int, now: dt.datetime, *, counterparty_inn: str | None, subject: str | None,
                    amount, valid_from, valid_to, document: Upload | None, comment: str | None = None) -> Created:
    """File a contract for approval with its first document version; nothing is written on error."""
    subject_text = clean_text(subject, "subject", required=True, max_length=MAX_SUBJECT)
    amount_value = clean_amount(amount)
    start, end = _parse_date(valid_from, "valid_from"), _parse_date(valid_to, "valid_to")
    if end < start:
        raise ValidationError(t("Дата окончания раньше даты начала.", "The end date is before the start date."),
                              "valid_to")
    comment_text = clean_text(comment, "comment")
    if document is None:
        raise ValidationError(t("Приложите договор.", "Attach the contract document."), "document")
    stored = core.store.check(document.data, document.filename, "document")
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        card = Card(kind="contract", initiator_id=actor.id, department_id=actor.department_id,
                    counterparty_id=find_counterparty(session, counterparty_inn).id, amount=amount_value,
                    subject=subject_text, valid_from=start, valid_to=end, comment=comment_text,
                    stage="draft", created_at=now, updated_at=now)
        session.add(card)
        session.flush()
        _add_version(session, card, actor, stored, comment_text, now)
        outcome = start_run(session, process_context(core), card, actor, now)
        core.store.save(document.data, document.filename, "document")
        return Created(card.id, outcome.stage, outcome.warnings)


def add_version(core: Core, actor_id: int, card_id: int, document: Upload | None, now: dt.datetime,
                comment: str | None = None) -> dict:
    """Upload a new version; after an approval it sends the contract back to head approval.

    Returns {"version": N, "stage": S, "restarted": whether the approvals started over}.
    """
    comment_text = clean_text(comment, "comment")
    if document is None:
        raise ValidationError(t("Приложите новую версию договора.", "Attach the new version of the contract."),
                              "document")
    stored = core.store.check(document.data, document.filename, "document")
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        card = session.get(Card, card_id)
        if card is None or card.kind != "contract":
            raise NotFound(t("Договор не найден.", "Contract not found."))
        permissions.require_view(session, actor, card)
        run_before = card.current_run_id
        version = _add_version(session, card, actor, stored, comment_text, now)
        NoticeWriter(session, process_context(core), card, now).timeline(
            None, actor, "version_added", comment=comment_text or None,
            data={"version": version.number, "sha256": stored.sha256, "size": stored.size})
        outcome = execute(session, process_context(core), Command("new_version", actor.id, now, card_id=card.id,
                                                                  comment=f"v{version.number}"))
        core.store.save(document.data, document.filename, "document")
        return {"version": version.number, "stage": outcome.stage, "restarted": card.current_run_id != run_before}


def check_payable_contract(session: Session, contract_id, counterparty_id: int, actor: User, now: dt.datetime,
                           tz) -> Card:
    """The contract a payment may reference: signed, valid today, same counterparty, visible."""
    try:
        card = session.get(Card, int(contract_id))
    except (TypeError, ValueError):
        raise ValidationError(t("Неверный номер договора.", "Invalid contract id."), "contract_id") from None
    if card is None or card.kind != "contract" or not permissions.can_view(session, actor, card):
        raise ValidationError(t("Договор не найден.", "Contract not found."), "contract_id")
    if card.stage != "signed":
        raise ValidationError(t("Договор ещё не подписан.", "The contract is not signed yet."), "contract_id")
    if card.counterparty_id != counterparty_id:
        raise ValidationError(t("Договор заключён с другим контрагентом.",
                                "The contract is with another counterparty."), "contract_id")
    today = now.astimezone(tz).date()
    if not (card.valid_from <= today <= card.valid_to):
        raise ValidationError(t("Договор сегодня не действует.", "The contract is not valid today."), "contract_id")
    return card


def payable_contracts(core: Core, actor_id: int, now: dt.datetime, limit: int = 200) -> list[dict]:
    """The contracts the actor may pay against today (signed, valid, visible), with what is left of each.

    For the payment form's picker; `check_payable_contract` stays the rule when the request is filed.
    """
    today = now.astimezone(core.rulebook.calendar.tz).date()
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        rows = session.execute(
            select(Card.id, Card.subject, Card.amount, Card.valid_to, Counterparty.id, Counterparty.inn,
                   Counterparty.name)
            .join(Counterparty, Counterparty.id == Card.counterparty_id)
            .where(Card.kind == "contract", Card.stage == "signed", Card.valid_from <= today, Card.valid_to >= today,
                   permissions.visible_cards_clause(session, actor))
            .order_by(Counterparty.name, Card.valid_to, Card.id).limit(limit)).all()
        committed = dict(session.execute(
            select(Card.contract_id, func.sum(Card.amount))
            .where(Card.kind == "payment", Card.contract_id.in_([row[0] for row in rows]),
                   Card.stage.not_in(NOT_COUNTED_STAGES))
            .group_by(Card.contract_id)).all()) if rows else {}
    result = []
    for card_id, subject, amount, valid_to, counterparty_id, inn, name in rows:
        spent = committed.get(card_id) or 0
        result.append({"id": card_id, "subject": subject, "amount": f"{amount:.2f}", "committed": f"{spent:.2f}",
                       "remaining": f"{amount - spent:.2f}", "valid_to": valid_to.isoformat(),
                       "counterparty": {"id": counterparty_id, "inn": inn, "name": name}})
    return result
