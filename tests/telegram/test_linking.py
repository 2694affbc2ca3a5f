"""Linking a chat: one-time expiring deep links, /start, /stop, and what an unknown chat gets."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from soglasie.errors import DomainError
from soglasie.models import TelegramLink, User
from soglasie.services import telegram_links
from soglasie.services.telegram_links import LINK_TTL, create_link, link_chat
from tests.conftest import T0
from tests.telegram.conftest import CHATS

CHAT = CHATS["mhead"]


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["start"][0]


def _chat_of(core, user_id):
    with core.db.read() as session:
        return session.get(User, user_id).telegram_chat_id


def test_a_link_names_the_bot_and_stores_only_a_hash(tg_core, users):
    url = create_link(tg_core, users["mhead"], T0)
    assert url.startswith("https://t.me/soglasie_test_bot?start=")  # asked getMe: no username configured
    token = _token(url)
    assert 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()
    with tg_core.db.read() as session:
        row = session.query(TelegramLink).one()
        assert token not in row.token_hash and row.expires_at == T0 + LINK_TTL


def test_the_configured_username_wins_over_get_me(tg_core, users, fake_api):
    tg_core.settings = tg_core.settings.with_overrides(telegram_bot_username="@acme_soglasie_bot")
    assert create_link(tg_core, users["mhead"], T0).startswith("https://t.me/acme_soglasie_bot?start=")
    assert fake_api.calls("getMe") == []


def test_no_link_when_telegram_is_off(core, users):
    with pytest.raises(DomainError) as caught:
        create_link(core, users["mhead"], T0)
    assert caught.value.code == "telegram_disabled"


@pytest.mark.parametrize("when, used, expected", [
    (T0 + LINK_TTL - dt.timedelta(seconds=1), False, True),
    (T0 + LINK_TTL, False, False),  # expired
    (T0 + dt.timedelta(minutes=1), True, False),  # already used once
])
def test_a_token_links_once_and_only_before_it_expires(tg_core, users, when, used, expected):
    token = _token(create_link(tg_core, users["mhead"], T0))
    if used:
        assert link_chat(tg_core, token, 555, T0) is not None
    assert (link_chat(tg_core, token, CHAT, when) is not None) is expected
    assert (_chat_of(tg_core, users["mhead"]) == CHAT) is expected


def test_a_new_link_voids_the_previous_one(tg_core, users):
    first = _token(create_link(tg_core, users["mhead"], T0))
    second = _token(create_link(tg_core, users["mhead"], T0 + dt.timedelta(minutes=1)))
    assert link_chat(tg_core, first, CHAT, T0 + dt.timedelta(minutes=2)) is None
    assert link_chat(tg_core, second, CHAT, T0 + dt.timedelta(minutes=2)).id == users["mhead"]


def test_a_chat_moves_to_another_user_only_with_that_users_fresh_token(tg_core, users):
    link_chat(tg_core, _token(create_link(tg_core, users["mhead"], T0)), CHAT, T0)
    link_chat(tg_core, _token(create_link(tg_core, users["phead"], T0)), CHAT, T0)
    assert _chat_of(tg_core, users["mhead"]) is None
    assert _chat_of(tg_core, users["phead"]) == CHAT


def test_start_with_a_token_links_the_chat_and_confirms_in_the_users_language(tg_core, users, fake_api, bot):
    with tg_core.db.write() as session:
        session.get(User, users["mhead"]).telegram_error = "403 Forbidden: bot was blocked by the user"
    token = _token(create_link(tg_core, users["mhead"], T0))
    fake_api.user_sends(CHAT, f"/start {token}", language_code="en")
    [confirmation] = fake_api.wait_sent(CHAT)
    assert confirmation["text"].startswith("Готово") and "/stop" in confirmation["text"]  # mhead reads Russian
    with tg_core.db.read() as session:
        user = session.get(User, users["mhead"])
        assert user.telegram_chat_id == CHAT and user.telegram_error is None


@pytest.mark.parametrize("text", ["/start", "/start not-a-token", "hello", "/approve 1"])
def test_an_unknown_chat_gets_instructions_and_nothing_else(tg_core, users, fake_api, bot, text):
    fake_api.user_sends(CHAT, text)
    [answer] = fake_api.wait_sent(CHAT)
    assert "не связан" in answer["text"] and "reply_markup" not in answer
    with tg_core.db.read() as session:
        assert session.query(User).filter(User.telegram_chat_id.is_not(None)).count() == 0


def test_stop_unlinks(tg_core, users, fake_api, bot):
    link_chat(tg_core, _token(create_link(tg_core, users["mhead"], T0)), CHAT, T0)
    fake_api.user_sends(CHAT, "/stop")
    [answer] = fake_api.wait_sent(CHAT)
    assert "отвязан" in answer["text"]
    assert _chat_of(tg_core, users["mhead"]) is None


def test_a_group_chat_cannot_be_linked(tg_core, users, fake_api, bot):
    token = _token(create_link(tg_core, users["mhead"], T0))
    fake_api.user_sends(-100123, f"/start {token}", chat_type="supergroup")
    [answer] = fake_api.wait_sent(-100123)
    assert "личном чате" in answer["text"]
    assert _chat_of(tg_core, users["mhead"]) is None


def test_get_me_is_asked_once_per_process(tg_core, users, fake_api):
    telegram_links._usernames.clear()
    create_link(tg_core, users["mhead"], T0)
    create_link(tg_core, users["phead"], T0)
    assert len(fake_api.calls("getMe")) == 1
