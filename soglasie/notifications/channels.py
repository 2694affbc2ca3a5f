"""The delivery channel interface the dispatcher drives (the inbox needs no channel)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Protocol


@dataclass(frozen=True)
class Delivery:
    """One claimed outbox message, detached from the database."""

    id: int
    recipient_id: int
    channel: str
    kind: str
    text: str
    card_id: int | None
    task_id: int | None
    attempts: int
    address: str | None  # e.g. the Telegram chat id
    locale: str = "ru"
    payload: dict = field(default_factory=dict)
    lease_expires_at: dt.datetime | None = None  # wall clock; see soglasie.services.dispatch (the lease invariant)


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one delivery attempt."""

    status: Literal["sent", "retry", "failed"]
    error: str | None = None
    retry_after: dt.timedelta | None = None  # a channel's own back-off demand (e.g. 429)
    external_id: str | None = None
    external_kind: str | None = None  # e.g. a Telegram message sent as "text" or "document"

    @classmethod
    def sent(cls, external_id: str | None = None, external_kind: str | None = None) -> "DeliveryResult":
        """Delivered."""
        return cls("sent", external_id=external_id, external_kind=external_kind)

    @classmethod
    def retry(cls, error: str, retry_after: dt.timedelta | None = None) -> "DeliveryResult":
        """A temporary failure: try again later."""
        return cls("retry", error=error, retry_after=retry_after)

    @classmethod
    def failed(cls, error: str) -> "DeliveryResult":
        """A permanent failure (the chat blocked the bot): never retried."""
        return cls("failed", error=error)


class Channel(Protocol):
    """Something that can deliver messages of one outbox channel."""

    name: str

    def deliver_batch(self, deliveries: list[Delivery]) -> dict[int, DeliveryResult]:
        """Deliver each message; return a result for every delivery id."""
        ...
