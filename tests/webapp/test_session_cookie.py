"""The session cookie: page loads slide its expiry; background requests never resend it unchanged.

Otherwise a search-as-you-type request that started before a form's redirect would answer with
the session as it was and wipe the flash message the redirect had just stored (seen in the
browser suite).
"""

from __future__ import annotations

import pytest

COOKIE = "soglasie_session"


@pytest.fixture
def database_url(sqlite_database):
    return sqlite_database


def _sets_session(response) -> bool:
    return any(value.startswith(f"{COOKIE}=") for value in response.headers.getlist("Set-Cookie"))


def test_a_page_load_refreshes_the_session(auth, client):
    auth.login_with_form("memployee")
    assert _sets_session(client.get("/"))


@pytest.mark.parametrize("url", ["/api/v1/counterparties?search=77", "/api/v1/notifications"])
def test_background_requests_leave_the_cookie_alone(auth, client, url):
    auth.login_with_form("memployee")
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200 and not _sets_session(response)


def test_a_flash_survives_a_background_request_that_raced_the_redirect(auth, client):
    auth.login_with_form("memployee")
    stale = client.get_cookie(COOKIE).value  # what a concurrent background request carried
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "filed")]
    fresh = client.get_cookie(COOKIE).value
    client.set_cookie(COOKIE, stale)
    response = client.get("/api/v1/counterparties?search=77", headers={"Accept": "application/json"})
    assert not _sets_session(response)
    client.set_cookie(COOKIE, fresh)  # the browser keeps the redirect's cookie
    assert "filed" in client.get("/").get_data(as_text=True)
