"""A dispatch DAG run that starts late, beside the running bot: each outbox row reaches Telegram once.

The DAG decides what is due at its tick (`data_interval_end`), but it holds its claims on the wall
clock, like the bot: a run that starts minutes after its tick must not hold leases that have already
expired for the bot. Real python-telegram-bot on both sides, against the fake Bot API on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from soglasie.models import OutboxMessage, User
from soglasie.notifications.outbox import Notice, enqueue
from soglasie.telegram_bot.service import BotOptions, BotService
from tests.dags.conftest import AIRFLOW_WARNINGS
from tests.telegram.conftest import RunningBot, count_rows, fake_api, fast_pacer, link, tg_core  # noqa: F401
from tests.telegram.test_delivery import LOGINS

pytestmark = [pytest.mark.airflow, *AIRFLOW_WARNINGS]
# Later than a whole lease (5 min) after its tick: the defect showed at once, not after minutes of waiting.
LATE = dt.timedelta(minutes=6)


def _queue(core, users, wall: dt.datetime, round_: int, per_user: int) -> None:
    with core.db.write() as session:
        for login in LOGINS:
            user = session.get(User, users[login])
            for n in range(per_user):
                text = f"round {round_} message {n} for {login}"
                enqueue(session, Notice(user, "test", f"late:{round_}:{login}:{n}", {"ru": text, "en": text}),
                        ("telegram",), wall - dt.timedelta(minutes=10))


def test_a_late_dag_run_beside_the_bot_delivers_each_row_once(tg_core, users, fake_api, run_dag,  # noqa: F811
                                                              task_env):
    task_env.setenv("TELEGRAM_BOT_TOKEN", fake_api.token)
    task_env.setenv("TELEGRAM_API_BASE_URL", fake_api.base_url)
    for index, login in enumerate(LOGINS):
        link(tg_core, users, login, 9_100_000_000 + index)
    wall = dt.datetime.now(dt.timezone.utc)
    _queue(tg_core, users, wall, 1, per_user=4)  # the DAG claims these (its batch takes them all)
    bot = RunningBot(BotService(tg_core, BotOptions(poll_timeout=1.0, drain_interval=0.1), pacer=fast_pacer()))

    def start_the_bot_once_the_dag_has_claimed():
        fake_api.wait_for(lambda: count_rows(tg_core, "sending") == 40, timeout=60)
        bot.__enter__()  # the bot's clock is the wall clock, as in production
        _queue(tg_core, users, wall, 2, per_user=2)  # and these the bot drains, while the DAG still sends

    starter = threading.Thread(target=start_the_bot_once_the_dag_has_claimed)
    starter.start()
    try:
        result = run_dag("notification_dispatch", wall - LATE)  # paced 1 message/s per chat: ~4 s of sending
        starter.join()
        fake_api.wait_for(lambda: count_rows(tg_core, "sent") == 60, timeout=30)
    finally:
        starter.join()
        if bot.thread.is_alive():
            bot.__exit__(None, None, None)
    assert result.state == "success" and result.counts["claimed"] == 40
    with tg_core.db.read() as session:
        key_of_text = dict(session.execute(select(OutboxMessage.text, OutboxMessage.idempotency_key).where(
            OutboxMessage.channel == "telegram")).all())
    delivered = fake_api.deliveries(lambda message: key_of_text[message["text"]])
    assert sorted(delivered) == sorted(key_of_text.values()) and len(delivered) == 60  # nothing lost
    assert {key: times for key, times in delivered.items() if times != 1} == {}  # nothing twice
    assert result.counts["sent"] == 40  # the DAG kept every claim it had taken
