"""Hostile input to the portal's forms, and formula cells in its CSV/XLSX exports.

A form refused for bad input answers with its exact status (the page shows the error), or, for a
button, goes back (303) with the error flashed; either way nothing is written. Cells that a
spreadsheet would run as a formula (=, +, -, @, tab, CR first) are exported as text.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.support.files import pdf_bytes


def login_form(login: str, password: str, with_token: bool = True):
    def send(world):
        client = world.app.test_client()
        from tests.webapp.conftest import csrf_from

        token = csrf_from(client.get("/login").get_data(as_text=True))
        data = {"login": login, "password": password, **({"csrf_token": token} if with_token else {})}
        return client.post("/login", data=data)
    return send


def form(path: str, who: str, data: dict | None = None, files: dict | None = None):
    """A portal form POST on `who`'s session with the page's CSRF token; `files` as {field: (bytes, name)}."""
    def send(world):
        client, token = world.cookie_client(who)
        body = {**(data or {}), "csrf_token": token}
        for name, (content, filename) in (files or {}).items():
            body[name] = (io.BytesIO(content), filename)
        response = client.post(path.format(**world.ids), data=body, content_type="multipart/form-data")
        with client.session_transaction() as sess:
            response.flashed = [category for category, _message in sess.get("_flashes", [])]
        return response
    return send


CARD = {"counterparty_inn": "7701526010", "amount": "1000.00", "cost_item": "PACK"}
CONTRACT = {"counterparty_inn": "7701526010", "subject": "Supply", "amount": "5000.00", "valid_from": "2026-11-01",
            "valid_to": "2027-12-31"}
PDF = (pdf_bytes("form"), "invoice.pdf")

REFUSED_FORMS = [
    pytest.param(login_form("memployee", "wrong"), 401, id="login-wrong-password"),
    pytest.param(login_form("nobody", "demo"), 401, id="login-unknown-user"),
    pytest.param(login_form("' OR '1'='1' --", "x"), 401, id="login-sql"),
    pytest.param(login_form("admin\"><script>alert(1)</script>", "x"), 401, id="login-html"),
    pytest.param(login_form("a" * 65, "demo"), 400, id="login-65-chars"),
    pytest.param(login_form("memployee", "p" * 201), 400, id="password-201-chars"),
    pytest.param(login_form("mem\x00ployee", "demo"), 400, id="login-nul"),
    pytest.param(login_form("", ""), 400, id="login-empty"),
    pytest.param(login_form("memployee", "demo", with_token=False), 400, id="login-without-csrf"),
    pytest.param(form("/requests/new", "memployee", {**CARD, "amount": "abc"}, {"invoice": PDF}), 422,
                 id="new-card-amount-words"),
    pytest.param(form("/requests/new", "memployee", {**CARD, "amount": "1_000"}, {"invoice": PDF}), 422,
                 id="new-card-amount-underscore"),
    pytest.param(form("/requests/new", "memployee", {**CARD, "counterparty_inn": "7701526011"}, {"invoice": PDF}),
                 422, id="new-card-inn-checksum"),
    pytest.param(form("/requests/new", "memployee", {**CARD, "cost_item": "NOPE"}, {"invoice": PDF}), 422,
                 id="new-card-cost-item"),
    pytest.param(form("/requests/new", "memployee", CARD, {"invoice": (b"MZ\x90\x00", "invoice.pdf")}), 422,
                 id="new-card-exe"),
    pytest.param(form("/requests/new", "memployee", CARD), 422, id="new-card-no-invoice"),
    pytest.param(form("/requests/new", "memployee", {**CARD, "comment": "x" * 5001}, {"invoice": PDF}), 422,
                 id="new-card-comment-too-long"),
    pytest.param(form("/requests/new", "memployee", {**CARD, "deadline": "yesterday"}, {"invoice": PDF}), 422,
                 id="new-card-deadline-words"),
    pytest.param(form("/requests/new", "memployee", {**CARD, "new_counterparty": "y", "new_name": "X",
                                                     "new_inn": "7707083894"}, {"invoice": PDF}), 422,
                 id="new-counterparty-bad-inn"),
    pytest.param(form("/contracts/new", "memployee", {**CONTRACT, "valid_to": "2020-01-01"},
                      {"document": PDF}), 422, id="new-contract-ends-before-start"),
    pytest.param(form("/contracts/new", "memployee", {**CONTRACT, "subject": "x" * 501}, {"document": PDF}), 422,
                 id="new-contract-subject-too-long"),
    pytest.param(form("/contracts/{marketing_contract}/versions", "memployee", {},
                      {"document": (b"<html>", "v2.pdf")}), 422, id="new-version-html"),
    pytest.param(form("/profile/tokens", "memployee", {"name": ""}), 422, id="token-name-empty"),
    pytest.param(form("/profile/tokens", "memployee", {"name": "x" * 101}), 422, id="token-name-too-long"),
    pytest.param(form("/profile/password", "memployee", {"current_password": "wrong", "new_password": "long-enough-1",
                                                         "repeat": "long-enough-1"}), 422, id="password-wrong-current"),
    pytest.param(form("/profile/password", "memployee", {"current_password": "demo", "new_password": "short",
                                                         "repeat": "short"}), 422, id="password-too-short"),
    pytest.param(form("/profile/password", "memployee", {"current_password": "demo", "new_password": "long-enough-1",
                                                         "repeat": "long-enough-2"}), 422, id="password-mismatch"),
    pytest.param(form("/profile/absences", "memployee", {"start": "2026-12-12", "end": "2026-12-10",
                                                         "deputy": "pemployee"}), 422, id="absence-end-before-start"),
    pytest.param(form("/profile/absences", "memployee", {"start": "2026-12-12", "end": "2026-12-14",
                                                         "deputy": "memployee"}), 422, id="absence-deputy-self"),
]


@pytest.mark.parametrize(("send", "status"), REFUSED_FORMS)
def test_a_bad_form_is_refused_with_its_status(refused, send, status):
    refused(send, status)


BUTTONS = [
    pytest.param(form("/tasks/{marketing_task}/reject", "mhead", {"reason": ""}), id="reject-without-reason"),
    pytest.param(form("/tasks/{marketing_task}/reject", "mhead", {"reason": "   "}), id="reject-blank-reason"),
    pytest.param(form("/tasks/{marketing_task}/upload", "mhead"), id="upload-nothing"),
    pytest.param(form("/tasks/{marketing_task}/upload", "mhead", files={"file": (b"\x7fELF", "order.pdf")}),
                 id="upload-elf"),
    pytest.param(form("/requests/{marketing_card}/unfreeze", "ops"), id="unfreeze-not-frozen"),
    pytest.param(form("/requests/{marketing_card}/restart", "memployee"), id="restart-not-rejected"),
]


@pytest.mark.parametrize("send", BUTTONS)
def test_a_bad_button_goes_back_with_the_error_and_writes_nothing(refused, send):
    response = refused(send, 303)
    assert "error" in response.flashed


HOSTILE_CELLS = ['=HYPERLINK("http://evil.example","open")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1",
                 "=cmd|' /C calc'!A0", "-", "=", "@"]


@pytest.fixture(scope="module")
def exported(world):
    """Cards whose comment is a formula, filed through the API; the list exported as CSV and XLSX."""
    ids = []
    for text in HOSTILE_CELLS:
        answer = world.app.test_client().post("/api/v1/payment-requests", headers=world.bearer("memployee"), data={
            "counterparty_inn": "7701526010", "amount": "10.00", "cost_item": "PACK", "comment": text,
            "invoice": (io.BytesIO(pdf_bytes(text)), "invoice.pdf")})
        assert answer.status_code == 201, answer.get_data(as_text=True)
        ids.append(answer.get_json()["id"])
    client, _token = world.cookie_client("memployee")
    csv_text = client.get("/list.csv?kind=payment&mine=1").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(csv_text), delimiter=";"))
    sheet = load_workbook(io.BytesIO(client.get("/list.xlsx?kind=payment&mine=1").get_data()), read_only=True).active
    return {"csv": {row[0]: row[-1] for row in rows[1:]},
            "xlsx": {str(row[0].value): row[-1] for row in sheet.iter_rows(min_row=2)}}, dict(zip(HOSTILE_CELLS, ids))


@pytest.mark.parametrize("text", HOSTILE_CELLS)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_formula_in_a_cell_is_exported_as_text(exported, kind, text):
    cells, ids = exported
    cell = cells[kind][str(ids[text])]
    if kind == "xlsx":
        assert cell.data_type == "s"  # a string, never "f"
        cell = cell.value
    assert cell == "'" + text.strip()  # a comment is saved without surrounding blanks
