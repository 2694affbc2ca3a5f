"""Turning an outbox message into a Telegram message: the card's summary and main document, a link, the buttons.

Composed at delivery time from the card as it is then, so a message delivered after a long
outage still offers only the actions its recipient may take now. A message that offers
actions (and a new version, and a task or card asked for with /tasks or /card) carries the
card's main document as the process declares it (`card.document` in its rule file: the
invoice, the current contract version), sent with the summary as its caption; a file above
Telegram's limit goes as a text that says so. An edit row (a decided task's message) is
composed as the edit of the message it names.
"""

from __future__ import annotations

import datetime as dt

import ipaddress
import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from soglasie.core import Core
from soglasie.attachments import human_size
from soglasie.models import Attachment, Card, ContractVersion, OutboxMessage, Task, User
from soglasie.notifications import messages
from soglasie.notifications.channels import Delivery
from soglasie.notifications.outbox import EDIT_KIND, OPEN_KIND, VERSION_KIND
from soglasie.nouns import noun_params
from soglasie.process.engine import available_actions
from soglasie.telegram_bot import callback_data, texts
from soglasie.telegram_bot.summary import HEADLINE_CUT, Piece, fit, summary_pieces

log = logging.getLogger("soglasie.telegram")
MAX_TEXT = 4096  # Telegram's limit on a message's text
MAX_CAPTION = 1024  # … on a document's caption
MAX_UPLOAD = 50 * 1024 * 1024  # … on a file a bot uploads
TEXT, DOCUMENT = "text", "document"  # how a message went out (outbox.external_kind)


@dataclass(frozen=True)
class Document:
    """A stored file to send: its name, where its bytes are, how big it is, what the process calls it."""

    name: str
    path: Path
    size: int
    title: str


@dataclass(frozen=True)
class Edit:
    """Edit a message already sent instead of sending one: which, and whether it is a document's caption."""

    message_id: int
    kind: str = TEXT


@dataclass(frozen=True)
class Outgoing:
    """One outbox row ready to go: where, what, its inline keyboard, and its document or the edit it is.

    With a `document`, the row is one sendDocument with `caption`; when Telegram refuses the
    file, `text` (which then says so) goes instead, in the same attempt: one row, one message.
    `wait` asks for a retry later (an edit of a message still on its way); `skip` needs no call.
    """

    delivery_id: int
    chat_id: int | None
    text: str
    keyboard: InlineKeyboardMarkup | None = None
    document: Document | None = None
    caption: str = ""
    edit: Edit | None = None
    wait: bool = False
    skip: bool = False


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


def message_text(core: Core, base: str, card: Card | None, task: Task | None, locale: str,
                 limit: int = MAX_TEXT, extra: list[Piece] = (), pieces: list[Piece] | None = None) -> str:
    """The stored text and the card's full summary (fields, stage, approvals, deadline, warnings), then the link.

    `extra` lines (an outcome, a note about the document) come after the summary and are never cut;
    `pieces` is the summary when the caller already has it (a caption and a text of one message).
    """
    if card is None:
        return fit([Piece(base.strip(), HEADLINE_CUT), *extra], limit)
    if pieces is None:
        pieces = card_summary(core, base, card, task, locale)
    return fit([*pieces, *extra, Piece(card_url(core, card))], limit)


def card_summary(core: Core, base: str, card: Card, task: Task | None, locale: str) -> list[Piece]:
    """The summary lines of `card` under the headline `base` (read in the card's own session).

    Composed at delivery, so its budget line and warnings are as of the delivery instant."""
    return summary_pieces(object_session(card), core, base, card, task, locale, stage_title(core, card, locale),
                          dt.datetime.now(dt.timezone.utc))


def task_actions(session: Session, core: Core, task: Task | None, user: User, card: Card | None) -> list[str]:
    """The button actions `user` may take on `task` now (the same rules as the portal)."""
    if task is None or card is None:
        return []
    allowed = available_actions(session, core.rulebook.process(card.kind), user, card, task)
    return [action for action in callback_data.TASK_BUTTONS if action in allowed]


def keyboard(core: Core, card: Card | None, task: Task | None, user: User, actions: list[str],
             locale: str) -> InlineKeyboardMarkup | None:
    """A row of signed action buttons and, when the portal is reachable by Telegram, an "open" button."""
    rows = []
    if actions:  # who may act on the task may also comment on it
        rows.append([InlineKeyboardButton(_label(action, task, user).get(locale),
                                          callback_data=callback_data.sign(core.settings.secret_key, action,
                                                                           task.id, user.id))
                     for action in actions])
        rows.append([InlineKeyboardButton(texts.BUTTONS["comment"].get(locale), callback_data=callback_data.sign(
            core.settings.secret_key, "comment", task.id, user.id))])
    if card is not None and is_public_url(card_url(core, card)):
        rows.append([InlineKeyboardButton(texts.BUTTONS["open"].get(locale), url=card_url(core, card))])
    return InlineKeyboardMarkup(rows) if rows else None


def _label(action: str, task: Task, user: User):
    if action == "approve" and task.assignee_id != user.id:
        return texts.BUTTONS["approve_on_behalf"]
    return texts.BUTTONS[action]


