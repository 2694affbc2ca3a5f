"""A card's full summary for Telegram, fitted to a caption's or a message's length.

The lines follow the process's declared card fields (`card:` in its rule file), so a field a
process adds shows up without code here; then who filed it, the comment, the stage, who
approved so far, the task's deadline, and the card's warnings (`services.card_warnings`).
Everything is plain text: the bot sends no parse mode, so a user's `<b>` or `*` stays as typed.

Fitting (Telegram: a caption ≤ 1024 characters, a message ≤ 4096) cuts the comment first,
then the approvals, then the headline; a warning, the outcome line and the link are never cut.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.i18n import Message, _
from soglasie.models import Card, Task, TimelineEvent, User
from soglasie.notifications import messages
from soglasie.process import budgets
from soglasie.services.card_warnings import card_warnings
from soglasie.telegram_bot import texts

ELLIPSIS = "…"

# Labels of the card fields a process may declare; a field not listed is labelled by its name.
FIELD_LABELS: dict[str, Message] = {
    "subject": _("Subject"), "counterparty": _("Counterparty"), "amount": _("Amount"),
    "vat": _("VAT"), "invoice_number": _("Invoice number"), "invoice_date": _("Invoice date"),
    "cost_item": _("Cost item"), "validity": _("Valid"), "deadline": _("Pay by"),
}
INN = _("INN %(inn)s")
FILED_BY = _("Initiator: %(name)s%(department)s")
COMMENT = _("Comment: %(comment)s")
APPROVED_SO_FAR = _("Approved so far: %(names)s")
ON_BEHALF = _("%(actor)s for %(assignee)s")
WARNING = "⚠️ %s"
BUDGET_LINE = _("Budget (%(period)s, %(department)s · %(cost_item)s): planned %(planned)s, committed %(committed)s, "
                "actual %(actual)s, this request %(request)s, remaining after it %(remaining_after)s, "
                "overrun %(overrun)s")


@dataclass(frozen=True)
class Piece:
    """One line of a summary; `cut` orders what is shortened first (None: never cut)."""

    text: str
    cut: int | None = None


COMMENT_CUT, APPROVALS_CUT, HEADLINE_CUT = 1, 2, 3


def fit(pieces: list[Piece], limit: int) -> str:
    """The pieces joined by new lines within `limit` characters, shortening the cuttable ones in order."""
    pieces = [piece for piece in pieces if piece.text]
    excess = len("\n".join(piece.text for piece in pieces)) - limit
    for order in sorted({piece.cut for piece in pieces if piece.cut is not None}):
        if excess <= 0:
            break
        for index, piece in enumerate(pieces):
            if piece.cut != order or excess <= 0:
                continue
            keep = len(piece.text) - excess - len(ELLIPSIS)
            text = piece.text[:keep].rstrip() + ELLIPSIS if keep > 0 else ""
            excess -= len(piece.text) - len(text) + (0 if text else 1)  # a dropped line takes its newline along
            pieces[index] = Piece(text, piece.cut)
    return "\n".join(piece.text for piece in pieces if piece.text)[:limit]


def field_value(card: Card, name: str, locale: str, core: Core) -> str | None:
    """The card's field `name` as the summary prints it; None when it is empty."""
    tz = core.rulebook.calendar.tz
    special: dict[str, Callable[[], str | None]] = {
        "counterparty": lambda: card.counterparty and "%s, %s" % (
            card.counterparty.name, INN.format(inn=card.counterparty.inn).get(locale)),
        "cost_item": lambda: card.cost_item and f"{card.cost_item.name} ({card.cost_item.code})",
        "validity": lambda: card.valid_from and f"{_day(card.valid_from, locale)} — {_day(card.valid_to, locale)}",
        "deadline": lambda: card.hard_deadline and messages.format_time(card.hard_deadline, locale, tz),
    }
    if name in special:
        return special[name]() or None
    return _plain(getattr(card, name, None), locale, tz)


