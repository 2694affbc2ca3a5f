"""Bad input changes nothing, anywhere (issue 11, point 2): 4xx naming the field, no row, no file.

Each case here was a defect: a valid PDF kept (with its `attachment_added` row) when the file
beside it was refused, ids past the column range and instants with no UTC value answered 500.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from soglasie.attachments import MAX_ZIP_ENTRIES, sniff_content_type
from soglasie.models import Absence, Attachment, Card, TimelineEvent
from tests.helpers import open_task
from tests.webapp.conftest import pdf_file

HUGE = "99999999999999999999"
GOOD_REQUEST = {"counterparty_inn": "7701526010", "amount": "150000.00", "cost_item": "PACK"}


def _state(core) -> tuple[int, int, int, int, int]:
    """Cards, attachments, timeline rows, absences and stored files: what bad input must not change."""
    with core.db.read() as session:
        files = sum(1 for path in core.store.root.rglob("*") if path.is_file()) if core.store.root.exists() else 0
        return (session.scalar(select(func.count(Card.id))), session.scalar(select(func.count(Attachment.id))),
                session.scalar(select(func.count(TimelineEvent.id))), session.scalar(select(func.count(Absence.id))),
                files)


def _documents_task(client, core, users, bearer, card_id) -> int:
    """mhead asks memployee for documents; the id of memployee's "provide documents" task."""
    task_id = open_task(core, users, card_id, "head_approval")["id"]
    client.post(f"/api/v1/tasks/{task_id}/request-documents", json={"comment": "договор"}, headers=bearer("mhead"))
    return open_task(core, users, card_id, "documents_requested")["id"]


def test_completing_with_a_valid_pdf_and_a_refused_file_keeps_neither(client, core, users, bearer, filed):
    task_id = _documents_task(client, core, users, bearer, filed)
    before = _state(core)
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=bearer("memployee"),
                           data={"comment": "вот", "file": [pdf_file("contract.pdf", "contract"),
                                                           (io.BytesIO(b"MZ\x90\x00 an exe"), "scan.pdf")]},
                           content_type="multipart/form-data")
    assert (response.status_code, response.json["field"]) == (422, "file")
    assert set(response.json) == {"error", "field", "code"}
    assert _state(core) == before
    assert open_task(core, users, filed, "documents_requested")["id"] == task_id  # still open


def test_a_refused_completion_keeps_no_file_either(client, core, users, bearer, filed):
    task_id = _documents_task(client, core, users, bearer, filed)
    before = _state(core)
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=bearer("pemployee"),
                           data={"file": pdf_file("contract.pdf", "contract")}, content_type="multipart/form-data")
    assert response.status_code in (403, 404)
    assert _state(core) == before


def test_a_good_answer_attaches_and_completes_together(client, core, users, bearer, filed):
    task_id = _documents_task(client, core, users, bearer, filed)
    before = _state(core)
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=bearer("memployee"),
                           data={"file": [pdf_file("a.pdf", "a"), pdf_file("b.pdf", "b")]},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and response.json["stage"] == "head_approval"
    after = _state(core)
    assert (after[1] - before[1], after[4] - before[4]) == (2, 2)


def test_the_portal_upload_stores_all_files_or_none(auth, core, users, filed):
    task_id = _documents_task(auth.client, core, users, lambda login: {"Authorization": _token(core, login)}, filed)
    auth.login("memployee")
    before = _state(core)
    response = auth.post(f"/tasks/{task_id}/upload", {"file": [pdf_file("a.pdf", "a"),
                                                              (io.BytesIO(b"not a document"), "b.pdf")]},
                         content_type="multipart/form-data")
    assert response.status_code == 303  # back to the task, the refusal flashed
    assert _state(core) == before


def _token(core, login: str) -> str:
    from soglasie.tokens import create_token
    from tests.conftest import T0

    with core.db.write() as session:
        return "Bearer " + create_token(session, login, T0, "tests")


# --- numbers and instants the database cannot hold ------------------------------------------------

