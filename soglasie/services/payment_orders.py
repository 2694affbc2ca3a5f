"""Payment orders out: requests at the payment stage leave as one 1C exchange file (docs/operations.md, "The bank").

Each request gets its order number once — the next free number of the export's year, kept
on the card — and keeps it however often it is exported again (the file is then a repeat).
The payer is the company's paying account; the payee the request's counterparty. The purpose
is the invoice's (`payment_purpose`) followed by the request's mark `SGL-<id>`, by which the
bank statement finds the request again. The timeline says "payment order № N exported by X".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from soglasie.bank_exchange import OrderDocument, Party, request_mark, write_orders
from soglasie.core import Core
from soglasie.errors import Conflict, PermissionDenied, ValidationError
from soglasie.i18n import _
from soglasie.invoices import payment_purpose
from soglasie.models import Card, CompanyAccount, PaymentOrder, ProcessRun, User
from soglasie.process.notices import NoticeWriter, prime_chain_heads
from soglasie.rulebook.model import RuleBook
from soglasie.services.common import load_actor, process_context
from soglasie.services.company import account_view, load_company, paying_account

PAYMENT_FLAG = "payment_details"  # the stage flag of the rule file that marks the payment stage
EXPORT_ROLES = ("chief_accountant", "admin")
MAX_IDS = 5000
PURPOSE_LOCALE = "ru"  # banks and 1C read Russian


@dataclass(frozen=True)
class ExportFile:
    """The exported file: its bytes, a file name, whether it repeats an earlier export, the numbers by request."""

    data: bytes
    filename: str
    repeat: bool
    numbers: dict[int, int]


def at_payment_stage(rulebook: RuleBook):
    """The SQL condition "the card's current run stands at a stage flagged as the payment stage"."""
    pairs = [(process.id, stage) for process in rulebook.processes.values()
             for stage in process.stages_flagged(PAYMENT_FLAG)]
    return and_(ProcessRun.finished_at.is_(None),
                or_(*(and_(ProcessRun.process == kind, ProcessRun.stage == stage) for kind, stage in pairs)))


def payment_stage_cards(session: Session, rulebook: RuleBook, ids: list[int] | None = None) -> list[Card]:
    """The cards at the payment stage (of `ids` when given), by id."""
    query = (select(Card).join(ProcessRun, ProcessRun.id == Card.current_run_id).where(at_payment_stage(rulebook))
             .options(joinedload(Card.counterparty), contains_eager(Card.current_run)))
    if ids is not None:
        query = query.where(Card.id.in_(ids))
    return list(session.scalars(query.order_by(Card.id)))


def clean_ids(raw) -> list[int] | None:
    """`ids` of the body: None (all not yet exported) or a non-empty list of distinct positive integers."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or len(raw) > MAX_IDS or \
            not all(isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in raw):
        raise ValidationError(_("ids: a list of request ids (positive integers) expected."), "ids")
    return sorted(set(raw))


def export_orders(core: Core, actor_id: int, ids, now: dt.datetime) -> ExportFile:
    """The exchange file of requests `ids` at the payment stage (None: all not yet exported); numbers them once."""
    wanted = clean_ids(ids)
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        if not actor.has_role(*EXPORT_ROLES):
            raise PermissionDenied(_("Only the chief accountant exports payment orders."))
        cards = _cards_to_export(session, core.rulebook, wanted)
        day = now.astimezone(core.rulebook.calendar.tz)
        orders = _orders_of(session, core.rulebook, cards, actor, day)
        repeat = any(order.export_count > 1 for order in orders.values())
        data = _file(session, cards, orders, day)  # encoding refusals raise here, before anything is kept
        context = process_context(core)
        prime_chain_heads(session, [card.id for card in cards])  # the timeline rows' locks and heads, set-based
        for card in cards:
            _note_export(NoticeWriter(session, context, card, now), card, actor, orders[card.id])
        name = f"payment-orders-{day:%Y%m%d-%H%M%S}{'-repeat' if repeat else ''}.txt"
        return ExportFile(data, name, repeat, {card.id: orders[card.id].number for card in cards})


def _cards_to_export(session: Session, rulebook: RuleBook, wanted: list[int] | None) -> list[Card]:
    if wanted is None:
        exported = set(session.scalars(select(PaymentOrder.card_id)))
        cards = [card for card in payment_stage_cards(session, rulebook) if card.id not in exported]
        if not cards:
            raise ValidationError(_("No request at the payment stage is waiting for its payment order."), "ids",
                                  code="nothing_to_export")
        return cards
    cards = payment_stage_cards(session, rulebook, wanted)
    missing = sorted(set(wanted) - {card.id for card in cards})
    if missing:
        raise ValidationError(_("Not at the payment stage (or not found): %(ids)s.",
                                ids=", ".join(map(str, missing[:20]))), "ids", code="not_at_payment_stage")
    return cards


