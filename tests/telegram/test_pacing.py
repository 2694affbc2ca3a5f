"""The pacer on its own: even spacing overall, one request per chat per interval, a pause after a 429."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from telegram.error import RetryAfter

from soglasie.telegram_bot.pacing import Pacer


def _run(pacer: Pacer, calls, endpoint: str = "sendMessage"):
    """Run (chat_id, outcome) calls through the pacer concurrently; the start time of each request."""
    started = {}

    async def request(index, outcome):
        started[index] = time.monotonic()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def main():
        jobs = [pacer.process_request(request, (i, outcome), {}, endpoint,
                                      {} if chat is None else {"chat_id": chat}, None)
                for i, (chat, outcome) in enumerate(calls)]
        return await asyncio.gather(*jobs, return_exceptions=True)

    results = asyncio.run(main())
    return [started.get(i) for i in range(len(calls))], results


def test_one_chat_is_spaced_by_the_interval_in_order():
    starts, _ = _run(Pacer(overall_per_second=1000, chat_interval=0.2), [(1, "a"), (1, "b"), (1, "c")])
    assert starts == sorted(starts)
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.2


def test_different_chats_share_only_the_overall_rate():
    starts, _ = _run(Pacer(overall_per_second=50, chat_interval=5.0), [(chat, "x") for chat in range(10)])
    span = max(starts) - min(starts)
    assert 9 / 50 - 0.01 <= span < 1.0  # evenly spaced at 1/50 s, not a chat interval apart


def test_uploads_take_a_slot_and_a_half():
    starts, _ = _run(Pacer(overall_per_second=50, chat_interval=5.0), [(chat, "x") for chat in range(10)],
                     "sendDocument")
    assert 9 * 1.5 / 50 - 0.01 <= max(starts) - min(starts) < 1.0


def test_requests_without_a_chat_are_not_paced():
    starts, _ = _run(Pacer(overall_per_second=1, chat_interval=5.0), [(None, "x")] * 5)
    assert max(starts) - min(starts) < 0.5


def test_a_429_pauses_every_chat_for_its_retry_after():
    pacer = Pacer(overall_per_second=1000, chat_interval=0.0)

    async def main():
        async def flood():
            raise RetryAfter(dt.timedelta(seconds=1))

        async def fine():
            return time.monotonic()

        with pytest.raises(RetryAfter):
            await pacer.process_request(flood, (), {}, "sendMessage", {"chat_id": 1}, None)
        hit = time.monotonic()
        return hit, await pacer.process_request(fine, (), {}, "sendMessage", {"chat_id": 2}, None)

    hit, sent = asyncio.run(main())
    assert sent - hit >= 0.95


def test_a_pause_longer_than_it_waits_in_line_is_handed_back():
    pacer = Pacer(max_halt_wait=1.0)

    async def main():
        async def flood():
            raise RetryAfter(dt.timedelta(seconds=30))

        with pytest.raises(RetryAfter):
            await pacer.process_request(flood, (), {}, "sendMessage", {"chat_id": 1}, None)
        start = time.monotonic()
        with pytest.raises(RetryAfter):
            await pacer.process_request(flood, (), {}, "sendMessage", {"chat_id": 2}, None)
        return time.monotonic() - start

    assert asyncio.run(main()) < 0.5


def test_a_send_under_a_lease_is_cut_at_the_send_timeout_and_none_starts_past_the_deadline():
    from telegram.error import TimedOut

    from soglasie.telegram_bot.pacing import CURRENT_WINDOW, SendWindow, WindowClosed

    wall = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.timezone.utc)
    pacer = Pacer(overall_per_second=1000, chat_interval=0.0)

    async def hangs():
        await asyncio.sleep(5)

    async def send_under(window):
        CURRENT_WINDOW.set(window)
        return await pacer.process_request(hangs, (), {}, "sendMessage", {"chat_id": 1}, None)

    async def main():
        open_ = SendWindow(wall + dt.timedelta(seconds=1), clock=lambda: wall, send_timeout=0.05)
        past = SendWindow(wall, clock=lambda: wall)
        return await asyncio.gather(send_under(open_), send_under(past), return_exceptions=True)

    began = time.monotonic()
    cut, refused = asyncio.run(main())
    assert isinstance(cut, TimedOut) and time.monotonic() - began < 1  # cut, not waited out
    assert isinstance(refused, WindowClosed)
