"""REST API: acting on tasks (role × action), attachments, lost races, my tasks and inbox."""

from __future__ import annotations

import io

import pytest

from tests.helpers import open_task
from tests.support.files import pdf_bytes
from tests.webapp.conftest import drive_to


def _task(client, headers, card_id, stage, kind=None):
    card = client.get(f"/api/v1/payment-requests/{card_id}", headers=headers).json
    return next(task for task in card["tasks"] if task["stage"] == stage and task["status"] in ("open", "started")
                and (kind is None or task["kind"] == kind))


# At head_approval (the head of marketing, mhead, is the assignee): who may do what.
HEAD_STAGE = [
    ("mhead", "start", 200), ("mhead", "approve", 200), ("mhead", "reject", 200),
    ("mhead", "request-documents", 200),
    ("ops", "approve", 200), ("ops", "start", 403), ("ops", "reject", 403),
    ("finance", "approve", 403), ("chief", "approve", 403), ("admin", "approve", 403),
    ("memployee", "approve", 403), ("memployee", "start", 403),
    ("pemployee", "approve", 404), ("phead", "approve", 404), ("signer", "reject", 404),
    ("mhead", "complete", 403),
]


@pytest.mark.parametrize(("login", "action", "status"), HEAD_STAGE)
def test_head_approval_role_by_action(client, core, users, bearer, filed, login, action, status):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    body = {"reason": "нет счёта", "comment": "нужен договор"}
    response = client.post(f"/api/v1/tasks/{task_id}/{action}", json=body, headers=bearer(login))
    assert response.status_code == status, response.json


FINANCE_STAGE = [
    ("finance", "approve", 200), ("finance", "reject", 200), ("ops", "approve", 200),
    ("mhead", "approve", 403), ("memployee", "approve", 403), ("accountant", "approve", 403),
    ("pemployee", "approve", 404),
]


@pytest.mark.parametrize(("login", "action", "status"), FINANCE_STAGE)
def test_finance_review_role_by_action(client, core, users, bearer, filed, login, action, status):
    drive_to(core, users, filed, "finance_review")
    task_id = open_task(core, users, filed, "finance_review")["id"]
    response = client.post(f"/api/v1/tasks/{task_id}/{action}", json={"reason": "дорого"}, headers=bearer(login))
    assert response.status_code == status, response.json


