"""The warnings a card shows wherever it is shown (the portal, the API, Telegram): one list, one place.

- a budget overrun (the process's `budget:` policy, `soglasie.process.budgets`; the card's
  line as of `now`: an unpaid request counts in the current month);
- a possible duplicate invoice (the process's `duplicates:` policy, `soglasie.process.duplicates`);
- a payment whose amount is above what is left of the contract it is paid against
  (remainder = the contract's amount − payments paid and in flight, this one excluded; the
  same sum the routing rules compare, `soglasie.process.facts.contract_remaining`).
A new check adds its warning here, so every surface shows it without knowing about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.i18n import Message, _
from soglasie.models import Card
from soglasie.notifications.messages import format_amount
from soglasie.process import budgets, duplicates
from soglasie.process.facts import contract_committed

CONTRACT_REMAINDER = _("The amount is above what is left of contract #%(contract)s: %(remaining)s left of "
                       "%(total)s.")


@dataclass(frozen=True)
class CardWarning:
    """One warning: a stable `code` for programs, a `message` for people (in any language)."""

    code: str
    message: Message


def card_warnings(session: Session, core: Core, card: Card, now: dt.datetime) -> list[CardWarning]:
    """Every warning `card` carries at `now`, in a fixed order."""
    warnings: list[CardWarning] = []
    for check in CHECKS:
        warning = check(session, core, card, now)
        if warning is not None:
            warnings.append(warning)
    return warnings


def over_budget(session: Session, core: Core, card: Card, now: dt.datetime) -> CardWarning | None:
    """The request exceeds a period of its budget line that the policy does not ignore."""
    line = budgets.line_for(session, core.rulebook, card, now)
    if line is None:
        return None
    period = line.governing
    if not period.exceeded or period.action == "ignore":
        return None
    return CardWarning("over_budget", budgets.over_budget_words(line, period))


def possible_duplicate(session: Session, core: Core, card: Card, now: dt.datetime) -> CardWarning | None:
    """The card may duplicate an invoice of the same counterparty (warn level; block never files one)."""
    rulebook = core.rulebook
    policy = duplicates.active_policy(rulebook.process(card.kind))
    if policy is None:
        return None
    found = duplicates.find_duplicates(session, policy, card, rulebook.calendar.tz)
    return CardWarning("possible_duplicate", duplicates.warning(found)) if found else None


def contract_remainder(session: Session, core: Core, card: Card, now: dt.datetime) -> CardWarning | None:
    """The amount exceeds what is left of the linked contract."""
    if card.contract_id is None or card.amount is None:
        return None
    contract = session.get(Card, card.contract_id)
    if contract is None or contract.amount is None:
        return None
    total = contract.amount  # plain values: the message is read after the session closes
    remaining = total - contract_committed(session, contract.id, exclude_card_id=card.id)
    if card.amount <= remaining:
        return None
    return CardWarning("contract_remainder", CONTRACT_REMAINDER.format(
        contract=contract.id, remaining=lambda locale: format_amount(remaining, locale),
        total=lambda locale: format_amount(total, locale)))


CHECKS = (possible_duplicate, over_budget, contract_remainder)
