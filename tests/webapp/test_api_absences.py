"""REST API: my absences, anyone's for admins, and the task's delegated_from."""

from __future__ import annotations

import pytest

from tests.helpers import open_task

WEEK = {"start": "2026-12-01", "end": "2026-12-04", "deputy": "phead"}


def test_my_absence_recorded_listed_and_cancelled(client, bearer, core, users, filed):
    headers = bearer("mhead")
    created = client.post("/api/v1/me/absences", json={**WEEK, "processes": ["payment"]}, headers=headers)
    assert created.status_code == 201, created.json
    absence = created.json
    assert absence == {"id": absence["id"], **WEEK, "processes": ["payment"]}
    assert client.get("/api/v1/me/absences", headers=headers).json == {"items": [absence]}
    task = client.get(f"/api/v1/payment-requests/{filed}", headers=bearer("ops")).json["tasks"][0]
    assert (task["assignee"], task["delegated_from"]) == ("phead", "mhead")
    assert client.delete(f"/api/v1/me/absences/{absence['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me/absences", headers=headers).json == {"items": []}
    assert open_task(core, users, filed, "head_approval")["delegated_from"] is None


# (body, the field the 422 names)
BAD = [
    ({**WEEK, "end": "2026-11-30"}, "end"),
    ({**WEEK, "deputy": "mhead"}, "deputy"),
    ({**WEEK, "deputy": "nobody"}, "deputy"),
    ({**WEEK, "processes": ["nope"]}, "processes"),
    ({**WEEK, "processes": [1]}, "processes"),
    ({**WEEK, "start": "tomorrow"}, "start"),
]


@pytest.mark.parametrize("body, field", BAD)
def test_a_bad_absence_is_422_naming_the_field(client, bearer, body, field):
    response = client.post("/api/v1/me/absences", json=body, headers=bearer("mhead"))
    assert response.status_code == 422 and response.json["field"] == field
    assert client.get("/api/v1/me/absences", headers=bearer("mhead")).json == {"items": []}


# (who asks, method, status): only an admin manages another user's absences
OTHERS = [("admin", "post", 201), ("admin", "get", 200), ("memployee", "post", 403), ("memployee", "get", 403),
          ("mhead", "get", 200)]


@pytest.mark.parametrize("login, method, status", OTHERS)
def test_another_users_absences_are_for_admins(client, bearer, login, method, status):
    response = client.open("/api/v1/users/mhead/absences", method=method.upper(), json=WEEK, headers=bearer(login))
    assert response.status_code == status, response.json


def test_an_employee_cannot_cancel_anothers_absence_an_admin_can(client, bearer):
    absence = client.post("/api/v1/users/mhead/absences", json=WEEK, headers=bearer("admin")).json
    assert client.delete(f"/api/v1/me/absences/{absence['id']}", headers=bearer("memployee")).status_code == 404
    assert client.delete(f"/api/v1/me/absences/{absence['id']}", headers=bearer("admin")).status_code == 204
    assert client.get("/api/v1/users/mhead/absences", headers=bearer("admin")).json == {"items": []}


def test_an_unknown_user_is_404(client, bearer):
    assert client.get("/api/v1/users/nobody/absences", headers=bearer("admin")).status_code == 404
