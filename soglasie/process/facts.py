"""The facts about a card that routing and validation rules are evaluated on."""

from __future__ import annotations

from sqlalchemy.orm import Session

from soglasie.models import Card, CostItem, Department, User


def card_facts(session: Session, card: Card) -> dict:
    """The condition fields of rule files (see `soglasie.rulebook.conditions`) for `card`."""
    initiator = session.get(User, card.initiator_id)
    department = session.get(Department, card.department_id) if card.department_id else None
    cost_item = session.get(CostItem, card.cost_item_id) if card.cost_item_id else None
    facts = {
        "process": card.kind,
        "amount": card.amount,
        "cost_item": cost_item.code if cost_item else "",
        "department": department.code if department else "",
        "counterparty_inn": card.counterparty.inn,
        "initiator": initiator.login,
        "has_contract": card.contract_id is not None,
        "has_hard_deadline": card.hard_deadline is not None,
    }
    return facts
