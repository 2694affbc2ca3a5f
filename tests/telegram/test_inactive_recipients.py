"""Nothing is delivered to a deactivated user (issue 11, point 1), by the dispatcher or the bot's drain.

A message whose recipient is inactive when its turn comes is marked `failed` with
INACTIVE_RECIPIENT and never retried — not even after the user is reactivated (his old chat
link is gone by then: deactivation unlinks Telegram).
"""

from __future__ import annotations

import datetime as dt

from soglasie.models import User
from soglasie.notifications.outbox import Notice, enqueue
from soglasie.services import admin
from soglasie.services.dispatch import INACTIVE_RECIPIENT, dispatch
from tests.conftest import T0
from tests.telegram.conftest import link, telegram_rows


def _queue(core, users, login: str) -> None:
    with core.db.write() as session:
        user = session.get(User, users[login])
        enqueue(session, Notice(user, "test", f"test:{login}", {"ru": "привет", "en": "hello"}), ("telegram",), T0)


def _deactivate_keeping_the_chat(core, users, login: str) -> None:
    """An inactive user whose chat link is still there (deactivated before links were cut on deactivation)."""
    with core.db.write() as session:
        session.get(User, users[login]).active = False


def test_the_dispatcher_marks_a_deactivated_users_message_and_never_sends_it(tg_core, users, fake_api, channel):
    link(tg_core, users, "mhead")
    link(tg_core, users, "phead")
    _queue(tg_core, users, "mhead")
    _queue(tg_core, users, "phead")
    _deactivate_keeping_the_chat(tg_core, users, "mhead")
    counts = dispatch(tg_core, T0, {"telegram": channel})
    assert counts["sent"] == 1 and [message["chat"]["id"] for message in fake_api.sent()] == [7_000_000_005]
    [row] = telegram_rows(tg_core, recipient_id=users["mhead"])
    assert (row.status, row.last_error, row.next_attempt_at) == ("failed", INACTIVE_RECIPIENT, None)
    assert dispatch(tg_core, T0 + dt.timedelta(days=1), {"telegram": channel})["claimed"] == 0


def test_a_reactivated_user_does_not_get_what_was_queued_while_he_was_away(tg_core, users, fake_api, channel):
    link(tg_core, users, "mhead")
    _queue(tg_core, users, "mhead")
    admin.update_user(tg_core, users["admin"], users["mhead"], T0, name="Михаил", roles=["employee"], active=False)
    dispatch(tg_core, T0, {"telegram": channel})
    admin.update_user(tg_core, users["admin"], users["mhead"], T0, name="Михаил", roles=["employee"], active=True)
    link(tg_core, users, "mhead")
    assert dispatch(tg_core, T0 + dt.timedelta(hours=1), {"telegram": channel})["claimed"] == 0
    assert fake_api.sent() == [] and telegram_rows(tg_core)[0].status == "failed"


def test_the_bots_drain_skips_a_deactivated_user_too(tg_core, users, fake_api, bot):
    link(tg_core, users, "mhead")
    link(tg_core, users, "phead")
    _deactivate_keeping_the_chat(tg_core, users, "mhead")
    _queue(tg_core, users, "mhead")
    _queue(tg_core, users, "phead")
    fake_api.wait_sent(7_000_000_005)
    fake_api.wait_for(lambda: telegram_rows(tg_core, recipient_id=users["mhead"])[0].status == "failed")
    assert [message["chat"]["id"] for message in fake_api.sent()] == [7_000_000_005]