def test_ops_approval_on_behalf_is_on_the_timeline(client, core, users, bearer, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    card = client.post(f"/api/v1/tasks/{task_id}/approve", headers=bearer("ops")).json
    event = [e for e in card["timeline"] if e["event"] == "approved"][0]
    assert (event["actor"], event["on_behalf_of"]) == ("ops", "mhead")
    assert card["stage"] == "finance_review"


def test_reject_needs_a_text_reason(client, core, users, bearer, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    headers = bearer("mhead")
    for body in ({}, {"reason": "   "}, {"reason": 42}, {"reason": ["x"]}, {"reason": "x" * 5001}):
        response = client.post(f"/api/v1/tasks/{task_id}/reject", json=body, headers=headers)
        assert (response.status_code, response.json["field"]) == (422, "reason"), body
    assert open_task(core, users, filed, "head_approval")["status"] == "open"


def test_request_documents_needs_a_comment_and_the_initiator_answers_with_files(client, core, users, bearer, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    missing = client.post(f"/api/v1/tasks/{task_id}/request-documents", json={}, headers=bearer("mhead"))
    assert (missing.status_code, missing.json["field"]) == (422, "comment")
    card = client.post(f"/api/v1/tasks/{task_id}/request-documents", json={"comment": "договор"},
                       headers=bearer("mhead")).json
    assert card["stage"] == "documents_requested"
    answer = _task(client, bearer("memployee"), filed, "documents_requested")
    done = client.post(f"/api/v1/tasks/{answer['id']}/complete", headers=bearer("memployee"),
                       data={"comment": "вот", "file": (io.BytesIO(pdf_bytes("contract")), "contract.pdf")},
                       content_type="multipart/form-data")
    assert done.status_code == 200, done.json
    assert done.json["stage"] == "head_approval"
    assert any(a["name"] == "contract.pdf" for a in done.json["attachments"])


def test_a_lost_race_is_409(client, core, users, bearer, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    first = client.post(f"/api/v1/tasks/{task_id}/approve", headers=bearer("mhead"))
    second = client.post(f"/api/v1/tasks/{task_id}/approve", headers=bearer("ops"))
    assert first.status_code == 200
    assert second.status_code == 409 and second.json["error"]


def test_a_client_tells_a_lost_race_from_a_frozen_card_by_the_code(client, core, users, bearer, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    client.post(f"/api/v1/payment-requests/{filed}/freeze", json={"comment": "пауза"}, headers=bearer("ops"))
    frozen = client.post(f"/api/v1/tasks/{task_id}/approve", headers=bearer("mhead"))
    client.post(f"/api/v1/payment-requests/{filed}/unfreeze", headers=bearer("ops"))
    assert client.post(f"/api/v1/tasks/{task_id}/approve", headers=bearer("mhead")).status_code == 200
    stale = client.post(f"/api/v1/tasks/{task_id}/approve", headers=bearer("ops"))
    assert (frozen.status_code, frozen.json["code"]) == (409, "frozen")
    assert (stale.status_code, stale.json["code"]) == (409, "stale")
    assert set(stale.json) == {"error", "field", "code"} and stale.json["field"] is None


# Each refusal's status, field and code, as a client sees them.
REFUSALS = [
    ("memployee", "approve", {}, 403, None, "not_your_task"),
    ("mhead", "complete", {}, 403, None, "not_available"),
    ("mhead", "reject", {"reason": "  "}, 422, "reason", "reason_required"),
    ("mhead", "request-documents", {}, 422, "comment", "comment_required"),
    ("pemployee", "approve", {}, 404, "task", "not_found"),
]


@pytest.mark.parametrize(("login", "action", "body", "status", "field", "code"), REFUSALS)
def test_a_refusal_names_its_code(client, core, users, bearer, filed, login, action, body, status, field, code):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    response = client.post(f"/api/v1/tasks/{task_id}/{action}", json=body, headers=bearer(login))
    assert (response.status_code, response.json["field"], response.json["code"]) == (status, field, code)


def test_an_http_error_has_a_code_too(client, bearer):
    response = client.post("/api/v1/tasks/424242/explode", headers=bearer("ops"))
    assert (response.status_code, response.json["code"]) == (404, "not_found")


def test_unknown_task_is_404(client, bearer):
    for path in ("/api/v1/tasks/424242/approve", "/api/v1/tasks/99999999999/approve", "/api/v1/tasks/x/approve",
                 "/api/v1/tasks/1/explode"):
        assert client.post(path, headers=bearer("ops")).status_code == 404, path


def test_the_payment_order_is_uploaded_then_both_accountants_complete(client, core, users, bearer, filed):
    drive_to(core, users, filed, "payment")
    order = _task(client, bearer("accountant"), filed, "payment", "payment_order")
    early = client.post(f"/api/v1/tasks/{order['id']}/complete", headers=bearer("accountant"))
    assert (early.status_code, early.json["field"]) == (422, "file")
    uploaded = client.post(f"/api/v1/tasks/{order['id']}/attachments", headers=bearer("accountant"),
                           data={"file": (io.BytesIO(pdf_bytes("order")), "order.pdf")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201 and uploaded.json["name"] == "order.pdf"
    assert client.post(f"/api/v1/tasks/{order['id']}/complete", headers=bearer("accountant")).status_code == 200
    pay = _task(client, bearer("chief"), filed, "payment", "make_payment")
    card = client.post(f"/api/v1/tasks/{pay['id']}/complete", json={"comment": "п/п 17"}, headers=bearer("chief")).json
    assert card["stage"] == "paid"
    inbox = client.get("/api/v1/notifications", headers=bearer("memployee")).json
    assert inbox["items"][0]["kind"] == "finished" and inbox["items"][0]["request_id"] == filed
    assert {"at", "kind", "text", "request_id"} <= set(inbox["items"][0])


def test_bad_attachments_are_refused(client, core, users, bearer, filed):
    drive_to(core, users, filed, "payment")
    headers = bearer("accountant")
    order = _task(client, headers, filed, "payment", "payment_order")
    for data in ({}, {"file": (b"GIF89a....", "x.gif")}, {"file": (b"", "empty.pdf")}):
        files = {key: (io.BytesIO(value[0]), value[1]) for key, value in data.items()}
        response = client.post(f"/api/v1/tasks/{order['id']}/attachments", headers=headers, data=files,
                               content_type="multipart/form-data")
        assert (response.status_code, response.json["field"]) == (422, "file"), data


def test_someone_elses_task_takes_no_attachment(client, core, users, bearer, filed):
    drive_to(core, users, filed, "payment")
    order = _task(client, bearer("accountant"), filed, "payment", "payment_order")
    data = {"file": (io.BytesIO(pdf_bytes()), "x.pdf")}
    response = client.post(f"/api/v1/tasks/{order['id']}/attachments", headers=bearer("chief"), data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 403


def test_my_tasks_lists_open_tasks_with_deadlines(client, bearer, filed):
    tasks = client.get("/api/v1/tasks?mine=1", headers=bearer("mhead")).json
    assert tasks["total"] == 1
    assert tasks["items"][0]["card_id"] == filed and tasks["items"][0]["deadline"]
    assert client.get("/api/v1/tasks?mine=1", headers=bearer("memployee")).json["total"] == 0
    refused = client.get("/api/v1/tasks?mine=0", headers=bearer("mhead"))
    assert (refused.status_code, refused.json["field"]) == (400, "mine")


def test_notifications_newest_first_with_unread_count(client, bearer, filed):
    inbox = client.get("/api/v1/notifications", headers=bearer("mhead")).json
    assert inbox["unread"] == 1 and inbox["items"][0]["kind"] == "task_assigned"
    assert client.get("/api/v1/notifications?limit=0", headers=bearer("mhead")).status_code == 400


def test_telegram_link_is_refused_clearly_when_telegram_is_off(client, bearer):
    response = client.post("/api/v1/me/telegram-link", headers=bearer("memployee"))
    assert response.status_code == 409
    assert "Telegram" in response.json["error"]


def test_telegram_link_when_configured(client, core, bearer):
    core.settings = core.settings.with_overrides(telegram_bot_token="123:abc", telegram_bot_username="soglasie_bot")
    response = client.post("/api/v1/me/telegram-link", headers=bearer("memployee"))
    assert response.status_code == 200
    assert response.json["url"].startswith("https://t.me/soglasie_bot?start=")


def test_directories(client, bearer):
    headers = bearer("memployee")
    found = client.get("/api/v1/counterparties?search=Косметик", headers=headers).json["items"]
    assert [item["inn"] for item in found] == ["7701526010"]
    assert {"id", "name", "inn", "kpp", "bik", "account"} <= set(found[0])
    by_inn = client.get("/api/v1/counterparties?search=7814", headers=headers).json["items"]
    assert by_inn[0]["name"] == "ООО «Северная логистика»"
    codes = [item["code"] for item in client.get("/api/v1/cost-items", headers=headers).json["items"]]
    assert "ADS" in codes and "PACK" in codes
