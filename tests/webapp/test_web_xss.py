"""Whatever people type is shown as text: a script payload in every text field comes back escaped."""

from __future__ import annotations

import io

import pytest

from soglasie.services import actions, admin, directory, profile
from soglasie.services.common import Upload
from tests.conftest import T0
from tests.helpers import file_request, open_task
from tests.support.files import pdf_bytes

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

@pytest.fixture
def database_url(sqlite_database):
    """Escaping is the templates' job: one backend is enough."""
    return sqlite_database



def _assert_safe(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html
    assert ESCAPED in html


def test_request_texts_are_escaped_on_every_page(auth, core, users):
    counterparty = directory.create_counterparty(core, users["memployee"], T0, name=PAYLOAD, inn="7707083893")
    card_id = file_request(core, users, Upload(pdf_bytes(), PAYLOAD + ".pdf"), counterparty_inn=counterparty["inn"],
                           comment=PAYLOAD)
    task_id = open_task(core, users, card_id, "head_approval")["id"]
    actions.request_documents(core, users["mhead"], task_id, T0, PAYLOAD)
    answer = open_task(core, users, card_id, "documents_requested")["id"]
    actions.answer_documents(core, users["memployee"], answer, T0, PAYLOAD)
    actions.freeze(core, users["ops"], card_id, T0, PAYLOAD)
    actions.unfreeze(core, users["ops"], card_id, T0, PAYLOAD)
    actions.reject(core, users["mhead"], task_id, T0, PAYLOAD)
    for login in ("memployee", "ops"):
        auth.login(login)
        for path in (f"/requests/{card_id}", "/", "/board", "/list", "/inbox", f"/tasks/{task_id}"):
            response = auth.client.get(path)
            if response.status_code == 404:
                continue  # a task of an earlier state may be gone from the current round
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            assert "<script>alert" not in body and "<img src=x" not in body, path
    auth.login("memployee")
    _assert_safe(auth.client.get(f"/requests/{card_id}").get_data(as_text=True))


def test_search_and_filter_parameters_are_escaped(auth):
    auth.login("ops")
    for path in ("/list?search=", "/board?counterparty=", "/list?counterparty="):
        body = auth.client.get(path + PAYLOAD).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, path


def test_admin_texts_are_escaped(auth, core, users):
    admin.create_department(core, users["admin"], code="x1", name=PAYLOAD)
    user_id = admin.create_user(core, users["admin"], T0, login="xss", name=PAYLOAD, password="long-enough-1")
    directory.create_cost_item(core, users["admin"], code="XSS", name=PAYLOAD)
    auth.login("admin")
    for path in ("/admin", "/admin/departments", "/admin/users", f"/admin/users/{user_id}", "/admin/cost-items",
                 "/admin/users?search=" + PAYLOAD, "/admin/counterparties?search=" + PAYLOAD):
        body = auth.client.get(path).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, path
    _assert_safe(auth.client.get("/admin/departments").get_data(as_text=True))


def test_a_token_name_and_a_reason_typed_in_forms_are_escaped(auth, core, users, filed):
    profile.create_api_token(core, users["memployee"], T0, PAYLOAD)
    auth.login("memployee")
    _assert_safe(auth.client.get("/profile").get_data(as_text=True))
    task_id = open_task(core, users, filed, "head_approval")["id"]
    auth.login("mhead")
    body = auth.post(f"/tasks/{task_id}/reject", {"reason": PAYLOAD, "next": f"/requests/{filed}"},
                     follow_redirects=True).get_data(as_text=True)
    _assert_safe(body)


def test_a_payload_in_the_new_request_form_comes_back_escaped(auth):
    auth.login("memployee")
    response = auth.post("/requests/new", {"counterparty_inn": PAYLOAD, "amount": PAYLOAD, "comment": PAYLOAD,
                                           "cost_item": PAYLOAD, "invoice": (io.BytesIO(pdf_bytes()), "a.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
