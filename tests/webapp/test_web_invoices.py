"""Invoice fields and duplicate invoices in the portal and the API: forms, JSON, 409 and 422 bodies, nothing written."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.models import Card
from tests.conftest import T0
from tests.helpers import card, file_request, open_task
from tests.support.files import pdf_bytes
from tests.support.rules import rules_with
from tests.webapp.conftest import drive_to

GOOD = {"counterparty_inn": "7701526010", "amount": "150000.00", "cost_item": "PACK"}
INVOICE = {"invoice_number": "INV-0042", "invoice_date": "2026-11-30", "vat_rate": "22"}


@pytest.fixture
def database_url(sqlite_database):
    """The web layer's own handling; the duplicate query itself is tested on both backends (tests/test_invoices.py)."""
    return sqlite_database


@pytest.fixture(params=["warn"])
def level(request) -> str:
    """The duplicate check's level in the rules the portal runs on."""
    return request.param


@pytest.fixture
def core(settings, tmp_path, level):
    """The portal's core on the fixture rules with the duplicate check at `level` and the invoice fields required."""
    runtime = Core.from_settings(settings.with_overrides(rules_dir=rules_with(tmp_path, level, required=True)))
    yield runtime
    runtime.db.dispose()


def _count(core) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count(Card.id)))


