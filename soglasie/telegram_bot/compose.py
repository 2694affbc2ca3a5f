"""Turning an outbox message into a Telegram message: the request summary, a link, the buttons.

Composed at delivery time from the card as it is then, so a message delivered after a long
outage still offers only the actions its recipient may take now.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from soglasie.core import Core
from soglasie.models import Card, OutboxMessage, Task, User
from soglasie.notifications import messages
from soglasie.notifications.channels import Delivery
from soglasie.nouns import noun_params
from soglasie.process.engine import available_actions
from soglasie.telegram_bot import callback_data, texts

log = logging.getLogger("soglasie.telegram")
MAX_TEXT = 4096  # Telegram's limit on a message's text


@dataclass(frozen=True)
class Outgoing:
    """One message ready to send: where, what, and its inline keyboard."""

    delivery_id: int
    chat_id: int | None
    text: str
    keyboard: InlineKeyboardMarkup | None = None


def card_url(core: Core, card: Card) -> str:
    """The card's page in the portal."""
    section = core.rulebook.process(card.kind).portal_path
    return f"{core.settings.portal_url}/{section}/{card.id}"


def is_public_url(url: str) -> bool:
    """True when Telegram accepts the URL in a button (it rejects localhost and bare IPs inside)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or host == "localhost" or "." not in host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return address.is_global


def stage_title(core: Core, card: Card, locale: str) -> str:
    """The human name of the card's current stage."""
    process = core.rulebook.process(card.kind)
    if card.stage in texts.SIDE_STAGE_TITLES:
        return texts.SIDE_STAGE_TITLES[card.stage].format(**noun_params(process)).get(locale)
    if card.stage == process.terminal:
        return process.terminal_title.get(locale)
    try:
        return process.stage(card.stage).title.get(locale)
    except KeyError:
        return card.stage


def message_text(core: Core, base: str, card: Card | None, task: Task | None, locale: str) -> str:
    """The stored text plus what it lacks of the summary: counterparty, amount, stage, deadline, link."""
    if card is None:
        return base[:MAX_TEXT]
    tz = core.rulebook.calendar.tz
    lines = []
    details = messages.details(card, locale)
    if not details or details not in base:
        params = messages.card_params(core.rulebook.process(card.kind), card)
        lines.append(texts.SUMMARY.format(**params).get(locale))
    lines.append(texts.STAGE.format(stage=stage_title(core, card, locale)).get(locale))
    deadline = task.deadline if task is not None and task.deadline else card.hard_deadline
    if task is not None or deadline is not None:
        lines.append(texts.DEADLINE.format(deadline=messages.format_time(deadline, locale, tz)).get(locale))
    lines.append(card_url(core, card))
    return (base.rstrip() + "\n\n" + "\n".join(lines))[:MAX_TEXT]


def task_actions(session: Session, core: Core, task: Task | None, user: User, card: Card | None) -> list[str]:
    """The button actions `user` may take on `task` now (the same rules as the portal)."""
    if task is None or card is None:
        return []
    allowed = available_actions(session, core.rulebook.process(card.kind), user, card, task)
    return [action for action in callback_data.ACTIONS if action in allowed]


def keyboard(core: Core, card: Card | None, task: Task | None, user: User, actions: list[str],
             locale: str) -> InlineKeyboardMarkup | None:
    """A row of signed action buttons and, when the portal is reachable by Telegram, an "open" button."""
    rows = []
    if actions:
        rows.append([InlineKeyboardButton(_label(action, task, user).get(locale),
                                          callback_data=callback_data.sign(core.settings.secret_key, action,
                                                                           task.id, user.id))
                     for action in actions])
    if card is not None and is_public_url(card_url(core, card)):
        rows.append([InlineKeyboardButton(texts.BUTTONS["open"].get(locale), url=card_url(core, card))])
    return InlineKeyboardMarkup(rows) if rows else None


def _label(action: str, task: Task, user: User):
    if action == "approve" and task.assignee_id != user.id:
        return texts.BUTTONS["approve_on_behalf"]
    return texts.BUTTONS[action]


def compose(session: Session, core: Core, delivery: Delivery) -> Outgoing:
    """The Telegram message for one claimed outbox delivery."""
    chat_id = int(delivery.address) if delivery.address else None
    card = session.get(Card, delivery.card_id) if delivery.card_id else None
    task = session.get(Task, delivery.task_id) if delivery.task_id else None
    user = session.get(User, delivery.recipient_id)
    locale = delivery.locale
    actions = task_actions(session, core, task, user, card)
    return Outgoing(delivery.id, chat_id, message_text(core, delivery.text, card, task, locale),
                    keyboard(core, card, task, user, actions, locale))


def compose_batch(core: Core, deliveries: list[Delivery]) -> list[Outgoing]:
    """Compose every delivery; one that cannot be composed is sent as its stored text."""
    outgoing = []
    with core.db.read() as session:
        for delivery in deliveries:
            try:
                outgoing.append(compose(session, core, delivery))
            except Exception:  # a broken card must not hold back the others; the text still goes
                log.exception("composing outbox message %s failed; sending its text only", delivery.id)
                chat_id = int(delivery.address) if delivery.address else None
                outgoing.append(Outgoing(delivery.id, chat_id, delivery.text[:MAX_TEXT]))
    return outgoing


def refreshed(session: Session, core: Core, user: User, message_id: int, fallback: str,
              outcome: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """A delivered message recomposed after an action: current summary, outcome line, current buttons."""
    row = session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient_id == user.id, OutboxMessage.channel == "telegram",
        OutboxMessage.external_id == str(message_id)).order_by(OutboxMessage.id.desc())).first()
    if row is None:
        return (fallback + "\n\n" + outcome)[:MAX_TEXT], None
    card = session.get(Card, row.card_id) if row.card_id else None
    task = session.get(Task, row.task_id) if row.task_id else None
    text = message_text(core, row.text, card, task, user.locale)
    actions = task_actions(session, core, task, user, card)
    return (text + "\n\n" + outcome)[:MAX_TEXT], keyboard(core, card, task, user, actions, user.locale)
