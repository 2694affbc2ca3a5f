"""API authentication: 401 without credentials, Bearer tokens, CSRF for session calls only."""

from __future__ import annotations

import pytest

from soglasie.services import profile
from tests.conftest import T0

ENDPOINTS = [
    ("GET", "/api/v1/payment-requests"),
    ("GET", "/api/v1/payment-requests/1"),
    ("POST", "/api/v1/payment-requests"),
    ("POST", "/api/v1/payment-requests/1/freeze"),
    ("GET", "/api/v1/contracts"),
    ("GET", "/api/v1/contracts/1"),
    ("POST", "/api/v1/contracts"),
    ("POST", "/api/v1/contracts/1/versions"),
    ("POST", "/api/v1/contracts/1/restart"),
    ("GET", "/api/v1/tasks?mine=1"),
    ("POST", "/api/v1/tasks/1/approve"),
    ("POST", "/api/v1/tasks/1/attachments"),
    ("GET", "/api/v1/notifications"),
    ("POST", "/api/v1/me/telegram-link"),
    ("GET", "/api/v1/counterparties"),
    ("GET", "/api/v1/cost-items"),
]


BAD_HEADERS = ["Bearer nope", "Bearer sgl_" + "x" * 43, "Basic YWRtaW46ZGVtbw==", "Bearer ", "Bearer sgl_" + "y" * 500]


@pytest.fixture
def database_url(sqlite_database):
    """Authentication is the web layer's own: one backend is enough."""
    return sqlite_database


def test_every_endpoint_answers_401_json_without_credentials(client):
    for method, url in ENDPOINTS:
        response = client.open(url, method=method)
        assert response.status_code == 401, url
        assert response.is_json and set(response.json) == {"error", "field", "code"}, url
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), url


def test_a_bad_authorization_header_is_401(client):
    for header in BAD_HEADERS:
        response = client.get("/api/v1/cost-items", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"], header


def test_a_bearer_token_works_without_csrf_and_sets_no_cookie(client, bearer, filed):
    headers = bearer("ops")
    response = client.post(f"/api/v1/payment-requests/{filed}/freeze", json={"comment": "wait"}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["stage"] == "frozen"
    assert "Set-Cookie" not in response.headers


def test_a_revoked_token_is_refused(client, core, users, bearer):
    headers = bearer("memployee")
    assert client.get("/api/v1/cost-items", headers=headers).status_code == 200
    token_id = profile.list_tokens(core, users["memployee"])[0]["id"]
    profile.revoke_token(core, users["memployee"], token_id, T0)
    assert client.get("/api/v1/cost-items", headers=headers).status_code == 401


def test_a_deactivated_users_token_is_refused(client, core, users, bearer):
    from soglasie.services import admin

    headers = bearer("memployee")
    admin.update_user(core, users["admin"], users["memployee"], T0, name="M", roles=["employee"], active=False)
    assert client.get("/api/v1/cost-items", headers=headers).status_code == 401


def test_session_calls_that_change_need_the_csrf_token(auth, filed):
    auth.login("ops")
    refused = auth.client.post(f"/api/v1/payment-requests/{filed}/freeze", json={})
    assert refused.status_code == 400
    assert refused.json["field"] == "csrf_token"
    accepted = auth.api("POST", f"/api/v1/payment-requests/{filed}/freeze", json={})
    assert accepted.status_code == 200, accepted.json


def test_session_reads_need_no_csrf_token(auth):
    auth.login("memployee")
    response = auth.client.get("/api/v1/cost-items")
    assert response.status_code == 200
    assert {"code": "PACK", "name": "Упаковка и тара"} in response.json["items"]


def test_api_errors_are_in_the_users_language(client, core, users, bearer):
    profile.set_locale(core, users["memployee"], "en")
    response = client.get("/api/v1/payment-requests/999", headers=bearer("memployee"))
    assert response.status_code == 404
    assert response.json["error"] == "Request not found."
