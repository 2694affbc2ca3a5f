"""Logging in and out: sessions, throttling shared through the database, cookies and headers."""

from __future__ import annotations

import pytest

from soglasie.services import admin, profile
from tests.conftest import T0
from tests.webapp.conftest import csrf_from

@pytest.fixture
def database_url(sqlite_database):
    """Sessions, throttling and headers are the web layer's own: one backend is enough."""
    return sqlite_database



def _login(client, login, password="demo", environ=None):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token},
                       environ_base=environ or {})


def test_the_login_page_is_russian_by_default_and_english_on_request(client):
    assert "Вход в «Согласие»" in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Log in to Soglasie" in english


def test_a_good_login_opens_my_work_with_a_safe_cookie(client):
    response = _login(client, "memployee")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Максим" in client.get("/").get_data(as_text=True)


def test_cookies_are_secure_when_configured(core, clock):
    from webapp import create_app

    app = create_app({"SOGLASIE_CORE": core, "TESTING": True, "SOGLASIE_CLOCK": clock,
                      "SOGLASIE_SECURE_COOKIES": True})
    response = app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]


BAD_LOGINS = [("memployee", "wrong"), ("nobody", "demo"), ("", ""), ("memployee", "x" * 500), ("' OR 1=1 --", "demo")]


def test_a_bad_login_is_refused_without_saying_which_part(client):
    for login, password in BAD_LOGINS:
        response = _login(client, login, password)
        assert response.status_code in (400, 401), login
        assert client.get("/").status_code == 302


def test_five_failures_lock_the_login_for_the_window(client, clock):
    for _ in range(5):
        assert _login(client, "memployee", "wrong").status_code == 401
    locked = _login(client, "memployee")
    assert locked.status_code == 429
    assert "Попробуйте через 15 мин" in locked.get_data(as_text=True)
    clock.advance(minutes=15, seconds=1)
    assert _login(client, "memployee").status_code == 302


def test_the_lock_is_kept_in_the_database_so_every_process_sees_it(core, clock, client):
    from webapp import create_app

    for _ in range(5):
        _login(client, "mhead", "wrong")
    other_process = create_app({"SOGLASIE_CORE": core, "TESTING": True, "SOGLASIE_CLOCK": clock}).test_client()
    assert _login(other_process, "mhead").status_code == 429


def test_a_success_clears_the_names_failures(client):
    for _ in range(4):
        _login(client, "memployee", "wrong")
    assert _login(client, "memployee").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    for _ in range(4):
        _login(client, "memployee", "wrong")
    assert _login(client, "memployee").status_code == 302


def test_one_address_guessing_many_names_is_throttled(app, client):
    app.config["SOGLASIE_LOGIN_IP_LIMIT"] = 6
    for index in range(6):
        _login(client, f"user{index}", "guess")
    assert _login(client, "memployee").status_code == 429
    assert _login(client, "memployee", environ={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_a_deactivated_user_cannot_log_in_and_his_session_ends(core, users, client):
    assert _login(client, "memployee").status_code == 302
    admin.update_user(core, users["admin"], users["memployee"], T0, name="Максим", roles=["employee"], active=False)
    assert client.get("/").status_code == 302
    assert _login(client, "memployee").status_code == 401


def test_a_new_password_ends_other_sessions(core, users, client, app):
    other = app.test_client()
    _login(client, "memployee")
    _login(other, "memployee")
    profile.change_password(core, users["memployee"], "demo", "a-new-secret")
    assert client.get("/").status_code == 302 and other.get("/").status_code == 302
    assert _login(client, "memployee", "a-new-secret").status_code == 302


def test_logout_needs_a_post_with_the_token(auth):
    auth.login("memployee")
    assert auth.client.get("/logout").status_code == 405
    assert auth.client.post("/logout").status_code == 400
    assert auth.post("/logout").status_code == 302
    assert auth.client.get("/").status_code == 302


def test_the_login_form_needs_its_csrf_token(client):
    response = client.post("/login", data={"login": "memployee", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


NEXT_TARGETS = [("/board", "/board"), ("//evil.example/x", "/"), ("https://evil.example/", "/"),
                ("/\\evil.example", "/"), ("javascript:alert(1)", "/")]


def test_after_login_only_local_next_targets_are_followed(app):
    for target, landing in NEXT_TARGETS:
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"login": "memployee", "password": "demo", "csrf_token": token,
                                               "next": target})
        assert response.headers["Location"] == landing, target


def test_anonymous_visitors_are_sent_to_log_in_and_back(client):
    response = client.get("/board?mine=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/board")


def test_every_page_carries_the_security_headers(auth):
    auth.login("memployee")
    for path in ("/login", "/", "/board", "/api/v1/cost-items", "/static/css/app.css"):
        headers = auth.client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_the_language_switch_works_for_visitors_and_is_saved_for_users(client, auth, core, users):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/login"})
    assert "Log in to Soglasie" in client.get("/login").get_data(as_text=True)
    auth.login("mhead")
    auth.post("/language", {"locale": "en"})
    assert profile.get_profile(core, users["mhead"])["locale"] == "en"
    assert "My tasks" in auth.client.get("/").get_data(as_text=True)
