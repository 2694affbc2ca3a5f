"""Writing notifications: one outbox row per recipient and channel, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from soglasie.models import OPEN_STATUSES, OutboxMessage, Task, User

INBOX = "inbox"
TELEGRAM = "telegram"
# Kinds of Telegram-only rows: the edit of a decided task's message (payload {"edit_of": outbox id}),
# a task or card someone asked the bot for (/tasks, /card); and a new document version (any channel).
EDIT_KIND, OPEN_KIND, VERSION_KIND = "telegram_edit", "telegram_open", "version_added"


@dataclass(frozen=True)
class Notice:
    """A message for one user, rendered per recipient language by `text_for`."""

    recipient: User
    kind: str
    key: str  # idempotency: the event this message reports (unique per recipient/channel)
    text_for: dict[str, str]  # locale → text
    card_id: int | None = None
    task_id: int | None = None
    payload: dict = field(default_factory=dict)


# Pre-built per dialect: the outbox rows a transition writes, skipped when their key is already there.
# Executed on the transaction's connection (no ORM flush): the ids they refer to are already written.
# RETURNING tells whether the row was written: with RETURNING (which SQLAlchemy adds on PostgreSQL to
# learn the new id anyway) the DBAPI's rowcount is -1 there, so it cannot be counted on.
_INSERT = {"sqlite": sqlite_insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["idempotency_key"])
           .returning(OutboxMessage.__table__.c.id),
           "postgresql": postgresql_insert(OutboxMessage.__table__).on_conflict_do_nothing(
               index_elements=["idempotency_key"]).returning(OutboxMessage.__table__.c.id)}


def enqueue(session: Session, notice: Notice, channels: tuple[str, ...], now: dt.datetime) -> int:
    """Write the notice to the inbox (delivered at once) and to each linked external channel.

    Returns the number of rows written. A key already present is skipped, so a retried
    transaction or sweep never sends the same message twice.
    """
    recipient = notice.recipient
    text = notice.text_for.get(recipient.locale) or notice.text_for["ru"]
    targets = [INBOX] + [c for c in channels if c == "telegram" and recipient.telegram_chat_id]
    written = 0
    for channel in targets:
        inbox = channel == INBOX
        written += insert_once(session, dict(
            recipient_id=recipient.id, channel=channel, kind=notice.kind, text=text, card_id=notice.card_id,
            task_id=notice.task_id, payload=notice.payload, idempotency_key=f"{notice.key}:{recipient.id}:{channel}",
            status="sent" if inbox else "pending", attempts=0, sent_at=now if inbox else None,
            next_attempt_at=None if inbox else now, created_at=now))
    return written


def insert_once(session: Session, row: dict) -> int:
    """INSERT one outbox row unless its idempotency key exists (ON CONFLICT DO NOTHING); 1 when written.

    One statement instead of a SELECT and an INSERT; the unique key makes it safe under races too.
    """
    connection = session.connection()
    return len(connection.execute(_INSERT[connection.dialect.name], row).all())


def enqueue_telegram(session: Session, recipient: User, kind: str, key: str, text: str, now: dt.datetime, *,
                     card_id: int | None = None, task_id: int | None = None, payload: dict | None = None) -> bool:
    """One Telegram-only row (no inbox copy), once per `key`; False when the key exists or no chat is linked."""
    if not recipient.telegram_chat_id:
        return False
    return bool(insert_once(session, dict(
        recipient_id=recipient.id, channel=TELEGRAM, kind=kind, text=text, card_id=card_id, task_id=task_id,
        payload=payload or {}, idempotency_key=key, status="pending", attempts=0, next_attempt_at=now,
        created_at=now)))


def queue_edits(session: Session, card_id: int, now: dt.datetime) -> int:
    """An edit for each Telegram message about a task of `card_id` that is no longer open: it shows the outcome.

    Once a task is decided anywhere (portal, API, another chat, a job), its messages lose their
    buttons. Messages on their way or delivered get an edit row (delivered once, retried like any
    row); one still pending is composed without the buttons anyway. Idempotent per message.
    """
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.recipient_id, OutboxMessage.task_id)
                           .join(Task, Task.id == OutboxMessage.task_id)
                           .where(Task.card_id == card_id, Task.status.not_in(OPEN_STATUSES),
                                  OutboxMessage.channel == TELEGRAM, OutboxMessage.kind != EDIT_KIND,
                                  OutboxMessage.status.in_(("sending", "sent")))).all()
    written = 0
    for row_id, recipient_id, task_id in rows:
        recipient = session.get(User, recipient_id)
        written += enqueue_telegram(session, recipient, EDIT_KIND, f"telegram_edit:{row_id}", "", now,
                                    card_id=card_id, task_id=task_id, payload={"edit_of": row_id})
    return written
