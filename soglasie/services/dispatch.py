"""Delivering the outbox through external channels, safely with several dispatchers at once.

A dispatcher claims due messages in a short transaction (`FOR UPDATE SKIP LOCKED` on
PostgreSQL; SQLite's write lock serialises claims), marking them `sending` with a lease;
delivers them outside any transaction; then records each result. A dispatcher that dies
mid-delivery leaves its claims to expire, after which another one retries them. Temporary
failures back off exponentially; permanent ones (the user blocked the bot) are marked and
shown on the user's profile. A message to a deactivated user is never delivered nor retried: it is
marked `failed` with INACTIVE_RECIPIENT when its turn comes (reactivating him does not resend it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Mapping

from sqlalchemy import or_, select, update

from soglasie.core import Core
from soglasie.models import OutboxMessage, User
from soglasie.notifications.channels import Channel, Delivery, DeliveryResult

LEASE = dt.timedelta(minutes=5)
BATCH_SIZE = 100
# Temporary failures (429, 5xx, network) are retried for as long as it takes — an outage of
# a day must not lose a message — but never more often than this once back-off has grown.
MAX_BACKOFF = dt.timedelta(hours=1)
# Why a message to a deactivated user was not delivered: it stays in the outbox, marked failed.
INACTIVE_RECIPIENT = "recipient deactivated"


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt `attempts + 1`: 10 s, 20 s, 40 s … capped at an hour."""
    doublings = min(max(attempts - 1, 0), 20)  # 10 s × 2^20 is far past the cap: no overflow
    return min(dt.timedelta(seconds=10 * 2**doublings), MAX_BACKOFF)


def claim(core: Core, now: dt.datetime, channels: tuple[str, ...], limit: int = BATCH_SIZE) -> list[Delivery]:
    """Claim up to `limit` due messages of `channels` for this dispatcher (a lease of LEASE)."""
    if not channels:
        return []
    with core.db.write() as session:
        due = (select(OutboxMessage).where(
            OutboxMessage.channel.in_(channels),
            OutboxMessage.status.in_(("pending", "sending")),  # "sending" past its lease: a dead claim
            OutboxMessage.next_attempt_at <= now,
        ).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
            .with_for_update(skip_locked=True))
        rows = list(session.scalars(due))
        deliveries = []
        for row in rows:
            recipient = session.get(User, row.recipient_id)
            if not recipient.active:  # deactivated: never delivered, never retried (kept, marked)
                row.status, row.last_error, row.next_attempt_at = "failed", INACTIVE_RECIPIENT, None
                continue
            row.status, row.attempts, row.next_attempt_at = "sending", row.attempts + 1, now + LEASE
            deliveries.append(Delivery(
                id=row.id, recipient_id=row.recipient_id, channel=row.channel, kind=row.kind, text=row.text,
                card_id=row.card_id, task_id=row.task_id, attempts=row.attempts,
                address=str(recipient.telegram_chat_id) if recipient.telegram_chat_id else None,
                locale=recipient.locale, payload=dict(row.payload or {})))
        return deliveries


def record(core: Core, now: dt.datetime, deliveries: list[Delivery], results: Mapping[int, DeliveryResult]) -> Counter:
    """Store each delivery's result; only rows still claimed by this attempt are touched."""
    counts: Counter[str] = Counter()
    with core.db.write() as session:
        for delivery in deliveries:
            result = results.get(delivery.id) or DeliveryResult.retry("no result from the channel")
            values = _values(result, delivery, now)
            changed = session.execute(update(OutboxMessage).where(
                OutboxMessage.id == delivery.id, OutboxMessage.status == "sending",
                OutboxMessage.attempts == delivery.attempts).values(**values)).rowcount
            if changed and result.status == "failed" and delivery.channel == "telegram":
                session.get(User, delivery.recipient_id).telegram_error = (result.error or "")[:500]
            counts[result.status if changed else "lost_claim"] += 1
    return counts


def _values(result: DeliveryResult, delivery: Delivery, now: dt.datetime) -> dict:
    if result.status == "sent":
        return {"status": "sent", "sent_at": now, "external_id": result.external_id,
                "external_kind": result.external_kind, "last_error": None,
                "next_attempt_at": None}
    if result.status == "failed":
        return {"status": "failed", "last_error": (result.error or "")[:500], "next_attempt_at": None}
    wait = max(result.retry_after or dt.timedelta(0), backoff(delivery.attempts))
    return {"status": "pending", "last_error": (result.error or "")[:500], "next_attempt_at": now + wait}


def dispatch(core: Core, now: dt.datetime, channels: Mapping[str, Channel], limit: int = BATCH_SIZE) -> dict[str, int]:
    """Claim, deliver and record one batch per channel; returns counts by outcome."""
    counts: Counter[str] = Counter({"claimed": 0, "sent": 0, "retry": 0, "failed": 0})
    for name, channel in channels.items():
        deliveries = claim(core, now, (name,), limit)
        if not deliveries:
            continue
        counts["claimed"] += len(deliveries)
        counts.update(record(core, now, deliveries, channel.deliver_batch(deliveries)))
    return dict(counts)


def has_due_messages(core: Core, now: dt.datetime, channels: tuple[str, ...]) -> bool:
    """True when a message of `channels` is due: the idle poll's cheap read, before taking the write lock."""
    with core.db.read() as session:
        return session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.channel.in_(channels), OutboxMessage.status.in_(("pending", "sending")),
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)).limit(1)) is not None
