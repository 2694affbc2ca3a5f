"""Duplicate invoices: which live cards of the same counterparty a card may duplicate, and what that stops.

The rule (a process's `duplicates:` policy, docs/rules.md "Duplicate invoices"): two cards of
one process and one counterparty, the other in any stage but rejected (a rejected card that
is restarted counts again), are possible duplicates when
  - both have an invoice number and the normalised numbers are equal within one invoice year
    (the invoice date's year, else the filing date's: `Card.invoice_key`, `Card.invoice_year`), or
  - either has no number, the amounts are equal and their invoice dates (else filing dates,
    in the calendar's time zone) are at most `window_days` apart.
Both are one indexed query (`ix_cards_counterparty_invoice_key`, `ix_cards_counterparty_amount`).

Under `block`, filing (and restarting) first locks the counterparty's row, so two filings of
one invoice queue up and the second sees the first: exactly one is created, on PostgreSQL
(a row lock; FOR NO KEY UPDATE, which the cards' foreign keys do not conflict with) and on
SQLite (the write transaction already holds the database's write lock). A unique index
cannot say it: "live" changes with the stage, and `warn` lets duplicates in.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from soglasie.errors import Conflict, DomainError, ValidationError
from soglasie.i18n import _
from soglasie.invoices import normalize_invoice_number
from soglasie.models import Card, Counterparty
from soglasie.rulebook.model import REJECTED, DuplicatePolicy, ProcessDefinition, RuleBook, Text

WARN, BLOCK = "warn", "block"


class DuplicateInvoice(Conflict):
    """A duplicate refused under `block`: 409 naming `invoice_number`, with the ids of the cards it duplicates."""

    default_code = "duplicate"

    def __init__(self, duplicates: list[Card]):
        self.duplicates = [card.id for card in duplicates]
        super().__init__(_("This invoice is already filed: %(cards)s.", cards=numbers(duplicates)), "invoice_number",
                         code="duplicate")

    def body(self) -> dict:
        """The extra keys of the API's error body."""
        return {"duplicates": self.duplicates}


def numbers(cards: list[Card]) -> str:
    """"№12 (invoice 45), №15" — the cards a warning or refusal names."""
    return ", ".join(f"№{card.id}" + (f" ({card.invoice_number})" if card.invoice_number else "") for card in cards)


def active_policy(process: ProcessDefinition) -> DuplicatePolicy | None:
    """The process's duplicate policy when cards are compared at all."""
    policy = process.duplicates
    return policy if policy is not None and policy.active else None


def filing_day(card: Card, tz: dt.tzinfo) -> dt.date:
    """The date a card's invoice is compared by: its invoice date, else the day it was filed."""
    return card.invoice_date or card.created_at.astimezone(tz).date()


def find_duplicates(session: Session, policy: DuplicatePolicy, card: Card, tz: dt.tzinfo) -> list[Card]:
    """The live cards `card` may duplicate, oldest first (one indexed query; the date window checked here)."""
    if card.counterparty_id is None:
        return []
    matches = []
    if card.invoice_key is not None:
        matches.append(and_(Card.invoice_key == card.invoice_key, Card.invoice_year == card.invoice_year))
    if card.amount is not None:
        by_amount = Card.amount == card.amount
        matches.append(and_(by_amount, Card.invoice_key.is_(None)) if card.invoice_key is not None else by_amount)
    if not matches:
        return []
    query = select(Card).where(Card.counterparty_id == card.counterparty_id, Card.kind == card.kind,
                               Card.stage != REJECTED, or_(*matches))
    return [other for other in session.scalars(query.order_by(Card.id)) if is_duplicate(policy, card, other, tz)]


def is_duplicate(policy: DuplicatePolicy, card, other, tz: dt.tzinfo) -> bool:
    """The rule itself, for two cards (or rows with the same columns) of one process: see the module's docstring."""
    if other.id == card.id or other.counterparty_id != card.counterparty_id or other.counterparty_id is None \
            or other.stage == REJECTED:
        return False
    if card.invoice_key is not None and other.invoice_key is not None:
        return other.invoice_key == card.invoice_key and other.invoice_year == card.invoice_year
    return card.amount is not None and other.amount == card.amount \
        and abs(filing_day(other, tz) - filing_day(card, tz)) <= dt.timedelta(days=policy.window_days)


def duplicates_among(session: Session, rulebook: RuleBook, kind: str, cards: list) -> dict[int, list[Card]]:
    """{card id: its possible duplicates} for many cards (rows with Card's columns) of `kind`: one query."""
    policy = active_policy(rulebook.process(kind))
    cards = [card for card in cards if card.counterparty_id is not None]
    if policy is None or not cards:
        return {}
    keys = {card.invoice_key for card in cards if card.invoice_key is not None}
    amounts = {card.amount for card in cards if card.amount is not None}
    candidates = list(session.scalars(select(Card).where(
        Card.counterparty_id.in_({card.counterparty_id for card in cards}), Card.kind == kind, Card.stage != REJECTED,
        or_(Card.invoice_key.in_(keys), Card.amount.in_(amounts))).order_by(Card.id)))
    tz = rulebook.calendar.tz
    found = {card.id: [other for other in candidates if is_duplicate(policy, card, other, tz)] for card in cards}
    return {card_id: others for card_id, others in found.items() if others}


