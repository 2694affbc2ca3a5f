"""Reaching across departments (IDOR) and forging requests on a session (CSRF): refused, nothing changed.

Purchasing people (pemployee, phead) aim at marketing's request, contract, tasks, files,
notification, token and absence by their ids, through the API and the portal. Cookie-
authenticated API calls and portal forms that change something are sent without the CSRF token,
with a wrong one, or with another session's.
"""

from __future__ import annotations

import io

import pytest

from tests.support.files import pdf_bytes


def _pdf():
    return io.BytesIO(pdf_bytes("forged")), "forged.pdf"


def bearer(method: str, path: str, who: str, **kwargs):
    """An API call with `who`'s Bearer token; `path` names seeded ids."""
    def send(world):
        return world.app.test_client().open(path.format(**world.ids), method=method, headers=world.bearer(who),
                                            **kwargs)
    return send


def portal(method: str, path: str, who: str, with_token: bool = True, **kwargs):
    """A portal request on `who`'s session cookie, with the page's CSRF token (forms) unless told not to."""
    def send(world):
        client, token = world.cookie_client(who)
        data = dict(kwargs.pop("data", {}))
        if with_token and method == "POST":
            data["csrf_token"] = token
        return client.open(path.format(**world.ids), method=method, data=data or None, **kwargs)
    return send


IDOR = [
    pytest.param(bearer("GET", "/api/v1/cards/{marketing_card}", "pemployee"), 404, id="api-card-by-employee"),
    pytest.param(bearer("GET", "/api/v1/cards/{marketing_card}", "phead"), 404, id="api-card-by-other-head"),
    pytest.param(bearer("GET", "/api/v1/payment-requests/{marketing_card}", "phead"), 404, id="api-request-path"),
    pytest.param(bearer("GET", "/api/v1/contracts/{marketing_contract}", "pemployee"), 404, id="api-contract"),
    pytest.param(bearer("GET", "/api/v1/cards?search={marketing_card}", "pemployee"), 200,
                 id="api-search-by-id-shows-nothing"),
    pytest.param(bearer("POST", "/api/v1/cards/{marketing_card}/freeze", "phead"), 404, id="api-freeze"),
    pytest.param(bearer("POST", "/api/v1/cards/{marketing_card}/unfreeze", "phead"), 404, id="api-unfreeze"),
    pytest.param(bearer("POST", "/api/v1/cards/{marketing_card}/restart", "pemployee"), 404, id="api-restart"),
    pytest.param(bearer("POST", "/api/v1/contracts/{marketing_contract}/versions", "pemployee",
                        data={"document": _pdf()}, content_type="multipart/form-data"), 404, id="api-new-version"),
    pytest.param(bearer("POST", "/api/v1/cards/{marketing_contract}/versions", "phead",
                        data={"document": _pdf()}, content_type="multipart/form-data"), 404,
                 id="api-new-version-generic"),
    pytest.param(bearer("POST", "/api/v1/tasks/{marketing_task}/start", "phead"), 404, id="api-task-start"),
    pytest.param(bearer("POST", "/api/v1/tasks/{marketing_task}/approve", "phead"), 404, id="api-task-approve"),
    pytest.param(bearer("POST", "/api/v1/tasks/{marketing_task}/reject", "phead", json={"reason": "x"}), 404,
                 id="api-task-reject"),
    pytest.param(bearer("POST", "/api/v1/tasks/{marketing_task}/request-documents", "phead",
                        json={"comment": "x"}), 404, id="api-task-request-documents"),
    pytest.param(bearer("POST", "/api/v1/tasks/{marketing_task}/complete", "phead"), 404, id="api-task-complete"),
    pytest.param(bearer("POST", "/api/v1/tasks/{marketing_task}/approve", "memployee"), 403,
                 id="api-initiator-approves-own"),
    pytest.param(bearer("POST", "/api/v1/tasks/{marketing_task}/approve", "finance"), 403,
                 id="api-finance-before-its-stage"),
    pytest.param(bearer("POST", "/api/v1/tasks/{marketing_task}/attachments", "phead", data={"file": _pdf()},
                        content_type="multipart/form-data"), 404, id="api-task-attachment"),
    pytest.param(bearer("DELETE", "/api/v1/me/absences/{mhead_absence}", "phead"), 404, id="api-cancel-absence"),
    pytest.param(bearer("GET", "/api/v1/users/mhead/absences", "phead"), 403, id="api-read-absences"),
    pytest.param(bearer("POST", "/api/v1/users/mhead/absences", "phead",
                        json={"start": "2026-12-24", "end": "2026-12-25", "deputy": "phead"}), 403,
                 id="api-record-absence-for-other"),
    pytest.param(portal("GET", "/requests/{marketing_card}", "pemployee"), 404, id="page-card"),
    pytest.param(portal("GET", "/contracts/{marketing_contract}", "phead"), 404, id="page-contract"),
    pytest.param(portal("GET", "/requests/{marketing_card}/files/{marketing_attachment}", "pemployee"), 404,
                 id="page-file"),
    pytest.param(portal("GET", "/tasks/{marketing_task}", "phead"), 404, id="page-task"),
    pytest.param(portal("POST", "/tasks/{marketing_task}/approve", "phead"), 404, id="page-task-approve"),
    pytest.param(portal("POST", "/tasks/{marketing_task}/upload", "phead", data={"file": _pdf()},
                        content_type="multipart/form-data"), 404, id="page-task-upload"),
    pytest.param(portal("POST", "/requests/{marketing_card}/freeze", "phead"), 404, id="page-freeze"),
    pytest.param(portal("GET", "/inbox/{mhead_note}", "phead"), 404, id="page-open-notification"),
    pytest.param(portal("POST", "/profile/tokens/{mhead_token}/revoke", "phead"), 404, id="page-revoke-token"),
    pytest.param(portal("POST", "/profile/absences/{mhead_absence}/cancel", "phead"), 404,
                 id="page-cancel-absence"),
]


