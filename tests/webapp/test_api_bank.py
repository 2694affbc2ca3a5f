"""REST API of the bank loop: the export's file and its headers, the statement upload, permissions, bad input."""

from __future__ import annotations

import io

import pytest

from tests import exchange_reader
from tests.test_bank import VALID_COMPANY, at_payment, pay, statement_from
from tests.webapp.conftest import pdf_file


def _export(client, headers, body):
    return client.post("/api/v1/payment-orders/export", json=body, headers=headers)


def _upload(client, headers, data: bytes, name: str = "statement.txt"):
    return client.post("/api/v1/bank-statements", data={"file": (io.BytesIO(data), name)}, headers=headers,
                       content_type="multipart/form-data")


def test_export_then_statement_makes_the_request_paid(client, bearer, core, users, invoice):
    card_id = at_payment(core, users, invoice)
    pay(core, users, card_id)
    response = _export(client, bearer("chief"), {"ids": [card_id]})
    assert response.status_code == 200, response.json
    assert response.mimetype == "text/plain" and response.mimetype_params["charset"] == "windows-1251"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="payment-orders-') and disposition.endswith('.txt"')
    assert response.headers["X-Soglasie-Repeat"] == "0"
    assert exchange_reader.read(response.data).documents[0][1]["Номер"] == "1"
    card = client.get(f"/api/v1/payment-requests/{card_id}", headers=bearer("chief")).json
    assert card["payment_order"]["number"] == 1 and card["payment_order"]["date"] == "2026-12-01"
    report = _upload(client, bearer("accountant"), statement_from(response.data))
    assert report.status_code == 200, report.json
    assert report.json["matched"] == [{"request_id": card_id, "document_number": "1", "amount": "150000.00"}]
    assert client.get(f"/api/v1/payment-requests/{card_id}", headers=bearer("chief")).json["stage"] == "paid"
    assert _export(client, bearer("chief"), {"ids": [card_id]}).status_code == 422  # paid: no longer at the stage


@pytest.mark.parametrize("body", [{"ids": "1"}, {"ids": []}, {"ids": [-1]}, {"ids": [999999]}, {}])
def test_bad_ids_are_422_naming_ids(client, bearer, body):
    response = _export(client, bearer("chief"), body)
    assert response.status_code == 422 and response.json["field"] == "ids"


@pytest.mark.parametrize("who, status", [("memployee", 403), ("accountant", 403), ("finance", 403),
                                         ("admin", 200), ("chief", 200)])
def test_who_may_export(client, bearer, core, users, invoice, who, status):
    card_id = at_payment(core, users, invoice)
    assert _export(client, bearer(who), {"ids": [card_id]}).status_code == status


def test_a_malformed_statement_is_422_with_its_line(client, bearer):
    response = _upload(client, bearer("accountant"), "1CClientBankExchange\r\nмусор\r\n".encode("cp1251"))
    assert response.status_code == 422 and response.json["field"] == "file"
    assert response.json["error"].startswith("строка 2: ") or response.json["error"].startswith("line 2: ")
    assert _upload(client, bearer("memployee"), "1CClientBankExchange\r\nКонецФайла\r\n".encode(
        "cp1251")).status_code == 403
    missing = client.post("/api/v1/bank-statements", data={"other": pdf_file()}, headers=bearer("accountant"),
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.json["field"] == "file"


def test_the_admin_edits_the_requisites_others_may_not(client, bearer):
    assert client.put("/api/v1/company", json=VALID_COMPANY, headers=bearer("chief")).status_code == 403
    bad = client.put("/api/v1/company", json={**VALID_COMPANY, "inn": "7701230006"}, headers=bearer("admin"))
    assert bad.status_code == 422 and bad.json["field"] == "inn"
    saved = client.put("/api/v1/company", json=VALID_COMPANY, headers=bearer("admin"))
    assert saved.status_code == 200 and saved.json["name"] == VALID_COMPANY["name"]
    assert client.get("/api/v1/company", headers=bearer("memployee")).json["inn"] == "7701230005"