def main_document(session: Session, core: Core, card: Card, version: int | None = None) -> Document | None:
    """The card's main document as its process declares it: the newest (or the given) version, else the file."""
    spec = core.rulebook.process(card.kind).card.document
    if spec is None:
        return None
    if spec.versioned:
        query = select(ContractVersion).where(ContractVersion.card_id == card.id)
        query = query.where(ContractVersion.number == version) if version else query
        row = session.scalars(query.order_by(ContractVersion.number.desc())).first()
        attachment = row.attachment if row is not None else None
    else:
        attachment = session.scalars(select(Attachment).where(
            Attachment.card_id == card.id, Attachment.purpose == spec.purpose).order_by(Attachment.id.desc())).first()
    if attachment is None:
        return None
    return Document(attachment.original_name, core.store.path_of(attachment.sha256), attachment.size,
                    spec.title.get("en"))


def compose(session: Session, core: Core, delivery: Delivery) -> Outgoing:
    """The Telegram message for one claimed outbox delivery."""
    if delivery.kind == EDIT_KIND:
        return compose_edit(session, core, delivery)
    chat_id = int(delivery.address) if delivery.address else None
    card = session.get(Card, delivery.card_id) if delivery.card_id else None
    task = session.get(Task, delivery.task_id) if delivery.task_id else None
    user = session.get(User, delivery.recipient_id)
    locale = delivery.locale
    actions = task_actions(session, core, task, user, card)
    markup = keyboard(core, card, task, user, actions, locale)
    base = delivery.text
    if delivery.kind == OPEN_KIND and card is not None:  # asked for with /tasks or /card: the card's name heads it
        base = texts.SUMMARY.format(**messages.card_params(core.rulebook.process(card.kind), card)).get(locale)
    pieces = card_summary(core, base, card, task, locale) if card is not None else None
    text = partial(message_text, core, base, card, task, locale, pieces=pieces)
    wants_document = bool(actions) or delivery.kind in (VERSION_KIND, OPEN_KIND)
    document = main_document(session, core, card, delivery.payload.get("version")) \
        if card is not None and wants_document else None
    if document is None:
        return Outgoing(delivery.id, chat_id, text(), markup)
    title = core.rulebook.process(card.kind).card.document.title.get(locale)
    if document.size > MAX_UPLOAD:
        note = texts.DOCUMENT_TOO_LARGE.format(document=title, size=human_size(document.size)).get(locale)
        return Outgoing(delivery.id, chat_id, text(extra=[Piece(note)]), markup)
    note = texts.DOCUMENT_NOT_SENT.format(document=title).get(locale)
    return Outgoing(delivery.id, chat_id, text(extra=[Piece(note)]), markup, document=document,
                    caption=text(limit=MAX_CAPTION))


def compose_edit(session: Session, core: Core, delivery: Delivery) -> Outgoing:
    """The edit of a decided task's message: its summary now, the outcome, no action buttons."""
    chat_id = int(delivery.address) if delivery.address else None
    original = session.get(OutboxMessage, delivery.payload.get("edit_of"))
    if original is None or original.status == "failed" or (original.status == "sent" and not original.external_id):
        return Outgoing(delivery.id, chat_id, "", skip=True)  # it never reached the chat: nothing to edit
    if original.status != "sent":
        return Outgoing(delivery.id, chat_id, "", wait=True)
    card = session.get(Card, original.card_id) if original.card_id else None
    task = session.get(Task, original.task_id) if original.task_id else None
    user = session.get(User, delivery.recipient_id)
    locale = delivery.locale
    kind = original.external_kind or TEXT
    outcome = [Piece(decided_line(session, core, task, locale))] if task is not None else []
    text = message_text(core, original.text, card, task, locale,
                        MAX_CAPTION if kind == DOCUMENT else MAX_TEXT, outcome)
    markup = keyboard(core, card, task, user, task_actions(session, core, task, user, card), locale)
    return Outgoing(delivery.id, chat_id, text, markup, edit=Edit(int(original.external_id), kind))


def decided_line(session: Session, core: Core, task: Task, locale: str) -> str:
    """What became of the task: "✅ Approved: Ivanov (01.12.2026 10:00)", with the reason of a rejection."""
    template = texts.DECIDED.get(task.outcome or "", texts.DECIDED_OTHER)
    actor = session.get(User, task.decided_by_id) if task.decided_by_id else None
    return template.format(actor=actor.name if actor else "—", reason=task.comment or "—",
                           at=messages.format_time(task.decided_at, locale, core.rulebook.calendar.tz)).get(locale)


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
                outgoing.append(Outgoing(delivery.id, chat_id, delivery.text[:MAX_TEXT],
                                         skip=delivery.kind == EDIT_KIND))
    return outgoing


def refreshed(session: Session, core: Core, user: User, message_id: int, fallback: str,
              outcome: str) -> tuple[str, InlineKeyboardMarkup | None, str]:
    """A delivered message recomposed after an action: current summary, outcome line, current buttons, its kind."""
    row = session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient_id == user.id, OutboxMessage.channel == "telegram",
        OutboxMessage.kind != EDIT_KIND, OutboxMessage.external_id == str(message_id))
        .order_by(OutboxMessage.id.desc())).first()
    extra = [Piece(outcome)] if outcome else []
    if row is None:
        return fit([Piece(fallback, HEADLINE_CUT), *extra], MAX_TEXT), None, TEXT
    kind = row.external_kind or TEXT
    card = session.get(Card, row.card_id) if row.card_id else None
    task = session.get(Task, row.task_id) if row.task_id else None
    text = message_text(core, row.text, card, task, user.locale,
                        MAX_CAPTION if kind == DOCUMENT else MAX_TEXT, extra)
    actions = task_actions(session, core, task, user, card)
    return text, keyboard(core, card, task, user, actions, user.locale), kind
