"""The notification outbox and the SLA event log the sweeps keep."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soglasie.models.base import Base, UTCDateTime
from soglasie.models.org import User

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMessage(Base):
    """A message to one recipient over one channel, written with the state change it reports.

    The portal inbox is a channel whose rows are delivered when written; other channels
    (Telegram) are delivered by dispatchers, which claim due rows, retry with back-off and
    mark permanent failures. `idempotency_key` is unique, so a retried transition or sweep
    can never write the same message twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "channel", "status", "next_attempt_at"),
        Index("ix_outbox_recipient", "recipient_id", "channel", "created_at"),
        Index("ix_outbox_unread", "recipient_id", "channel", "read_at"),  # the inbox's unread count
        Index("ix_outbox_task", "task_id"),  # a decided task's Telegram messages, to edit them
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    external_id: Mapped[str | None] = mapped_column(String(64))  # e.g. Telegram message id
    external_kind: Mapped[str | None] = mapped_column(String(16))  # how it went out: "text" or "document"

    recipient: Mapped[User] = relationship()


class SlaEvent(Base):
    """A check, reminder or escalation the sweep performed on a task, once per occurrence."""

    __tablename__ = "sla_events"
    __table_args__ = (UniqueConstraint("task_id", "rule", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    stage: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(64))
    occurrence: Mapped[int] = mapped_column()
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)


class TelegramLink(Base):
    """A one-time, expiring token of a `https://t.me/<bot>?start=<token>` deep link."""

    __tablename__ = "telegram_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TelegramConversation(Base):
    """A question the bot asked in a chat and waits an answer to (e.g. the reason to reject)."""

    __tablename__ = "telegram_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    action: Mapped[str] = mapped_column(String(32))
    prompt_message_id: Mapped[int | None] = mapped_column(BigInteger)
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)  # the message with the buttons
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
