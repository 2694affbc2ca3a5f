"""Filing a payment request (SPEC process 1): validate everything, then save and start the run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import ValidationError, t
from soglasie.models import Attachment, Card, CostItem, Counterparty
from soglasie.process.engine import start_run
from soglasie.rulebook.model import Text
from soglasie.services.common import Upload, load_actor, parse_deadline, process_context
from soglasie.validation import clean_amount, clean_inn, clean_text


@dataclass
class Created:
    """The new card's id and the warnings validation rules raised (the card was saved)."""

    card_id: int
    stage: str
    warnings: list[Text] = field(default_factory=list)


def find_counterparty(session: Session, inn_raw: str | None, field_name: str = "counterparty_inn") -> Counterparty:
    """The active counterparty with this INN, or a ValidationError naming the field."""
    inn = clean_inn(inn_raw, field_name)
    counterparty = session.scalars(select(Counterparty).where(Counterparty.inn == inn)).first()
    if counterparty is None or not counterparty.active:
        raise ValidationError(
            t("Контрагент с таким ИНН не найден в справочнике.", "No counterparty with this INN in the directory."),
            field_name,
        )
    return counterparty


def find_cost_item(session: Session, code: str | None) -> CostItem:
    """The active cost item with this code, or a ValidationError."""
    code = (code or "").strip()
    if not code:
        raise ValidationError(t("Выберите статью затрат.", "Choose a cost item."), "cost_item")
    item = session.scalars(select(CostItem).where(CostItem.code == code)).first()
    if item is None or not item.active:
        raise ValidationError(t("Нет такой статьи затрат.", "Unknown cost item."), "cost_item")
    return item


def create_payment_request(
    core: Core, actor_id: int, now: dt.datetime, *, counterparty_inn: str | None, amount, cost_item: str | None,
    invoice: Upload | None, deadline=None, comment: str | None = None, contract_id=None,
) -> Created:
    """File a payment request and start its process; on any error nothing is written."""
    calendar = core.rulebook.calendar
    amount_value = clean_amount(amount)
    hard_deadline = parse_deadline(deadline, "deadline", calendar)
    if hard_deadline is not None and hard_deadline <= now:
        raise ValidationError(t("Крайний срок уже прошёл.", "The deadline is in the past."), "deadline")
    comment_text = clean_text(comment, "comment")
    if invoice is None:
        raise ValidationError(t("Приложите счёт на оплату.", "Attach the invoice."), "invoice")
    checked = core.store.check(invoice.data, invoice.filename, "invoice")
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        card = Card(
            kind="payment", initiator_id=actor.id, department_id=actor.department_id,
            counterparty_id=find_counterparty(session, counterparty_inn).id,
            cost_item_id=find_cost_item(session, cost_item).id, amount=amount_value,
            hard_deadline=hard_deadline, comment=comment_text,
            contract_id=_contract_id(contract_id), stage="draft", created_at=now, updated_at=now,
        )
        session.add(card)
        session.flush()
        session.add(Attachment(
            card_id=card.id, purpose="invoice", sha256=checked.sha256, size=checked.size,
            content_type=checked.content_type, original_name=checked.original_name,
            uploaded_by_id=actor.id, uploaded_at=now))
        outcome = start_run(session, process_context(core), card, actor, now)
        # The bytes go to disk last, inside the transaction: a failure above leaves no file.
        core.store.save(invoice.data, invoice.filename, "invoice")
        return Created(card.id, outcome.stage, outcome.warnings)


def _contract_id(raw) -> int | None:
    """Payments against contracts arrive with the contracts issue; until then none is accepted."""
    if raw in (None, ""):
        return None
    raise ValidationError(t("Договоры пока не поддерживаются.", "Contracts are not supported yet."), "contract_id")
