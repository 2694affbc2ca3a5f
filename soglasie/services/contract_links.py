"""Cards that reference a contract: which contracts a card may be paid against, and what is left of them.

A process whose file says `card.contract: {process: P}` (payment requests → contracts) may
reference a card of P that reached P's terminal stage (signed), is valid today and is with
the same counterparty; what its cards commit counts against the contract's amount
(docs/rules.md, "The card").
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import ValidationError
from soglasie.i18n import _
from soglasie.models import Card, Counterparty, User
from soglasie.process import permissions
from soglasie.process.facts import NOT_COUNTED_STAGES
from soglasie.rulebook.model import ProcessDefinition, RuleBook
from soglasie.services.common import load_actor
from soglasie.validation import clean_id


def check_payable_contract(session: Session, rulebook: RuleBook, payer: ProcessDefinition, contract_id,
                           counterparty_id: int | None, actor: User, now: dt.datetime) -> Card:
    """The contract a card of `payer` may reference: signed, valid today, same counterparty, visible."""
    contracts = rulebook.process(payer.card.contract_process)
    card = session.get(Card, clean_id(contract_id, "contract_id", _("Invalid contract id.")))
    if card is None or card.kind != contracts.id or not permissions.can_view(session, actor, card):
        raise ValidationError(_("Contract not found."), "contract_id")
    if card.stage != contracts.terminal:
        raise ValidationError(_("The contract is not signed yet."), "contract_id")
    if card.counterparty_id != counterparty_id:
        raise ValidationError(_("The contract is with another counterparty."), "contract_id")
    today = now.astimezone(rulebook.calendar.tz).date()
    if card.valid_from is not None and not (card.valid_from <= today <= card.valid_to):
        raise ValidationError(_("The contract is not valid today."), "contract_id")
    return card


def payable_contracts(core: Core, actor_id: int, now: dt.datetime, limit: int = 200,
                      *, payer: str) -> list[dict]:
    """The contracts the actor may pay against today (signed, valid, visible), with what is left of each.

    For the form's picker of a `payer` card; `check_payable_contract` stays the rule when it is filed.
    """
    paying = core.rulebook.processes.get(payer)
    if paying is None or paying.card.contract_process is None:
        return []
    contracts = core.rulebook.process(paying.card.contract_process)
    today = now.astimezone(core.rulebook.calendar.tz).date()
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        rows = session.execute(
            select(Card.id, Card.subject, Card.amount, Card.valid_to, Counterparty.id, Counterparty.inn,
                   Counterparty.name)
            .join(Counterparty, Counterparty.id == Card.counterparty_id)
            .where(Card.kind == contracts.id, Card.stage == contracts.terminal, Card.valid_from <= today,
                   Card.valid_to >= today, permissions.visible_cards_clause(session, actor))
            .order_by(Counterparty.name, Card.valid_to, Card.id).limit(limit)).all()
        committed = dict(session.execute(
            select(Card.contract_id, func.sum(Card.amount))
            .where(Card.contract_id.in_([row[0] for row in rows]), Card.stage.not_in(NOT_COUNTED_STAGES))
            .group_by(Card.contract_id)).all()) if rows else {}
    result = []
    for card_id, subject, amount, valid_to, counterparty_id, inn, name in rows:
        spent = committed.get(card_id) or 0
        result.append({"id": card_id, "subject": subject, "amount": f"{amount:.2f}", "committed": f"{spent:.2f}",
                       "remaining": f"{amount - spent:.2f}", "valid_to": valid_to.isoformat(),
                       "counterparty": {"id": counterparty_id, "inn": inn, "name": name}})
    return result