def _plain(value, locale: str, tz) -> str | None:
    """Any other field by its type: money, an instant, a day, or its text."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return messages.format_amount(value, locale)
    if isinstance(value, dt.datetime):
        return messages.format_time(value, locale, tz)
    if isinstance(value, dt.date):
        return _day(value, locale)
    return str(value)


def _day(day: dt.date | None, locale: str) -> str:
    if day is None:
        return "—"
    return day.isoformat() if locale == "en" else day.strftime("%d.%m.%Y")


def field_lines(core: Core, card: Card, locale: str) -> list[str]:
    """"Label: value" for each field the card's process declares, in the rule file's order."""
    spec = core.rulebook.process(card.kind).card
    lines = []
    for name in spec.fields:
        if not spec.uses(name):
            continue
        value = field_value(card, name, locale, core)
        if value is not None:
            label = FIELD_LABELS[name].get(locale) if name in FIELD_LABELS else name.replace("_", " ").capitalize()
            lines.append(f"{label}: {value}")
    return lines


def approvals(session: Session, card: Card) -> list[str]:
    """Who approved in the card's current round, in order ("Ivanov", "Ops for Petrov")."""
    if card.current_run_id is None:
        return []
    events = session.scalars(select(TimelineEvent).where(
        TimelineEvent.card_id == card.id, TimelineEvent.run_id == card.current_run_id,
        TimelineEvent.event == "approved").order_by(TimelineEvent.id))
    names = []
    for event in events:
        actor = event.actor.name if event.actor else "—"
        names.append(ON_BEHALF.format(actor=actor, assignee=event.on_behalf_of.name) if event.on_behalf_of
                     else actor)
    return names


def summary_pieces(session: Session, core: Core, headline: str, card: Card, task: Task | None,
                   locale: str, stage: str, now: dt.datetime) -> list[Piece]:
    """Every line of the summary as of `now`, the headline (the outbox text) first; the link is the caller's."""
    initiator = session.get(User, card.initiator_id)
    department = f", {card.department.name}" if card.department is not None else ""
    pieces = [Piece(headline.strip() + "\n", HEADLINE_CUT)]  # a blank line under the headline
    details = messages.details(card, locale)
    if not details or details not in headline:  # the headline does not say which card: name it
        params = messages.card_params(core.rulebook.process(card.kind), card)
        pieces.append(Piece(texts.SUMMARY.format(**params).get(locale), HEADLINE_CUT))
    pieces += [Piece(line, HEADLINE_CUT) for line in field_lines(core, card, locale)]
    pieces.append(Piece(FILED_BY.format(name=initiator.name, department=department).get(locale), HEADLINE_CUT))
    if card.comment:
        pieces.append(Piece(COMMENT.format(comment=card.comment.strip()).get(locale), COMMENT_CUT))
    pieces.append(Piece(texts.STAGE.format(stage=stage).get(locale)))
    names = [name.get(locale) if isinstance(name, Message) else name for name in approvals(session, card)]
    if names:
        pieces.append(Piece(APPROVED_SO_FAR.format(names=", ".join(names)).get(locale), APPROVALS_CUT))
    if task is not None and task.deadline is not None:
        tz = core.rulebook.calendar.tz
        pieces.append(Piece(texts.DEADLINE.format(deadline=messages.format_time(task.deadline, locale, tz))
                            .get(locale)))
    line = budgets.line_for(session, core.rulebook, card, now)
    if line is not None:
        pieces.append(Piece(budget_text(line, locale), APPROVALS_CUT))
    pieces += [Piece(WARNING % warning.message.get(locale)) for warning in card_warnings(session, core, card, now)]
    return pieces


def budget_text(line: budgets.BudgetLine, locale: str) -> str:
    """The budget line as the card shows it: the governing period's planned, committed, actual, this
    request, what remains after it and the overrun."""
    period = line.governing
    money = {name: messages.format_amount(getattr(period, name), locale)
             for name in ("planned", "committed", "actual", "request", "remaining_after", "overrun")}
    return BUDGET_LINE.format(period=budgets.PERIOD_WORDS[period.period], department=line.department,
                              cost_item=line.cost_item, **money).get(locale)
