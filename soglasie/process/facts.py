"""The facts about a card that routing and validation rules are evaluated on."""

from __future__ import annotations

from sqlalchemy.orm import Session

from decimal import Decimal

from sqlalchemy import func, select

from soglasie.models import Card, CostItem, Department, User

# Payments that no longer count against a contract's amount.
NOT_COUNTED_STAGES = ("rejected",)


def initiator_facts(session: Session, initiator: User, department_id: int | None) -> dict:
    """The facts that come from who files the card: his login and department code."""
    department = session.get(Department, department_id) if department_id else None
    return {"initiator": initiator.login, "department": department.code if department else ""}


def initiator_facts_by_login(session: Session, login: str) -> dict:
    """`initiator_facts` for the user `login` in his current department (`rules simulate`)."""
    user = session.scalars(select(User).where(User.login == login)).first()
    if user is None:
        raise LookupError(f"no user with login {login!r}")
    return initiator_facts(session, user, user.department_id)


def contract_committed(session: Session, contract_id: int, exclude_card_id: int | None = None) -> Decimal:
    """The sum of payments against a contract that count: paid and in flight (not rejected)."""
    query = select(func.coalesce(func.sum(Card.amount), 0)).where(
        Card.contract_id == contract_id, Card.stage.not_in(NOT_COUNTED_STAGES))
    if exclude_card_id is not None:
        query = query.where(Card.id != exclude_card_id)
    return Decimal(session.scalar(query)).quantize(Decimal("0.01"))  # the sum keeps the Money type: rubles


def card_facts(session: Session, card: Card) -> dict:
    """The condition fields of rule files (see `soglasie.rulebook.conditions`) for `card`."""
    cost_item = session.get(CostItem, card.cost_item_id) if card.cost_item_id else None
    facts = {
        **initiator_facts(session, session.get(User, card.initiator_id), card.department_id),
        "process": card.kind,
        **({"amount": card.amount} if card.amount is not None else {}),
        "cost_item": cost_item.code if cost_item else "",
        "counterparty_inn": card.counterparty.inn if card.counterparty else "",
        "has_contract": card.contract_id is not None,
        "has_hard_deadline": card.hard_deadline is not None,
    }
    if card.contract_id is not None:
        contract = session.get(Card, card.contract_id)
        remaining = contract.amount - contract_committed(session, contract.id, exclude_card_id=card.id)
        facts["contract_remaining"] = remaining
        facts["exceeds_contract_remaining"] = card.amount is not None and card.amount > remaining
    return facts
