"""REST API: payment requests — filing, reading, listing, card actions, and bad input as 4xx."""

from __future__ import annotations

import io

import pytest

from tests.conftest import T0
from tests.helpers import file_request
from tests.support.files import PNG_1PX
from tests.webapp.conftest import pdf_file

GOOD = {"counterparty_inn": "7701526010", "amount": "150000.00", "cost_item": "PACK"}


def _create(client, headers, **changes):
    data = {**GOOD, "invoice": pdf_file(), **changes}
    data = {key: value for key, value in data.items() if value is not None}
    if isinstance(data.get("invoice"), tuple) and isinstance(data["invoice"][0], bytes):
        data["invoice"] = (io.BytesIO(data["invoice"][0]), data["invoice"][1])  # a fresh stream per request
    return client.post("/api/v1/payment-requests", data=data, headers=headers, content_type="multipart/form-data")


def test_filing_answers_201_with_the_card_in_specs_shape(client, bearer):
    response = _create(client, bearer("memployee"), comment="Коробки", deadline="2026-12-20")
    assert response.status_code == 201, response.json
    card = response.json
    assert response.headers["Location"].endswith(f"/api/v1/payment-requests/{card['id']}")
    assert card["stage"] == "head_approval" and card["amount"] == "150000.00"
    assert card["counterparty"]["inn"] == "7701526010" and card["counterparty"]["name"]
    task = card["tasks"][0]
    assert {"id", "kind", "stage", "assignee", "status", "deadline"} <= set(task)
    assert task["assignee"] == "mhead" and task["status"] == "open"
    assert {"at", "actor", "on_behalf_of", "event", "comment"} <= set(card["timeline"][0])
    assert card["timeline"][0]["at"].endswith("+03:00")
    assert card["attachments"][0]["purpose"] == "invoice"
    assert card["warnings"] == []


def test_a_rule_warning_comes_back_with_the_card(client, bearer):
    response = _create(client, bearer("memployee"), amount="60000000")
    assert response.status_code == 201
    assert "50" in response.json["warnings"][0]


BAD_FIELDS = [
    ({"counterparty_inn": "7701526011"}, "counterparty_inn", 422),
    ({"counterparty_inn": None}, "counterparty_inn", 422),
    ({"amount": "-1"}, "amount", 422),
    ({"amount": "1e400"}, "amount", 422),
    ({"amount": "9" * 40}, "amount", 422),
    ({"amount": "12.345"}, "amount", 422),
    ({"cost_item": "NOPE"}, "cost_item", 422),
    ({"deadline": "2026-02-30"}, "deadline", 422),
    ({"deadline": "tomorrow"}, "deadline", 422),
    ({"deadline": "2020-01-01"}, "deadline", 422),
    ({"comment": "x" * 5001}, "comment", 422),
    ({"contract_id": "5"}, "contract_id", 422),
    ({"invoice": None}, "invoice", 422),
    ({"invoice": (b"MZ\x90\x00", "evil.pdf")}, "invoice", 422),
    ({"invoice": (b"<html><script>alert(1)</script>", "x.html")}, "invoice", 422),
    ({"invoice": (b"", "empty.pdf")}, "invoice", 422),
]


def test_bad_multipart_fields_are_refused_naming_the_field(client, bearer):
    headers = bearer("memployee")
    for changes, field, status in BAD_FIELDS:
        response = _create(client, headers, **changes)
        assert (response.status_code, response.json["field"]) == (status, field), changes
        assert response.json["error"]
    assert client.get("/api/v1/payment-requests", headers=headers).json["total"] == 0


MALFORMED = [
    ({"data": "{not json", "content_type": "application/json"}, "body", 400),
    ({"data": "[1, 2]", "content_type": "application/json"}, "body", 400),
    ({"data": "\"text\"", "content_type": "application/json"}, "body", 400),
    ({"data": "amount=5", "content_type": "text/plain"}, "body", 400),
    ({"json": {**GOOD, "amount": {"value": 5}}}, "amount", 422),
    ({"json": {**GOOD, "amount": [1]}}, "amount", 422),
    ({"json": {**GOOD, "counterparty_inn": True}}, "counterparty_inn", 422),
    ({"json": {**GOOD, "comment": 5}}, "comment", 422),
    ({"json": {**GOOD, "counterparty_inn": 7701526010}}, "invoice", 422),  # numbers are fine; the file is not
    ({"json": {}}, "amount", 422),
]


def test_malformed_bodies_are_4xx_naming_the_field(client, bearer):
    headers = bearer("memployee")
    for kwargs, field, status in MALFORMED:
        response = client.post("/api/v1/payment-requests", headers=headers, **kwargs)
        assert (response.status_code, response.json["field"]) == (status, field), kwargs


def test_a_body_over_the_size_limit_is_413_naming_the_file_field(app, client, bearer):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = _create(client, bearer("memployee"), invoice=(io.BytesIO(b"%PDF-" + b"0" * 8000), "big.pdf"))
    assert response.status_code == 413
    assert response.json["field"] == "invoice"


def test_an_image_invoice_is_accepted(client, bearer):
    response = _create(client, bearer("memployee"), invoice=(io.BytesIO(PNG_1PX), "scan.png"))
    assert response.status_code == 201
    assert response.json["attachments"][0]["content_type"] == "image/png"


