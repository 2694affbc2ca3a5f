"""Pacing requests to Telegram: about 30 messages/s overall and 1 message/s per chat.

python-telegram-bot's AIORateLimiter throttles the whole bot but not each chat, and its
leaky bucket lets a burst of 30 through at once; this limiter spaces requests evenly
instead. It is a PTB `BaseRateLimiter`, so every request the bot makes — deliveries, edits,
ForceReply prompts — is paced the same way within one process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from contextvars import ContextVar
from typing import Any, Callable

from telegram.error import RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from soglasie.services.dispatch import SEND_TIMEOUT, send_deadline, wall_clock

OVERALL_PER_SECOND = 28.0  # Telegram allows about 30/s; a margin keeps any 1-s window at ≤ 30
CHAT_INTERVAL_S = 1.0  # measured from the end of the previous request, so arrivals are ≥ 1 s apart
MAX_HALT_WAIT_S = 5.0  # a longer 429 pause is not waited out in-line: the outbox retries later
# A file upload takes a slot and a half: its body takes a less predictable time to arrive, and
# Telegram counts it when it arrives, so uploads keep a wider margin under the 30/s limit.
UPLOAD_METHODS = frozenset({"sendDocument", "sendPhoto"})
UPLOAD_WEIGHT = 1.5
_PRUNE_ABOVE = 4096


class WindowClosed(Exception):
    """The claim's delivery window closed before the pacer let the message go."""


class SendWindow:
    """Until when messages of one claim may still start on their way; closable early.

    `deadline` is the claim's `send_deadline` on the wall clock (None: no lease to respect); the
    pacer checks it right before each request leaves and cuts the request at `send_timeout`, so no
    request of the claim is in flight once its lease is about to expire (see soglasie.services.dispatch).
    """

    def __init__(self, deadline: dt.datetime | None, clock: Callable[[], dt.datetime] = wall_clock,
                 send_timeout: float = SEND_TIMEOUT.total_seconds()):
        self.deadline, self.clock, self.send_timeout = deadline, clock, send_timeout
        self.closed = False

    @classmethod
    def for_claim(cls, deliveries, clock: Callable[[], dt.datetime] = wall_clock) -> "SendWindow":
        """The window of a claim's deliveries: until the earliest of their send deadlines."""
        leases = [delivery.lease_expires_at for delivery in deliveries if delivery.lease_expires_at is not None]
        return cls(send_deadline(min(leases)) if leases else None, clock)

    def close(self) -> None:
        """No more sending (the process is stopping)."""
        self.closed = True

    @property
    def is_open(self) -> bool:
        """True while a send may still start."""
        return not self.closed and (self.deadline is None or self.clock() < self.deadline)


# The pacer checks the window of the task it serves right before the request leaves.
CURRENT_WINDOW: ContextVar[SendWindow | None] = ContextVar("soglasie_telegram_window", default=None)


def check_window() -> float | None:
    """Raise WindowClosed when the current task's window has closed; else the request's time limit (s)."""
    window = CURRENT_WINDOW.get()
    if window is None:
        return None
    if not window.is_open:
        raise WindowClosed()
    return window.send_timeout


def retry_after_seconds(error: RetryAfter) -> float:
    """A 429's retry_after in seconds (read without PTB's int-vs-timedelta deprecation warning)."""
    value = getattr(error, "_retry_after", None)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(error.retry_after)  # pragma: no cover - older PTB


class Pacer(BaseRateLimiter[None]):
    """Even spacing overall, one request at a time per chat, and a global pause after a 429."""

    def __init__(self, overall_per_second: float = OVERALL_PER_SECOND, chat_interval: float = CHAT_INTERVAL_S,
                 max_halt_wait: float = MAX_HALT_WAIT_S, clock: Callable[[], float] = time.monotonic):
        self.spacing = 1.0 / overall_per_second
        self.chat_interval = chat_interval
        self.max_halt_wait = max_halt_wait
        self._clock = clock
        self._released_at = -1e9
        self._gate = asyncio.Lock()
        self._halted_until = 0.0
        self._chat_next: dict[str, float] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._chat_users: Counter[str] = Counter()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def halted_for(self) -> float:
        """Seconds left of the pause a 429 imposed (0 when not paused)."""
        return max(0.0, self._halted_until - self._clock())

    async def process_request(self, callback, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: None) -> Any:
        """Run one Bot API request when the limits allow it."""
        chat_id = data.get("chat_id")
        if chat_id is None:  # getUpdates, answerCallbackQuery, getMe: not messages in a chat
            return await callback(*args, **kwargs)
        key = str(chat_id)
        self._chat_users[key] += 1
        try:
            async with self._chat_locks.setdefault(key, asyncio.Lock()):
                await self._sleep_until(self._chat_next.get(key, 0.0))
                await self._admit(UPLOAD_WEIGHT if endpoint in UPLOAD_METHODS else 1.0)
                limit = check_window()
                try:
                    return await self._call(callback, args, kwargs, limit)
                finally:
                    self._chat_next[key] = self._clock() + self.chat_interval
        finally:
            self._release(key)

    async def _admit(self, weight: float = 1.0) -> None:
        """Wait out any 429 pause, then take the next overall slot (`weight` slots wide)."""
        while True:
            remaining = self.halted_for()
            if remaining > self.max_halt_wait:
                raise RetryAfter(dt.timedelta(seconds=remaining))
            await asyncio.sleep(remaining)
            # One waiter at a time holds the gate, and slots count from the last actual release:
            # after a stall of the loop, waiters go out one spacing apart, not in a catch-up burst.
            async with self._gate:
                slot = self._released_at + self.spacing * weight
                await self._sleep_until(slot)
                if self.halted_for() == 0:  # a 429 may have arrived while we waited for the slot
                    now = self._clock()
                    # On time (timer jitter): keep the grid, so the rate does not drift below the target.
                    self._released_at = slot if now - slot < self.spacing * weight / 2 else now
                    return

    async def _call(self, callback, args, kwargs, limit: float | None = None):
        try:
            async with asyncio.timeout(limit):  # a send under a lease ends before its lease does
                return await callback(*args, **kwargs)
        except RetryAfter as error:  # Telegram's flood control: everybody waits, as it asks
            self._halted_until = max(self._halted_until, self._clock() + retry_after_seconds(error))
            raise
        except TimeoutError as error:  # only our limit raises it (PTB's own timeouts are TimedOut)
            raise TimedOut(f"no answer within the send timeout ({limit} s)") from error

    async def _sleep_until(self, at: float) -> None:
        delay = at - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)

    def _release(self, key: str) -> None:
        self._chat_users[key] -= 1
        if self._chat_users[key] <= 0:
            del self._chat_users[key]
            self._chat_locks.pop(key, None)
        if len(self._chat_next) > _PRUNE_ABOVE:
            now = self._clock()
            for stale in [chat for chat, at in self._chat_next.items() if at <= now]:
                del self._chat_next[stale]
