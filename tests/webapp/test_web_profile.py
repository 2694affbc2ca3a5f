"""The profile: language, password, API tokens (shown once, revocable), Telegram when configured."""

from __future__ import annotations

import re

from soglasie.services import profile
from tests.conftest import T0


def test_a_token_is_shown_once_works_and_can_be_revoked(auth, core, users, client):
    auth.login("memployee")
    response = auth.post("/profile/tokens", {"name": "скрипт"})
    assert response.status_code == 201
    token = re.search(r'data-testid="new-token" data-copy>([^<]+)<', response.get_data(as_text=True)).group(1)
    assert token not in auth.client.get("/profile").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    token_id = profile.list_tokens(core, users["memployee"])[0]["id"]
    assert auth.post(f"/profile/tokens/{token_id}/revoke").status_code == 303
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401


def test_someone_elses_token_cannot_be_revoked(auth, core, users):
    profile.create_api_token(core, users["mhead"], T0, "его")
    token_id = profile.list_tokens(core, users["mhead"])[0]["id"]
    auth.login("memployee")
    assert auth.post(f"/profile/tokens/{token_id}/revoke").status_code == 404
    assert profile.list_tokens(core, users["mhead"])[0]["active"]


def test_the_language_is_saved(auth, core, users):
    auth.login("memployee")
    assert auth.post("/profile/language", {"locale": "en"}).status_code == 303
    assert "Profile" in auth.client.get("/profile").get_data(as_text=True)
    assert profile.get_profile(core, users["memployee"])["locale"] == "en"


def test_the_password_is_changed_and_this_session_continues(auth):
    auth.login("memployee")
    wrong = auth.post("/profile/password", {"current_password": "nope", "new_password": "new-secret-1",
                                            "repeat": "new-secret-1"})
    assert wrong.status_code == 422 and "Текущий пароль неверен." in wrong.get_data(as_text=True)
    differ = auth.post("/profile/password", {"current_password": "demo", "new_password": "new-secret-1",
                                             "repeat": "other"})
    assert differ.status_code == 422
    assert auth.post("/profile/password", {"current_password": "demo", "new_password": "new-secret-1",
                                           "repeat": "new-secret-1"}).status_code == 303
    assert auth.client.get("/profile").status_code == 200
    assert auth.login_with_form("memployee", "new-secret-1").status_code == 302


def test_telegram_is_hidden_when_not_configured(auth):
    auth.login("memployee")
    page = auth.client.get("/profile").get_data(as_text=True)
    assert "Telegram не подключён на этом сервере." in page and 'data-testid="telegram-link"' not in page


def test_telegram_link_button_when_configured(auth, core):
    core.settings = core.settings.with_overrides(telegram_bot_token="123:abc", telegram_bot_username="soglasie_bot")
    auth.login("memployee")
    page = auth.client.get("/profile").get_data(as_text=True)
    assert 'data-testid="telegram-link"' in page
    body = auth.post("/profile/telegram").get_data(as_text=True)
    assert 'href="https://t.me/soglasie_bot?start=' in body
