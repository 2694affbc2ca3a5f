"""Leases on the wall clock: no send after a claim's send deadline, no reclaim of a live lease.

The wall clock here is a SimClock too, moved by the test (or by a slow fake Telegram), so the
minutes of a lease pass in milliseconds; business time (`now`) is passed separately, as the DAG does.
"""

from __future__ import annotations

import datetime as dt

from soglasie.services.dispatch import LEASE, SEND_TIMEOUT, SETTLE, claim, dispatch, send_deadline
from soglasie.telegram_bot.channel import TelegramChannel
from tests.conftest import T0
from tests.telegram.conftest import SimClock, count_rows, fast_pacer, telegram_rows
from tests.telegram.test_delivery import _assert_exactly_once, _notify

SLOW = dt.timedelta(seconds=50)  # each message takes Telegram this long to accept (on the wall clock)


def test_a_lease_running_out_mid_batch_leaves_the_rest_to_the_next_claimer(tg_core, users, fake_api):
    wall = SimClock(T0 + dt.timedelta(days=3))  # unrelated to business time, as for a late DAG run
    started = []

    def slow_telegram():
        started.append(wall())
        wall.set(wall() + SLOW)

    fake_api.before_send = slow_telegram
    _notify(tg_core, users, per_user=8, logins=("mhead",))  # one chat: its messages go one after another
    channel = TelegramChannel(tg_core.settings, tg_core, pacer=fast_pacer(), clock=wall)
    try:
        lease_expires_at = wall() + LEASE
        counts = dispatch(tg_core, T0, {"telegram": channel}, clock=wall)
        # Sends start at +0, 50, 100, 150, 200 s; +250 s is past the deadline (lease − 60 s − 30 s = +210 s).
        assert (counts["sent"], counts["retry"]) == (5, 3) and len(fake_api.sent()) == 5
        assert max(started) < send_deadline(lease_expires_at)
        assert max(started) + SEND_TIMEOUT + SETTLE < lease_expires_at  # ended and recorded before it expired
        assert count_rows(tg_core, "pending") == 3 and count_rows(tg_core, "sending") == 0  # released, not held
        assert {row.last_error for row in telegram_rows(tg_core, status="pending")} == {
            "not sent before its claim expired"}
        wall.set(wall() + dt.timedelta(minutes=1))
        assert dispatch(tg_core, T0 + dt.timedelta(minutes=1), {"telegram": channel}, clock=wall)["sent"] == 3
    finally:
        channel.close()
    _assert_exactly_once(tg_core, fake_api)


def test_a_claim_for_a_later_instant_cannot_take_a_live_lease(core, users):
    _notify(core, users, per_user=1, logins=("mhead",))
    wall = SimClock(T0)
    assert len(claim(core, T0, ("telegram",), clock=wall)) == 1
    a_day_later = T0 + dt.timedelta(days=1)  # a DAG run for a far later tick: the row is due for it
    wall.set(T0 + LEASE - dt.timedelta(seconds=1))
    assert claim(core, a_day_later, ("telegram",), clock=wall) == []  # still leased on the wall clock
    wall.set(T0 + LEASE)
    assert len(claim(core, a_day_later, ("telegram",), clock=wall)) == 1  # a dead claim, taken over