@pytest.mark.parametrize(("send", "status"), IDOR)
def test_another_departments_things_are_out_of_reach(refused, world, send, status):
    response = refused(send, status)
    if status == 200:
        assert response.get_json()["items"] == []


def session_api(method: str, path: str, who: str, token: str, **kwargs):
    """An API call on `who`'s session cookie with an X-CSRFToken of kind `token`: none, wrong, other session's."""
    def send(world):
        client, own = world.cookie_client(who)
        headers = {"none": {}, "wrong": {"X-CSRFToken": "not-a-token"},
                   "other-session": {"X-CSRFToken": world.cookie_client(who)[1]},
                   "in-body": {}}[token]
        if token == "in-body":
            kwargs["json"] = {**kwargs.get("json", {}), "csrf_token": own}
        return client.open(path.format(**world.ids), method=method, headers=headers, **kwargs)
    return send


CHANGES_ON_A_SESSION = [
    ("POST", "/api/v1/payment-requests", "memployee",
     {"data": {"counterparty_inn": "7701526010", "amount": "10.00", "cost_item": "PACK"}}),
    ("POST", "/api/v1/tasks/{marketing_task}/approve", "mhead", {}),
    ("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", {"json": {"reason": "forged"}}),
    ("POST", "/api/v1/cards/{marketing_card}/freeze", "ops", {}),
    ("POST", "/api/v1/me/absences", "memployee", {"json": {"start": "2026-12-24", "end": "2026-12-25",
                                                           "deputy": "pemployee"}}),
    ("DELETE", "/api/v1/me/absences/{mhead_absence}", "mhead", {}),
    ("POST", "/api/v1/me/telegram-link", "mhead", {}),
]


# A form field `csrf_token` is how the portal's own forms send it: "in-body" is tried on JSON bodies only.
CSRF_CASES = [pytest.param(method, path, who, kwargs, token, id=f"{method} {path} {token}")
              for method, path, who, kwargs in CHANGES_ON_A_SESSION
              for token in ("none", "wrong", "other-session", "in-body") if token != "in-body" or "data" not in kwargs]


@pytest.mark.parametrize(("method", "path", "who", "kwargs", "token"), CSRF_CASES)
def test_a_change_on_a_session_without_its_csrf_token_is_refused(refused, method, path, who, kwargs, token):
    refused(session_api(method, path, who, token, **kwargs), 400, "csrf_token", "csrf")


FORMS_WITHOUT_TOKEN = [
    pytest.param(portal("POST", "/logout", "memployee", with_token=False), id="logout"),
    pytest.param(portal("POST", "/profile/tokens", "memployee", with_token=False, data={"name": "x"}),
                 id="create-token"),
    pytest.param(portal("POST", "/profile/password", "memployee", with_token=False,
                        data={"current": "demo", "new": "new-password-1", "confirm": "new-password-1"}),
                 id="change-password"),
    pytest.param(portal("POST", "/tasks/{marketing_task}/approve", "mhead", with_token=False), id="approve"),
    pytest.param(portal("POST", "/requests/{marketing_card}/freeze", "ops", with_token=False), id="freeze"),
    pytest.param(portal("POST", "/inbox/read", "mhead", with_token=False), id="mark-read"),
]


@pytest.mark.parametrize("send", FORMS_WITHOUT_TOKEN)
def test_a_portal_form_without_its_csrf_token_is_refused(refused, send):
    refused(send, 400)