API_CASES = [
    ("multipart", {**GOOD_REQUEST, "contract_id": HUGE}, "contract_id"),
    ("json", {**GOOD_REQUEST, "contract_id": HUGE}, "contract_id"),
    ("multipart", {**GOOD_REQUEST, "contract_id": "²"}, "contract_id"),
    ("multipart", {**GOOD_REQUEST, "deadline": "9999-12-31T23:59:59-12:00"}, "deadline"),
    ("multipart", {**GOOD_REQUEST, "deadline": "0001-01-01T00:00:00+14:00"}, "deadline"),
    ("multipart", {**GOOD_REQUEST, "deadline": "9999-12-31"}, "deadline"),
]


@pytest.mark.parametrize(("encoding", "fields", "field"), API_CASES)
def test_filing_through_the_api_refuses_what_the_database_cannot_hold(client, core, bearer, encoding, fields, field):
    before = _state(core)
    if encoding == "json":
        response = client.post("/api/v1/payment-requests", headers=bearer("memployee"), json=fields)
    else:
        response = client.post("/api/v1/payment-requests", headers=bearer("memployee"),
                               data={**fields, "invoice": pdf_file()}, content_type="multipart/form-data")
    if encoding == "json" and response.json["field"] == "invoice":  # JSON carries no file: the id alone
        response = client.post("/api/v1/payment-requests", headers=bearer("memployee"),
                               data={**fields, "invoice": pdf_file()}, content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["field"] == field, response.json
    assert _state(core) == before


@pytest.mark.parametrize(("fields", "field"), [({"contract_id": HUGE}, "contract_id"),
                                               ({"deadline": "9999-12-31T23:59:59-12:00"}, "deadline")])
def test_filing_through_the_form_refuses_them_too(auth, core, fields, field):
    auth.login("memployee")
    auth.client.get("/requests/new")
    before = _state(core)
    response = auth.post("/requests/new", {**GOOD_REQUEST, **fields, "invoice": pdf_file()},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert _state(core) == before


@pytest.mark.parametrize("url", [f"/api/v1/payment-requests?search={HUGE}", "/api/v1/cards?search=²"])
def test_a_number_too_big_for_an_id_finds_nothing_instead_of_failing(client, bearer, url):
    response = client.get(url, headers=bearer("memployee"))
    assert response.status_code == 200 and response.json["items"] == []


@pytest.mark.parametrize(("method", "url"), [("DELETE", f"/api/v1/me/absences/{HUGE}"),
                                             ("POST", f"/api/v1/tasks/{HUGE}/complete"),
                                             ("GET", f"/api/v1/cards/{HUGE}")])
def test_path_ids_past_the_column_range_are_404(client, bearer, method, url):
    response = client.open(url, method=method, headers=bearer("memployee"))
    assert response.status_code == 404 and set(response.json) == {"error", "field", "code"}


def test_the_admin_forms_refuse_a_department_id_past_the_range(auth, core, users):
    auth.login("admin")
    response = auth.post(f"/admin/users/{users['memployee']}", {"name": "M", "department_id": HUGE,
                                                                "roles": "employee", "locale": "ru", "active": "y"})
    assert response.status_code == 422


# --- ZIP-based uploads ------------------------------------------------------------------------------


def _zip(entries: int, first: str = "word/document.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(first, "<w/>")
        for index in range(entries - 1):
            archive.writestr(f"x/{index}", "")
    return buffer.getvalue()


def test_a_docx_is_recognised_and_a_zip_with_too_many_entries_is_not():
    assert sniff_content_type(_zip(3)) is not None
    assert sniff_content_type(_zip(MAX_ZIP_ENTRIES)) is not None
    assert sniff_content_type(_zip(MAX_ZIP_ENTRIES + 1)) is None


def test_an_upload_with_too_many_entries_is_refused_naming_the_field(client, core, bearer):
    before = _state(core)
    response = client.post("/api/v1/payment-requests", headers=bearer("memployee"),
                           data={**GOOD_REQUEST, "invoice": (io.BytesIO(_zip(MAX_ZIP_ENTRIES + 1)), "a.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and response.json["field"] == "invoice"
    assert _state(core) == before
