"""Draining the outbox's Telegram channel continuously from inside the bot's event loop.

Uses the dispatcher's own claim and record (`soglasie.services.dispatch`), so the Airflow
dispatch DAG and `soglasie dispatch` may run at the same time: each message is claimed by exactly
one of them, on the wall clock, and sent only before its claim's send deadline (the lease invariant).
The outbox is polled every ~0.5 s (and at once after an action in the bot), so a
notification reaches Telegram about a second after the state change that wrote it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Callable

from telegram import Bot

from soglasie.core import Core
from soglasie.notifications.channels import Delivery, DeliveryResult
from soglasie.services.dispatch import claim, has_due_messages, record, wall_clock
from soglasie.telegram_bot.compose import Outgoing, compose_batch
from soglasie.telegram_bot.pacing import SendWindow
from soglasie.telegram_bot.sender import send

log = logging.getLogger("soglasie.telegram")
CHANNELS = ("telegram",)
POLL_INTERVAL_S = 0.5
# Messages in flight at once (claimed, waiting for their pace). Each chat takes 1/s, so the
# overall 28/s needs ≥ 28 distinct chats in flight even when one person has many messages queued.
CAPACITY = 300
# Rows claimed (and composed) per round: composing a task message with its summary and document
# takes a few queries, so a round hands the pacer a couple of seconds' worth and sending starts
# at once; the next round claims more while these are in flight.
CLAIM_BATCH = 60
RECORD_ATTEMPTS = 10  # a result not recorded means a resend after the lease: try hard to record it
STOP_GRACE_S = 10.0


class OutboxDrain:
    """Claims due Telegram messages, sends them concurrently, records each result."""

    def __init__(self, core: Core, bot: Bot, clock: Callable[[], dt.datetime],
                 interval: float = POLL_INTERVAL_S, capacity: int = CAPACITY,
                 wall: Callable[[], dt.datetime] = wall_clock):
        # `clock` says what is due (business time: the wall clock in production); leases are on `wall`.
        self.core, self.bot, self.clock, self.wall = core, bot, clock, wall
        self.interval, self.capacity = interval, capacity
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task] = set()
        self._windows: list[SendWindow] = []

    def wake(self) -> None:
        """Look at the outbox now (an action in the bot just wrote notifications)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then let messages in flight finish (or hand them back)."""
        while not stop.is_set():
            try:
                await self._round()
            except Exception:  # noqa: BLE001 - e.g. the database restarting: log and try again
                log.exception("draining the Telegram outbox failed; retrying")
            await self._pause(stop)
        await self._finish()

    async def _round(self) -> None:
        room = self.capacity - len(self._in_flight)
        now = self.clock()
        if room <= 0 or not await asyncio.to_thread(has_due_messages, self.core, now, CHANNELS, self.wall):
            return  # a cheap read when idle: no write lock every half second
        deliveries, outgoing = await asyncio.to_thread(self._claim, now, room)
        if not deliveries:
            return
        window = SendWindow.for_claim(deliveries, self.wall)
        self._windows = [kept for kept in self._windows if kept.is_open] + [window]
        for delivery, item in zip(deliveries, outgoing):
            task = asyncio.create_task(self._deliver(delivery, item, window))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    def _claim(self, now: dt.datetime, limit: int) -> tuple[list[Delivery], list[Outgoing]]:
        deliveries = claim(self.core, now, CHANNELS, min(limit, CLAIM_BATCH), self.wall)
        return deliveries, compose_batch(self.core, deliveries) if deliveries else []

    async def _deliver(self, delivery: Delivery, item: Outgoing, window: SendWindow) -> None:
        result = await send(self.bot, item, window)
        await self._record(delivery, result)
        self._wake.set()  # room for more

    async def _record(self, delivery: Delivery, result: DeliveryResult) -> None:
        for attempt in range(RECORD_ATTEMPTS):
            try:
                await asyncio.to_thread(record, self.core, self.clock(), [delivery], {delivery.id: result})
                return
            except Exception:  # noqa: BLE001 - the database is away: keep the result and retry
                log.exception("recording outbox message %s failed (attempt %s)", delivery.id, attempt + 1)
                await asyncio.sleep(min(2 ** attempt * 0.1, 5.0))
        log.error("outbox message %s: result %s was not recorded; its lease will expire", delivery.id, result)

    async def _pause(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._wake.clear()

    async def _finish(self) -> None:
        """Stop sending: what the pacer still holds is recorded as a retry, not left to its lease."""
        for window in self._windows:
            window.close()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=STOP_GRACE_S)