def check_at_start(session: Session, process: ProcessDefinition, card: Card, tz: dt.tzinfo) -> list[Card]:
    """Filing or restarting `card`: find what it duplicates; under `block` refuse it (the counterparty locked first).

    Only `block` needs the lock: under `warn` two simultaneous filings are both let in anyway,
    and each card shows the other as soon as both are committed (the check is live).
    """
    policy = active_policy(process)
    if policy is None or card.counterparty_id is None:
        return []
    if policy.level == BLOCK:
        session.execute(select(Counterparty.id).where(Counterparty.id == card.counterparty_id)
                        .with_for_update(key_share=True))
    found = find_duplicates(session, policy, card, tz)
    if found and policy.level == BLOCK:
        raise DuplicateInvoice(found)
    return found


def hypothetical_duplicates(session: Session, rulebook: RuleBook, process: ProcessDefinition, at: dt.datetime,
                            counterparty_inn: str, amount, invoice_number: str | None,
                            invoice_date: dt.date | None) -> list[Card]:
    """What a request not filed yet would duplicate (`rules simulate`); nothing is written."""
    policy = active_policy(process)
    counterparty = session.scalars(select(Counterparty).where(Counterparty.inn == counterparty_inn)).first()
    if counterparty is None:
        raise LookupError(f"no counterparty with INN {counterparty_inn!r}")
    if policy is None:
        return []
    key = normalize_invoice_number(invoice_number)
    card = Card(kind=process.id, counterparty_id=counterparty.id, amount=amount, invoice_number=invoice_number,
                invoice_date=invoice_date, invoice_key=key, created_at=at, stage="draft",
                invoice_year=(invoice_date or at.astimezone(rulebook.calendar.tz).date()).year if key else None)
    return find_duplicates(session, policy, card, rulebook.calendar.tz)


def warning(found: list[Card]) -> Text:
    """The warning a filer sees for a possible duplicate (warn level)."""
    return _("Possible duplicate of %(cards)s: check that this invoice is not paid twice.", cards=numbers(found))


def possible_duplicates(session: Session, rules, card: Card) -> list[dict]:
    """The card's possible duplicates now, for the card, the board, the API and Telegram ([] when not compared).

    `rules` is the RuleBook or the Core (its rules in force). Each item is `{id, stage, amount,
    invoice_number, invoice_date}` (amount "150000.00", date ISO).
    """
    rulebook: RuleBook = getattr(rules, "rulebook", rules)
    policy = active_policy(rulebook.process(card.kind))
    if policy is None:
        return []
    return [duplicate_view(other) for other in find_duplicates(session, policy, card, rulebook.calendar.tz)]


def duplicate_view(other: Card) -> dict:
    """`{id, stage, amount, invoice_number, invoice_date}` of a possible duplicate, as the API writes it."""
    return {"id": other.id, "stage": other.stage,
            "amount": f"{other.amount:.2f}" if other.amount is not None else None,
            "invoice_number": other.invoice_number,
            "invoice_date": other.invoice_date.isoformat() if other.invoice_date else None}


def approval_refusal(step) -> DomainError | None:
    """Approving a possible duplicate: refused under `block`; at an `acknowledge_at` stage only with a comment.

    Under `warn` nothing is looked up at the other stages (the card shows the warning anyway).
    """
    policy = active_policy(step.process)
    if policy is None or not (policy.level == BLOCK or needs_acknowledgement(policy, step.task.stage)):
        return None
    found = _found_for_step(step, policy)
    if not found:
        return None
    if policy.level == BLOCK:
        return DuplicateInvoice(found)
    if not (step.command.comment or "").strip():
        return ValidationError(_(
            "Possible duplicate of %(cards)s: approve it with a comment acknowledging the duplicate "
            "(in the portal or the API).", cards=numbers(found)), "comment", code="duplicate_acknowledgement_required")
    return None


def _found_for_step(step, policy: DuplicatePolicy) -> list[Card]:
    """The card's duplicates, looked up once per transaction (the guard, then the timeline row)."""
    cache = step.session.info.setdefault("possible_duplicates", {})
    if step.card.id not in cache:
        cache[step.card.id] = find_duplicates(step.session, policy, step.card, step.context.rulebook.calendar.tz)
    return cache[step.card.id]


def needs_acknowledgement(policy: DuplicatePolicy | None, stage: str) -> bool:
    """Whether approving a warned duplicate at `stage` needs a comment acknowledging it."""
    return policy is not None and policy.level == WARN and stage in policy.acknowledge_at


def record_acknowledgement(step) -> None:
    """After an approval at an `acknowledge_at` stage: "duplicate acknowledged by X: reason" in the timeline."""
    policy = active_policy(step.process)
    if not needs_acknowledgement(policy, step.task.stage):
        return
    found = _found_for_step(step, policy)
    if found:
        step.notices.timeline(step.run, step.actor, "duplicate_acknowledged", task=step.task,
                              comment=(step.command.comment or "").strip(),
                              on_behalf_of_id=step.on_behalf_of_id, data={"duplicates": [card.id for card in found]})
