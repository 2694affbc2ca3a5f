"""Delivering the outbox through external channels, safely with several dispatchers at once.

A dispatcher claims due messages in a short transaction (`FOR UPDATE SKIP LOCKED` on
PostgreSQL; SQLite's write lock serialises claims), marking them `sending` with a lease;
delivers them outside any transaction; then records each result. A dispatcher that dies
mid-delivery leaves its claims to expire, after which another one retries them.

Two clocks, never mixed. `now` — business time, the Airflow run's tick — says which messages are
*due* (and stamps results and back-off). The lease is on the wall clock (`wall_clock`), for every
dispatcher alike (the bot, `soglasie dispatch`, the DAG), because it says how long a process may
hold a row, whenever that process actually runs. The lease invariant: a claim holds its rows until
`lease_expires_at` (wall clock + LEASE); its dispatcher starts a send only while
`wall clock < send_deadline(lease_expires_at)`, i.e. `now + SEND_TIMEOUT + SETTLE < lease_expires_at`;
a send lasts at most SEND_TIMEOUT (the channel cuts it there), and SETTLE is left to record its
result and to absorb clock skew between hosts (keep their clocks synchronised). So a row is
reclaimed only when no send of it can be in flight or unrecorded: each claim ends in a recorded
result — sent, failed, or handed back as a retry when its deadline came before its turn — and
only a dispatcher that dies or cannot reach the database for SETTLE leaves a claim to expire. Temporary
failures back off exponentially; permanent ones (the user blocked the bot) are marked and
shown on the user's profile. A message to a deactivated user is never delivered nor retried: it is
marked `failed` with INACTIVE_RECIPIENT when its turn comes (reactivating him does not resend it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Mapping

from typing import Callable

from sqlalchemy import and_, or_, select, update

from soglasie.core import Core
from soglasie.models import OutboxMessage, User
from soglasie.notifications.channels import Channel, Delivery, DeliveryResult

LEASE = dt.timedelta(minutes=5)
SEND_TIMEOUT = dt.timedelta(seconds=60)  # the longest one send may take (a 50 MB upload at ~7 Mbit/s)
SETTLE = dt.timedelta(seconds=30)  # after the last send may end: record its result, absorb clock skew
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


def wall_clock() -> dt.datetime:
    """The wall clock, on which every dispatcher takes and checks its leases."""
    return dt.datetime.now(dt.timezone.utc)


def send_deadline(lease_expires_at: dt.datetime) -> dt.datetime:
    """The last wall-clock instant a send under this lease may start (the lease invariant above)."""
    return lease_expires_at - SEND_TIMEOUT - SETTLE


def _claimable(now: dt.datetime, wall: dt.datetime):
    """Pending and due at `now` (business time), or "sending" past its lease on the wall clock (a dead claim)."""
    return or_(and_(OutboxMessage.status == "pending",
                    or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)),
               and_(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at <= wall))


def claim(core: Core, now: dt.datetime, channels: tuple[str, ...], limit: int = BATCH_SIZE,
          clock: Callable[[], dt.datetime] = wall_clock) -> list[Delivery]:
    """Claim up to `limit` messages of `channels` due at `now`, leased for LEASE from `clock()` (the wall)."""
    if not channels:
        return []
    wall = clock()  # read before waiting for the lock: the lease can only come out shorter than LEASE
    lease_expires_at = wall + LEASE
    with core.db.write() as session:
        due = (select(OutboxMessage).where(
            OutboxMessage.channel.in_(channels), _claimable(now, wall),
        ).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
            .with_for_update(skip_locked=True))
        rows = list(session.scalars(due))
        deliveries = []
        for row in rows:
            recipient = session.get(User, row.recipient_id)
            if not recipient.active:  # deactivated: never delivered, never retried (kept, marked)
                row.status, row.last_error, row.next_attempt_at = "failed", INACTIVE_RECIPIENT, None
                continue
            row.status, row.attempts, row.next_attempt_at = "sending", row.attempts + 1, lease_expires_at
            deliveries.append(Delivery(
                id=row.id, recipient_id=row.recipient_id, channel=row.channel, kind=row.kind, text=row.text,
                card_id=row.card_id, task_id=row.task_id, attempts=row.attempts,
                address=str(recipient.telegram_chat_id) if recipient.telegram_chat_id else None,
                locale=recipient.locale, payload=dict(row.payload or {}), lease_expires_at=lease_expires_at))
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


def dispatch(core: Core, now: dt.datetime, channels: Mapping[str, Channel], limit: int = BATCH_SIZE,
             clock: Callable[[], dt.datetime] = wall_clock) -> dict[str, int]:
    """Claim what is due at `now`, deliver and record one batch per channel; returns counts by outcome.

    The leases are on `clock` (the wall clock), whatever `now` is: the channel stops sending at each
    delivery's `send_deadline`.
    """
    counts: Counter[str] = Counter({"claimed": 0, "sent": 0, "retry": 0, "failed": 0})
    for name, channel in channels.items():
        deliveries = claim(core, now, (name,), limit, clock)
        if not deliveries:
            continue
        counts["claimed"] += len(deliveries)
        counts.update(record(core, now, deliveries, channel.deliver_batch(deliveries)))
    return dict(counts)


def has_due_messages(core: Core, now: dt.datetime, channels: tuple[str, ...],
                     clock: Callable[[], dt.datetime] = wall_clock) -> bool:
    """True when a message of `channels` is claimable: the idle poll's cheap read, before taking the write lock."""
    with core.db.read() as session:
        return session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.channel.in_(channels), _claimable(now, clock())).limit(1)) is not None
