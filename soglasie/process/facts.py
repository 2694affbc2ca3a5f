"""The facts about a card that routing and validation rules are evaluated on."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sqlalchemy import select

from soglasie.models import Card, CostItem, Department, User


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


def card_facts(session: Session, card: Card) -> dict:
    """The condition fields of rule files (see `soglasie.rulebook.conditions`) for `card`."""
    cost_item = session.get(CostItem, card.cost_item_id) if card.cost_item_id else None
    return {
        **initiator_facts(session, session.get(User, card.initiator_id), card.department_id),
        "process": card.kind,
        "amount": card.amount,
        "cost_item": cost_item.code if cost_item else "",
        "counterparty_inn": card.counterparty.inn,
        "has_contract": card.contract_id is not None,
        "has_hard_deadline": card.hard_deadline is not None,
    }
