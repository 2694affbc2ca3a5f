"""Writing notifications: one outbox row per recipient and channel, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.models import OutboxMessage, User

INBOX = "inbox"


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
        key = f"{notice.key}:{recipient.id}:{channel}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
            continue
        session.add(
            OutboxMessage(
                recipient_id=recipient.id,
                channel=channel,
                kind=notice.kind,
                text=text,
                card_id=notice.card_id,
                task_id=notice.task_id,
                payload=notice.payload,
                idempotency_key=key,
                status="sent" if channel == INBOX else "pending",
                sent_at=now if channel == INBOX else None,
                next_attempt_at=None if channel == INBOX else now,
                created_at=now,
            )
        )
        written += 1
    return written
