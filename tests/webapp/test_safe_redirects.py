"""Where the login and the language switch send you: only to a path on this site (issue 11, point 1).

Before: `next=/%09/evil.example` redirected to `//evil.example` (browsers drop the tab) and
`next=/\\r/x` was a 500 (a line break in the Location header).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.webapp.conftest import csrf_from


@pytest.fixture
def database_url(sqlite_database):
    """Redirect targets are the web layer's own: one backend is enough."""
    return sqlite_database


def _login(client, login: str, password: str = "demo", **fields):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token, **fields})


HOSTILE_NEXT = ["/%09/evil.example", "/\t/evil.example", "/\r/x", "/\n/x", "/\\evil.example", "/a\\b",
                "//evil.example", "https://evil.example/", "javascript:alert(1)", "http:/evil.example",
                "///evil.example", "/%2F/evil.example", "/%5cevil.example"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_refuses_every_next_that_could_leave_the_site(app, target):
    client = app.test_client()
    token = csrf_from(client.get(f"/login?next={quote(target, safe='/%')}").get_data(as_text=True))
    response = client.post("/login", data={"login": "memployee", "password": "demo", "csrf_token": token,
                                           "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/", target


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_the_language_switch_refuses_them_too(client, target):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/language", data={"locale": "en", "csrf_token": token, "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/", target


def test_a_local_next_with_a_query_is_still_followed(app):
    assert _login(app.test_client(), "memployee", next="/board?mine=1").headers["Location"] == "/board?mine=1"