def _api_file(client, headers, path="/api/v1/payment-requests", **changes):
    data = {**GOOD, **INVOICE, "invoice": (io.BytesIO(pdf_bytes()), "invoice.pdf"), **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


def _form_file(auth, follow_redirects=False, **changes):
    data = {**GOOD, **INVOICE, "invoice": (io.BytesIO(pdf_bytes()), "invoice.pdf"), **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return auth.post("/requests/new", data, content_type="multipart/form-data", follow_redirects=follow_redirects)


# --- the API --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/payment-requests", "/api/v1/processes/payment/cards"])
def test_the_api_takes_and_returns_the_invoice_fields(client, bearer, path):
    response = _api_file(client, bearer("memployee"), path)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["invoice_number"], body["invoice_date"], body["vat_rate"], body["vat_amount"]) == \
        ("INV-0042", "2026-11-30", "22", "27049.18")
    assert body["possible_duplicates"] == [] and body["warnings"] == []
    assert body["payment_purpose"]["en"] == \
        "Payment for invoice No. INV-0042 of 2026-11-30, incl. VAT 22 % — 27,049.18 RUB"


def test_the_api_takes_them_as_optional_even_where_the_form_requires_them(client, bearer):
    response = _api_file(client, bearer("memployee"), invoice_number=None, invoice_date=None, vat_rate=None)
    assert response.status_code == 201, response.json
    assert (response.json["invoice_number"], response.json["vat_rate"], response.json["vat_amount"]) == (None,) * 3


@pytest.mark.parametrize(("changes", "field"), [
    ({"invoice_date": "2026-12-02"}, "invoice_date"),
    ({"invoice_date": "30.11.2026"}, "invoice_date"),
    ({"invoice_number": "#"}, "invoice_number"),
    ({"invoice_number": "9" * 101}, "invoice_number"),
    ({"vat_rate": "20"}, "vat_rate"),
    ({"vat_rate": None, "vat_amount": "10.00"}, "vat_rate"),
    ({"vat_amount": "27049.19"}, "vat_amount"),
    ({"vat_amount": "-1"}, "vat_amount"),
])
def test_bad_invoice_fields_are_422_naming_the_field_and_nothing_is_written(client, bearer, core, changes, field):
    before = _count(core)
    response = _api_file(client, bearer("memployee"), **changes)
    assert response.status_code == 422, response.json
    assert response.json["field"] == field and response.json["error"]
    assert _count(core) == before


def test_a_warned_duplicate_is_filed_and_named_on_the_card(client, bearer):
    first = _api_file(client, bearer("memployee")).json["id"]
    response = _api_file(client, bearer("pemployee"), invoice_number="42", amount="99.00")
    assert response.status_code == 201
    assert response.json["possible_duplicates"] == [
        {"id": first, "stage": "head_approval", "amount": "150000.00", "invoice_number": "INV-0042",
         "invoice_date": "2026-11-30"}]
    assert response.json["warnings"] and f"№{first}" in response.json["warnings"][0]
    again = client.get(f"/api/v1/cards/{first}", headers=bearer("ops")).json
    assert [item["id"] for item in again["possible_duplicates"]] == [response.json["id"]]


@pytest.mark.parametrize("level", ["block"], indirect=True)
def test_a_blocked_duplicate_is_409_with_the_duplicates_and_nothing_is_written(client, bearer, core, level):
    first = _api_file(client, bearer("memployee")).json["id"]
    before = _count(core)
    response = _api_file(client, bearer("memployee"), invoice_number="inv 42")
    assert response.status_code == 409
    body = response.json
    assert (body["field"], body["code"], body["duplicates"]) == ("invoice_number", "duplicate", [first])
    assert body["error"]
    assert _count(core) == before


def test_the_api_approval_of_a_warned_duplicate_needs_a_comment(client, bearer, core, users):
    _api_file(client, bearer("memployee"))
    second = _api_file(client, bearer("memployee")).json["id"]
    drive_to(core, users, second, "finance_review")
    task = open_task(core, users, second, "finance_review")["id"]
    refused = client.post(f"/api/v1/tasks/{task}/approve", json={}, headers=bearer("finance"))
    assert refused.status_code == 422
    assert (refused.json["field"], refused.json["code"]) == ("comment", "duplicate_acknowledgement_required")
    done = client.post(f"/api/v1/tasks/{task}/approve", json={"comment": "two deliveries"}, headers=bearer("finance"))
    assert done.status_code == 200, done.json
    assert [(e["actor"], e["comment"]) for e in done.json["timeline"] if e["event"] == "duplicate_acknowledged"] == [
        ("finance", "two deliveries")]


# --- the portal -----------------------------------------------------------------------------------------


def test_the_form_asks_for_the_invoice_fields(auth):
    auth.login("memployee")
    page = auth.client.get("/requests/new").get_data(as_text=True)
    assert 'name="invoice_number" required type="text"' in page
    assert 'name="invoice_date" required type="date"' in page
    assert '<option selected value="22">22 %</option>' in page and "без НДС" in page
    assert "Сумма НДС" in page


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"invoice_number": ""}, "invoice_number", "Укажите номер счёта."),
    ({"invoice_date": ""}, "invoice_date", "Укажите дату счёта."),
    ({"invoice_date": "2027-01-01"}, "invoice_date", "Дата счёта в будущем."),
    ({"vat_amount": "1,00"}, "vat_amount", "Сумма НДС не соответствует ставке: ожидается 27049.18."),
])
def test_bad_form_input_comes_back_on_its_field_and_nothing_is_written(auth, core, changes, field, message):
    auth.login("memployee")
    before = _count(core)
    response = _form_file(auth, **changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'data-error-for="{field}" >{message}' in page or f'data-error-for="{field}">{message}' in page
    assert _count(core) == before


def test_the_form_files_with_the_invoice_and_vat_shown_on_the_card(auth, core, users):
    auth.login("memployee")
    response = _form_file(auth, vat_rate="exempt", vat_amount="")
    assert response.status_code == 303
    card_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = auth.client.get(f"/requests/{card_id}").get_data(as_text=True)
    assert "№ INV-0042" in page and "без НДС" in page
    assert "Оплата по счёту № INV-0042 от 30.11.2026, без НДС" in page


def test_a_warned_duplicate_is_filed_with_a_warning_and_shown_on_card_tile_and_task(auth, core, users):
    auth.login("memployee")
    first = int(_form_file(auth).headers["Location"].rsplit("/", 1)[1])
    response = _form_file(auth, invoice_number="сч-42", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"Возможный дубль заявки №{first}" in page  # the flash
    second = first + 1
    assert 'data-testid="possible-duplicates"' in page and f'href="/requests/{first}">№{first}</a>' in page
    auth.login("ops")
    board = auth.client.get("/board").get_data(as_text=True)
    assert f"возможный дубль №{first}" in board and f"возможный дубль №{second}" in board
    drive_to(core, users, second, "finance_review")
    auth.login("finance")
    task = open_task(core, users, second, "finance_review")["id"]
    task_page = auth.client.get(f"/tasks/{task}").get_data(as_text=True)
    assert "Комментарий: почему это не дубль (обязательно)" in task_page
    refused = auth.post(f"/tasks/{task}/approve", {"next": f"/requests/{second}"}, follow_redirects=True)
    assert "Возможный дубль заявки" in refused.get_data(as_text=True)
    assert card(core, users, second)["stage"] == "finance_review"
    auth.post(f"/tasks/{task}/approve", {"comment": "другая поставка", "next": f"/requests/{second}"})
    assert card(core, users, second)["stage"] == "payment"
    history = auth.client.get(f"/requests/{second}").get_data(as_text=True)
    assert "подтвердил(а), что это не дубль" in history and "другая поставка" in history


@pytest.mark.parametrize("level", ["block"], indirect=True)
def test_a_blocked_duplicate_is_a_clear_error_on_the_number_field(auth, core, level):
    auth.login("memployee")
    first = int(_form_file(auth).headers["Location"].rsplit("/", 1)[1])
    before = _count(core)
    response = _form_file(auth, invoice_number="42")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"Этот счёт уже подан: №{first} (INV-0042)." in page.split('data-error-for="invoice_number"')[1][:200]
    assert _count(core) == before


def test_the_accountant_task_shows_the_payment_purpose(auth, core, users, invoice):
    card_id = file_request(core, users, invoice, **INVOICE)
    drive_to(core, users, card_id, "payment")
    task = open_task(core, users, card_id, "payment", kind="make_payment")["id"]
    auth.login("chief")
    page = auth.client.get(f"/tasks/{task}").get_data(as_text=True)
    assert 'data-testid="payment-purpose">Оплата по счёту № INV-0042 от 30.11.2026, в т. ч. НДС 22 % — ' \
        '27\u00a0049,18\u00a0₽' in page


def test_a_card_filed_before_the_invoice_fields_renders(auth, core, users, invoice):
    card_id = file_request(core, users, invoice)
    drive_to(core, users, card_id, "payment")
    auth.login("chief")
    assert auth.client.get(f"/requests/{card_id}").status_code == 200
    task = open_task(core, users, card_id, "payment", kind="make_payment")["id"]
    page = auth.client.get(f"/tasks/{task}").get_data(as_text=True)
    assert 'data-testid="payment-purpose"' not in page
    assert card(core, users, card_id, now=T0)["payment_purpose"] is None