UNKNOWN = ["/api/v1/payment-requests/99999", "/api/v1/payment-requests/99999999999999",
           "/api/v1/payment-requests/abc", "/api/v1/payment-requests/-1", "/api/v1/payment-requests/0",
           "/api/v1/no-such-thing"]


def test_unknown_ids_and_paths_are_404_json(client, bearer):
    headers = bearer("ops")
    for path in UNKNOWN:
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.is_json and response.json["error"], path


def test_a_wrong_method_is_405_json(client, bearer):
    response = client.delete("/api/v1/cost-items", headers=bearer("ops"))
    assert response.status_code == 405 and response.is_json


VIEWERS = {"memployee": 200, "mhead": 200, "finance": 200, "ops": 200, "chief": 200, "accountant": 200,
           "admin": 200, "pemployee": 404, "phead": 404, "prhead": 404, "signer": 404}


def test_who_sees_a_marketing_request(client, bearer, filed):
    for login, status in sorted(VIEWERS.items()):
        headers = bearer(login)
        assert client.get(f"/api/v1/payment-requests/{filed}", headers=headers).status_code == status, login
        listed = client.get("/api/v1/payment-requests", headers=headers).json
        assert (filed in [item["id"] for item in listed["items"]]) == (status == 200), login


def test_the_list_filters_by_stage_and_mine_and_paginates(client, core, users, invoice, bearer):
    ids = [file_request(core, users, invoice) for _ in range(3)]
    other = file_request(core, users, invoice, who="mhead")
    headers = bearer("mhead")
    everything = client.get("/api/v1/payment-requests?per_page=2", headers=headers).json
    assert everything["total"] == 4 and len(everything["items"]) == 2 and everything["page"] == 1
    page2 = client.get("/api/v1/payment-requests?per_page=2&page=2", headers=headers).json
    assert [item["id"] for item in everything["items"] + page2["items"]] == sorted(ids + [other], reverse=True)
    mine = client.get("/api/v1/payment-requests?mine=1", headers=headers).json
    assert [item["id"] for item in mine["items"]] == [other]
    at_head = client.get("/api/v1/payment-requests?stage=head_approval&mine=0", headers=headers).json
    assert at_head["total"] == 4  # his own request waits for him too (the head approves his own request inline)
    assert client.get("/api/v1/payment-requests?stage=paid", headers=headers).json["total"] == 0


BAD_PARAMETERS = [
    ("stage=nowhere", "stage"), ("mine=maybe", "mine"), ("page=0", "page"), ("page=x", "page"),
    ("per_page=1000", "per_page"), ("per_page=-5", "per_page"), ("sort=evil", "sort"),
    ("counterparty_id=99999999999", "counterparty_id"), ("page=99999999999999999999", "page"),
]


def test_bad_list_parameters_are_4xx_naming_the_field(client, bearer):
    headers = bearer("ops")
    for query, field in BAD_PARAMETERS:
        response = client.get(f"/api/v1/payment-requests?{query}", headers=headers)
        assert 400 <= response.status_code < 500, query
        assert response.json["field"] == field, query


def test_search_with_odd_characters_is_safe(client, bearer, filed):
    for needle in ["%", "_", "'; DROP TABLE cards; --", "Косметик", "\\"]:
        response = client.get("/api/v1/payment-requests", query_string={"search": needle}, headers=bearer("ops"))
        assert response.status_code == 200, needle
    nul = client.get("/api/v1/payment-requests", query_string={"search": "a\x00b"}, headers=bearer("ops"))
    assert (nul.status_code, nul.json["field"]) == (400, "search")


CARD_ACTIONS = [
    # (login, action, expected status) on a request waiting at head_approval
    ("ops", "freeze", 200), ("finance", "freeze", 200), ("memployee", "freeze", 403), ("mhead", "freeze", 403),
    ("chief", "freeze", 403), ("pemployee", "freeze", 404), ("ops", "restart", 403), ("memployee", "restart", 409),
    ("ops", "unfreeze", 409),
]


@pytest.mark.parametrize(("login", "action", "status"), CARD_ACTIONS)
def test_card_actions_by_role(client, bearer, filed, login, action, status):
    response = client.post(f"/api/v1/payment-requests/{filed}/{action}", json={}, headers=bearer(login))
    assert response.status_code == status, response.json


def test_freeze_then_unfreeze_returns_to_the_stage(client, bearer, filed):
    headers = bearer("ops")
    assert client.post(f"/api/v1/payment-requests/{filed}/freeze", json={"comment": "ждём бюджет"},
                       headers=headers).json["stage"] == "frozen"
    card = client.post(f"/api/v1/payment-requests/{filed}/unfreeze", headers=headers).json
    assert card["stage"] == "head_approval"
    assert [event["event"] for event in card["timeline"]][-2:] == ["frozen", "unfrozen"]


def test_restart_after_rejection_starts_run_two(client, bearer, filed):
    task = client.get(f"/api/v1/payment-requests/{filed}", headers=bearer("mhead")).json["tasks"][0]
    client.post(f"/api/v1/tasks/{task['id']}/reject", json={"reason": "нет договора"}, headers=bearer("mhead"))
    card = client.post(f"/api/v1/payment-requests/{filed}/restart", headers=bearer("memployee")).json
    assert card["stage"] == "head_approval" and card["run"]["number"] == 2


def test_times_are_iso_with_offset(client, bearer, filed):
    card = client.get(f"/api/v1/payment-requests/{filed}", headers=bearer("ops")).json
    assert card["created_at"] == T0.isoformat()