def _orders_of(session: Session, rulebook: RuleBook, cards: list[Card], actor: User,
               day: dt.datetime) -> dict[int, PaymentOrder]:
    """Each card's order: the existing one (its export counted again) or a new one with the year's next number,
    paid from the account the rules choose for the card (kept on the order from now on)."""
    ids = [card.id for card in cards]
    orders = {order.card_id: order for order in session.scalars(select(PaymentOrder)
                                                                .where(PaymentOrder.card_id.in_(ids)))}
    for order in orders.values():
        order.export_count += 1
        order.exported_at, order.exported_by_id = day, actor.id
    last = session.scalar(select(func.max(PaymentOrder.number)).where(PaymentOrder.year == day.year)) or 0
    new = [card for card in cards if card.id not in orders]
    company = load_company(session)
    accounts = {card.id: paying_account(session, rulebook, card, company) for card in new}
    _one_account(cards, {**{card_id: order.account for card_id, order in orders.items()}, **accounts})
    for card in new:
        last += 1
        orders[card.id] = PaymentOrder(card_id=card.id, year=day.year, number=last, date=day.date(),
                                       account=accounts[card.id], exported_at=day,
                                       exported_by_id=actor.id, export_count=1)
        session.add(orders[card.id])
    session.flush()
    return orders


def _one_account(cards: list[Card], accounts: dict[int, CompanyAccount]) -> None:
    """One file is paid from one account (its header names it): requests paid from several are refused."""
    groups: dict[str, list[int]] = {}
    for card in cards:
        groups.setdefault(accounts[card.id].account, []).append(card.id)
    if len(groups) > 1:
        listed = "; ".join(f"{account}: {', '.join(map(str, ids[:20]))}" for account, ids in sorted(groups.items()))
        raise ValidationError(_("ids: the requests are paid from different accounts (%(groups)s); export each "
                                "account's requests in a file of its own.", groups=listed), "ids",
                              code="several_accounts")


def order_purpose(card: Card) -> str:
    """The invoice's payment purpose (or a plain one) and the request's mark."""
    text = payment_purpose(card, PURPOSE_LOCALE) or _("Payment for the invoice").get(PURPOSE_LOCALE)
    mark = _("request %(mark)s", mark=request_mark(card.id)).get(PURPOSE_LOCALE)
    return f"{text}; {mark}"


def _payer(session: Session, account: CompanyAccount) -> Party:
    company = load_company(session)
    return Party(name=company.name, inn=company.inn, kpp=company.kpp, account=account.account,
                 bank_name=account.bank_name, bik=account.bik, corr_account=account.corr_account)


def _payee(card: Card) -> Party:
    party = card.counterparty
    if party is None or not party.account:
        raise ValidationError(_("Request %(id)s: the counterparty has no bank details.", id=card.id), "ids",
                              code="no_bank_details")
    return Party(name=party.name, inn=party.inn, kpp=party.kpp, account=party.account,
                 bank_name=party.bank_name or "", bik=party.bik or "", corr_account=party.corr_account or "")


def _file(session: Session, cards: list[Card], orders: dict[int, PaymentOrder], day: dt.datetime) -> bytes:
    """The file; all orders of one file are paid from one account (`_one_account`), as the header names one."""
    account = orders[cards[0].id].account
    payer = _payer(session, account)
    documents = [OrderDocument(number=orders[card.id].number, date=orders[card.id].date, amount=card.amount,
                               payer=payer, payee=_payee(card),
                               purpose=order_purpose(card)) for card in cards]
    return write_orders(documents, sender="Soglasie", account=account.account, created_at=day)


def _note_export(notices: NoticeWriter, card: Card, actor: User, order: PaymentOrder) -> None:
    """The timeline row "payment order № N exported by X" (again: a repeat)."""
    notices.timeline(card.current_run, actor, "payment_order_exported", comment=f"№ {order.number}",
                     data={"number": order.number, "repeat": order.export_count > 1})


def order_view(session: Session, card: Card, tz) -> dict | None:
    """The card's `payment_order` key: {number, date, exported_at}, None before its first export."""
    return _order_json(session.scalar(select(PaymentOrder).where(PaymentOrder.card_id == card.id)), tz)


def paying_account_view(session: Session, rulebook: RuleBook, card: Card) -> dict | None:
    """The card's `paying_account` key: the order's account once exported, else the rules' choice now;
    None before the requisites are entered or while a rule names an account the company no longer has."""
    order = session.scalar(select(PaymentOrder).where(PaymentOrder.card_id == card.id))
    try:
        return account_view(paying_account(session, rulebook, card, order=order))
    except Conflict:
        return None


def _order_json(order: PaymentOrder | None, tz) -> dict | None:
    if order is None:
        return None
    return {"number": order.number, "date": order.date.isoformat(),
            "exported_at": order.exported_at.astimezone(tz).isoformat()}


BANK_PAGE_ROLES = ("chief_accountant", "junior_accountant", "admin")


def payment_queue(core: Core, actor_id: int) -> list[dict]:
    """The accounting work list: requests at the payment stage with their payee, amount and order (accountants)."""
    with core.db.read() as session:
        if not load_actor(session, actor_id).has_role(*BANK_PAGE_ROLES):
            raise PermissionDenied(_("Only accountants see the payment queue."))
        tz = core.rulebook.calendar.tz
        cards = payment_stage_cards(session, core.rulebook)
        orders = {order.card_id: order for order in session.scalars(
            select(PaymentOrder).where(PaymentOrder.card_id.in_([card.id for card in cards])))}
        return [{"id": card.id, "counterparty": card.counterparty.name if card.counterparty else None,
                 "amount": f"{card.amount:.2f}" if card.amount is not None else None,
                 "payment_order": _order_json(orders.get(card.id), tz)} for card in cards]
