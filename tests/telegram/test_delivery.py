"""Delivery under trouble: 429 storms, 5xx, long outages, blocked users, pacing, two dispatchers at once.

Business time is simulated (each dispatch round passes its `now`); only I/O waits are real.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from soglasie.models import User
from soglasie.notifications.outbox import Notice, enqueue
from soglasie.services.dispatch import dispatch
from soglasie.telegram_bot.channel import TelegramChannel
from soglasie.telegram_bot.pacing import Pacer
from tests.conftest import T0
from tests.telegram.conftest import count_rows, link, telegram_rows

LOGINS = ("admin", "ops", "finance", "chief", "accountant", "signer", "mhead", "memployee", "phead", "pemployee")


def _notify(core, users, per_user: int = 2, logins=LOGINS, now=T0) -> int:
    """Link each login to a chat of its own and queue `per_user` distinct messages for each."""
    for index, login in enumerate(logins):
        link(core, users, login, 9_000_000_000 + index)
    with core.db.write() as session:
        for login in logins:
            user = session.get(User, users[login])
            for n in range(per_user):
                text = f"message {n} for {login}"
                enqueue(session, Notice(user, "test", f"test:{login}:{n}", {"ru": text, "en": text}), ("telegram",),
                        now)
    return per_user * len(logins)


def _drive(core, channel, start=T0, step=dt.timedelta(seconds=15), rounds=200) -> dt.datetime:
    """Dispatch rounds in simulated time until nothing is pending; returns the simulated end."""
    now = start
    for _ in range(rounds):
        dispatch(core, now, {"telegram": channel})
        if count_rows(core, "pending") == count_rows(core, "sending") == 0:
            return now
        now += step
    raise AssertionError("messages still pending")


def _assert_exactly_once(core, fake_api) -> None:
    rows = telegram_rows(core)
    assert {row.status for row in rows} == {"sent"}
    with core.db.read() as session:
        chats = {user.id: user.telegram_chat_id for user in session.query(User)}
    recorded = sorted((chats[row.recipient_id], int(row.external_id)) for row in rows)
    delivered = sorted((message["chat"]["id"], message["message_id"]) for message in fake_api.sent())
    assert delivered == recorded  # as multisets: nothing lost, nothing twice
    for row in rows:
        assert sum(message["text"].startswith(row.text) for message in fake_api.sent()) == 1


def test_a_429_storm_delays_but_neither_loses_nor_doubles(tg_core, users, fake_api, channel):
    total = _notify(tg_core, users)
    fake_api.fail(429, times=12, retry_after=1)
    _drive(tg_core, channel)
    assert len(fake_api.calls("sendMessage", status=429)) == 12
    assert len(fake_api.sent()) == total
    _assert_exactly_once(tg_core, fake_api)


def test_a_429_pushes_the_message_back_by_at_least_its_retry_after(tg_core, users, fake_api, channel):
    _notify(tg_core, users, per_user=1, logins=("mhead",))
    fake_api.fail(429, times=1, retry_after=30)  # longer than the pacer waits in-line
    assert dispatch(tg_core, T0, {"telegram": channel})["retry"] == 1
    [row] = telegram_rows(tg_core)
    assert row.next_attempt_at >= T0 + dt.timedelta(seconds=30) and "429" in row.last_error


def test_server_errors_are_retried_with_backoff(tg_core, users, fake_api, channel):
    _notify(tg_core, users, per_user=1, logins=("mhead", "phead"))
    fake_api.fail(502, times=2)
    assert dispatch(tg_core, T0, {"telegram": channel})["retry"] == 2
    assert dispatch(tg_core, T0 + dt.timedelta(seconds=5), {"telegram": channel})["claimed"] == 0  # backing off
    assert dispatch(tg_core, T0 + dt.timedelta(seconds=10), {"telegram": channel})["sent"] == 2
    _assert_exactly_once(tg_core, fake_api)


def test_a_long_outage_then_recovery_delivers_everything_exactly_once(tg_core, users, fake_api, channel):
    total = _notify(tg_core, users)
    fake_api.set_outage(True)
    outage_end = _drive_until(tg_core, channel, T0, T0 + dt.timedelta(hours=8))
    assert count_rows(tg_core, "pending") == total and count_rows(tg_core, "failed") == 0
    assert min(row.attempts for row in telegram_rows(tg_core)) >= 8  # retried all along, backing off
    fake_api.set_outage(False)
    _drive(tg_core, channel, start=outage_end, step=dt.timedelta(minutes=10))
    _assert_exactly_once(tg_core, fake_api)


def _drive_until(core, channel, start, end, step=dt.timedelta(minutes=5)) -> dt.datetime:
    now = start
    while now < end:
        dispatch(core, now, {"telegram": channel})
        now += step
    return now


def test_blocked_and_vanished_chats_fail_permanently_and_show_on_the_profile(tg_core, users, fake_api, channel):
    _notify(tg_core, users, per_user=1, logins=("mhead", "phead", "ops"))
    fake_api.block(9_000_000_000)  # mhead
    fake_api.forget(9_000_000_001)  # phead
    counts = dispatch(tg_core, T0, {"telegram": channel})
    assert (counts["sent"], counts["failed"]) == (1, 2)
    with tg_core.db.read() as session:
        errors = {login: session.get(User, users[login]).telegram_error for login in ("mhead", "phead", "ops")}
    assert "blocked" in errors["mhead"] and "chat not found" in errors["phead"].lower() and errors["ops"] is None
    assert dispatch(tg_core, T0 + dt.timedelta(days=1), {"telegram": channel})["claimed"] == 0  # never retried


def test_a_message_for_a_user_who_unlinked_is_not_sent(tg_core, users, fake_api, channel):
    _notify(tg_core, users, per_user=1, logins=("mhead",))
    link(tg_core, users, "mhead", 1)
    with tg_core.db.write() as session:
        session.get(User, users["mhead"]).telegram_chat_id = None
    assert dispatch(tg_core, T0, {"telegram": channel})["failed"] == 1
    assert fake_api.sent() == []


def test_pacing_keeps_each_chat_at_one_message_a_second(tg_core, users, fake_api):
    fake_api.enforce_limits()
    _notify(tg_core, users, per_user=3, logins=("mhead", "phead"))
    channel = TelegramChannel(tg_core.settings, tg_core, pacer=Pacer())
    try:
        assert dispatch(tg_core, T0, {"telegram": channel})["sent"] == 6
    finally:
        channel.close()
    assert fake_api.state.limit_hits == 0
    for chat in (9_000_000_000, 9_000_000_001):
        times = [call.at for call in fake_api.calls("sendMessage", chat)]
        assert len(times) == 3 and min(b - a for a, b in zip(times, times[1:])) >= 1.0


def test_the_bot_and_another_dispatcher_together_send_each_message_once(tg_core, users, fake_api, bot, channel):
    total = _notify(tg_core, users, per_user=3)
    done = threading.Event()

    def airflow_dag():  # the safety-net dispatcher, running at the same time as the bot's drain
        while not done.is_set():
            dispatch(tg_core, T0, {"telegram": channel}, limit=5)
            time.sleep(0.01)

    helper = threading.Thread(target=airflow_dag)
    helper.start()
    try:
        fake_api.wait_for(lambda: count_rows(tg_core, "sent") == total, timeout=30)
    finally:
        done.set()
        helper.join()
    _assert_exactly_once(tg_core, fake_api)


def test_the_bot_drain_retries_after_a_429_in_business_time(tg_core, users, fake_api, bot, clock):
    fake_api.fail(429, times=1, retry_after=1)
    _notify(tg_core, users, per_user=1, logins=("mhead",))
    fake_api.wait_for(lambda: fake_api.calls("sendMessage", status=429))
    fake_api.wait_for(lambda: telegram_rows(tg_core)[0].status == "pending" and telegram_rows(tg_core)[0].attempts)
    clock.set(T0 + dt.timedelta(seconds=11))
    fake_api.wait_for(lambda: count_rows(tg_core, "sent") == 1)
    _assert_exactly_once(tg_core, fake_api)


def test_channels_built_per_round_share_one_loop_and_bot(tg_core, users, fake_api):
    from soglasie.notifications.registry import external_channels

    _notify(tg_core, users, per_user=1, logins=("mhead", "phead"))
    for _ in range(2):  # the Airflow DAG builds the channels anew on every run
        assert dispatch(tg_core, T0, external_channels(tg_core.settings), limit=1)["sent"] == 1
    assert [t.name for t in threading.enumerate()].count("soglasie-telegram-loop") == 1
    assert len(fake_api.calls("getMe")) == 1
    _assert_exactly_once(tg_core, fake_api)
