"""Webhook mode: Telegram's secret token header is required; a wrong one gets 403 and nothing happens."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlsplit

import pytest

from soglasie.models import User
from soglasie.services.telegram_links import create_link
from soglasie.telegram_bot.service import BotOptions, BotService, webhook_secret
from tests.conftest import T0
from tests.telegram.conftest import CHATS, RunningBot, fast_pacer
from tests.telegram.fake_bot_api import post_update

CHAT = CHATS["mhead"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def webhook_bot(tg_core, clock, fake_api):
    """The bot in webhook mode, listening on a local port."""
    port = _free_port()
    tg_core.settings = tg_core.settings.with_overrides(telegram_webhook_url=f"http://127.0.0.1:{port}/tg/hook")
    service = BotService(tg_core, BotOptions(listen="127.0.0.1", port=port, drain_interval=0.1), clock=clock,
                         pacer=fast_pacer())
    with RunningBot(service) as running:
        yield running


def _start_update(core, users) -> dict:
    token = parse_qs(urlsplit(create_link(core, users["mhead"], T0)).query)["start"][0]
    text = f"/start {token}"
    return {"update_id": 1, "message": {
        "message_id": 1, "date": 0, "chat": {"id": CHAT, "type": "private", "first_name": "M"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "M"}, "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


def _linked(core, users) -> int | None:
    with core.db.read() as session:
        return session.get(User, users["mhead"]).telegram_chat_id


def test_the_bot_registers_its_webhook_with_a_secret(tg_core, fake_api, webhook_bot):
    [call] = fake_api.calls("setWebhook")
    assert call.params["url"] == tg_core.settings.telegram_webhook_url
    assert call.params["secret_token"] == webhook_secret(tg_core) and len(call.params["secret_token"]) >= 32


@pytest.mark.parametrize("secret", [None, "", "wrong", "x" * 64])
def test_a_wrong_secret_gets_403_and_nothing_is_processed(tg_core, users, fake_api, webhook_bot, secret):
    update = _start_update(tg_core, users)
    assert post_update(tg_core.settings.telegram_webhook_url, update, secret) == 403
    assert post_update(tg_core.settings.telegram_webhook_url, update, webhook_secret(tg_core)[:-1] + "0") == 403
    fake_api.user_sends(CHATS["ops"], "/help")  # a genuine update after them: processed, as a barrier
    fake_api.wait_sent(CHATS["ops"])
    assert fake_api.sent(CHAT) == [] and _linked(tg_core, users) is None


def test_the_right_secret_is_processed(tg_core, users, fake_api, webhook_bot):
    fake_api.user_sends(CHAT, _start_update(tg_core, users)["message"]["text"])  # Telegram posts it with the secret
    fake_api.wait_sent(CHAT)
    assert _linked(tg_core, users) == CHAT


def test_other_paths_and_bodies_are_refused(tg_core, users, webhook_bot):
    url, secret = tg_core.settings.telegram_webhook_url, webhook_secret(tg_core)
    assert post_update(url.replace("/tg/hook", "/other"), _start_update(tg_core, users), secret) == 404
    assert post_update(url, ["not", "an", "update"], secret) == 400


def test_a_configured_secret_is_used_as_is(tg_core):
    tg_core.settings = tg_core.settings.with_overrides(telegram_webhook_secret="s3cr3t_from-env")
    assert webhook_secret(tg_core) == "s3cr3t_from-env"
