"""REST API: contracts — filing, reading, listing, versions, process actions, the role matrix, bad input."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from soglasie.models import Attachment, Card, ContractVersion
from tests.conftest import T0
from tests.helpers import file_contract, file_request, open_task, sign_contract
from tests.support.files import PNG_1PX, pdf_bytes

GOOD = {"counterparty_inn": "7701526010", "subject": "Поставка банок, 2027", "amount": "500000.00",
        "valid_from": "2026-11-01", "valid_to": "2027-12-31"}
SEES_MARKETING = {"memployee", "mhead", "finance", "ops", "chief", "accountant", "admin"}
EVERYONE = sorted(SEES_MARKETING | {"pemployee", "phead", "prhead", "signer"})


@pytest.fixture
def database_url(sqlite_database):
    """The API's own behaviour; the core's SQL for contracts is tested on both backends (test_contracts)."""
    return sqlite_database


def _create(client, headers, **changes):
    data = {**GOOD, "document": (io.BytesIO(pdf_bytes("contract v1")), "contract-v1.pdf"), **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post("/api/v1/contracts", data=data, headers=headers, content_type="multipart/form-data")


def _version(client, headers, card_id, text="contract v2", **fields):
    data = {"document": (io.BytesIO(pdf_bytes(text)), f"{text}.pdf"), **fields}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/api/v1/contracts/{card_id}/versions", data=data, headers=headers,
                       content_type="multipart/form-data")


def _rows(core) -> tuple[int, int, int]:
    with core.db.read() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (Card, Attachment, ContractVersion))


def test_filing_answers_201_with_the_contract_card_in_specs_shape(client, bearer):
    response = _create(client, bearer("memployee"), comment="Рамочный")
    assert response.status_code == 201, response.json
    card = response.json
    assert response.headers["Location"].endswith(f"/api/v1/contracts/{card['id']}")
    assert card["kind"] == "contract" and card["stage"] == "head_approval" and card["amount"] == "500000.00"
    assert (card["subject"], card["valid_from"], card["valid_to"]) == ("Поставка банок, 2027", "2026-11-01",
                                                                       "2027-12-31")
    assert card["counterparty"]["inn"] == "7701526010" and card["comment"] == "Рамочный"
    version = card["versions"][0]
    assert {"number", "uploaded_by", "at", "sha256", "size", "comment"} <= set(version)
    assert (version["number"], version["uploaded_by"], version["at"]) == (1, "memployee", T0.isoformat())
    assert len(version["sha256"]) == 64 and version["size"] == len(pdf_bytes("contract v1"))
    assert {"id", "kind", "stage", "assignee", "status", "deadline"} <= set(card["tasks"][0])
    assert card["tasks"][0]["assignee"] == "mhead"
    assert {"at", "actor", "on_behalf_of", "event", "comment"} <= set(card["timeline"][0])
    assert card["balance"] == {"amount": "500000.00", "committed": "0.00", "remaining": "500000.00"}
    assert card["warnings"] == []
    assert client.get(response.headers["Location"], headers=bearer("memployee")).json["id"] == card["id"]


def test_the_list_filters_by_stage_and_mine_and_paginates(client, core, users, bearer, invoice):
    ids = [file_contract(core, users) for _ in range(3)]
    own = file_contract(core, users, who="mhead")
    sign_contract(core, users, ids[0])
    file_request(core, users, invoice)  # a payment request is not a contract
    headers = bearer("mhead")
    everything = client.get("/api/v1/contracts?per_page=3", headers=headers).json
    assert (everything["total"], len(everything["items"]), everything["page"]) == (4, 3, 1)
    page2 = client.get("/api/v1/contracts?per_page=3&page=2", headers=headers).json
    assert [item["id"] for item in everything["items"] + page2["items"]] == sorted(ids + [own], reverse=True)
    assert {item["kind"] for item in everything["items"]} == {"contract"}
    assert everything["items"][0]["subject"] == "Поставка банок, 2027"
    assert [item["id"] for item in client.get("/api/v1/contracts?mine=1", headers=headers).json["items"]] == [own]
    signed = client.get("/api/v1/contracts?stage=signed", headers=headers).json
    assert [item["id"] for item in signed["items"]] == [ids[0]]
    for query, field in (("stage=paid", "stage"), ("stage=payment", "stage"), ("mine=maybe", "mine"),
                         ("per_page=1000", "per_page"), ("sort=evil", "sort")):
        response = client.get(f"/api/v1/contracts?{query}", headers=headers)
        assert (response.status_code // 100, response.json["field"]) == (4, field), query


def test_each_path_answers_only_for_its_own_kind(client, core, users, bearer, invoice):
    contract_id, payment_id = file_contract(core, users), file_request(core, users, invoice)
    headers = bearer("ops")
    assert client.get(f"/api/v1/payment-requests/{contract_id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/contracts/{payment_id}", headers=headers).status_code == 404
    for path in (f"/api/v1/payment-requests/{contract_id}/freeze", f"/api/v1/contracts/{payment_id}/freeze"):
        response = client.post(path, json={}, headers=headers)
        assert response.status_code == 404 and response.json["error"], path
    assert _version(client, bearer("memployee"), payment_id).status_code == 404
    stages = {item["id"]: item["stage"] for item in
              client.get("/api/v1/payment-requests", headers=headers).json["items"]
              + client.get("/api/v1/contracts", headers=headers).json["items"]}
    assert stages == {contract_id: "head_approval", payment_id: "head_approval"}  # nothing was frozen
    assert _rows(core)[2] == 1
    ids = [item["id"] for item in client.get("/api/v1/payment-requests", headers=headers).json["items"]]
    assert ids == [payment_id]


@pytest.mark.parametrize("login", EVERYONE)
def test_who_sees_a_marketing_contract(client, core, users, bearer, login):
    card_id = file_contract(core, users)
    headers = bearer(login)
    expected = 200 if login in SEES_MARKETING else 404
    assert client.get(f"/api/v1/contracts/{card_id}", headers=headers).status_code == expected
    listed = [item["id"] for item in client.get("/api/v1/contracts", headers=headers).json["items"]]
    assert (card_id in listed) == (expected == 200)


def test_the_signer_sees_a_contract_once_he_has_its_task(client, core, users, bearer):
    card_id = file_contract(core, users)
    headers = bearer("signer")
    assert client.get(f"/api/v1/contracts/{card_id}", headers=headers).status_code == 404
    for stage in ("head_approval", "finance_review"):
        task = open_task(core, users, card_id, stage)
        response = client.post(f"/api/v1/tasks/{task['id']}/approve", json={}, headers=bearer(task["assignee"]))
        assert response.status_code == 200 and response.json["kind"] == "contract"  # the task's card, any kind
    card = client.get(f"/api/v1/contracts/{card_id}", headers=headers).json
    assert card["stage"] == "signing" and [t["assignee"] for t in card["tasks"] if t["stage"] == "signing"] == [
        "signer"]
    assert card_id in [item["id"] for item in client.get("/api/v1/contracts", headers=headers).json["items"]]
    task_id = next(t["id"] for t in card["tasks"] if t["stage"] == "signing")
    refused = client.post(f"/api/v1/tasks/{task_id}/complete", json={}, headers=headers)
    assert (refused.status_code, refused.json["field"]) == (422, "file")
    scan = {"file": (io.BytesIO(PNG_1PX), "scan.png")}
    assert client.post(f"/api/v1/tasks/{task_id}/attachments", data=scan, headers=headers,
                       content_type="multipart/form-data").status_code == 201
    signed = client.post(f"/api/v1/tasks/{task_id}/complete", json={}, headers=headers)
    assert signed.status_code == 200 and signed.json["stage"] == "signed"


VERSIONS_BY_ROLE = [("memployee", 201), ("finance", 201), ("mhead", 403), ("ops", 403), ("chief", 403),
                    ("accountant", 403), ("admin", 403), ("pemployee", 404), ("phead", 404), ("signer", 404)]


@pytest.mark.parametrize(("login", "status"), VERSIONS_BY_ROLE)
def test_versions_by_initiator_and_finance_only(client, core, users, bearer, login, status):
    card_id = file_contract(core, users)
    response = _version(client, bearer(login), card_id, comment="правки")
    assert response.status_code == status, response.json
    assert _rows(core)[2] == (2 if status == 201 else 1)
    if status == 201:
        assert (response.json["version"], response.json["restarted"]) == (2, False)
        assert [v["number"] for v in response.json["versions"]] == [1, 2]
        assert response.json["versions"][1] | {"at": None, "sha256": None, "size": None} == {
            "number": 2, "uploaded_by": login, "comment": "правки", "at": None, "sha256": None, "size": None,
            "name": "contract v2.pdf", "attachment_id": response.json["versions"][1]["attachment_id"]}


def test_a_version_after_an_approval_restarts_the_approvals(client, core, users, bearer):
    card_id = file_contract(core, users)
    task = open_task(core, users, card_id, "head_approval")
    client.post(f"/api/v1/tasks/{task['id']}/approve", json={}, headers=bearer("mhead"))
    response = _version(client, bearer("finance"), card_id, comment="юристы")
    assert response.status_code == 201
    card = response.json
    assert (card["version"], card["restarted"], card["stage"], card["run"]["number"]) == (2, True, "head_approval",
                                                                                         2)
    events = [event["event"] for event in card["timeline"]]
    assert events.index("version_added") < events.index("revised")
    assert [event["data"]["version"] for event in card["timeline"] if event["event"] == "approved"] == [1]


def test_a_signed_contract_refuses_a_version_with_409(client, core, users, bearer):
    card_id = file_contract(core, users)
    sign_contract(core, users, card_id)
    response = _version(client, bearer("memployee"), card_id)
    assert response.status_code == 409 and response.json["error"]
    assert _rows(core)[2] == 1


CONTRACT_ACTIONS = [  # (login, action, status) on a contract waiting at head_approval
    ("ops", "freeze", 200), ("finance", "freeze", 200), ("memployee", "freeze", 403), ("mhead", "freeze", 403),
    ("signer", "freeze", 404), ("ops", "unfreeze", 409), ("memployee", "restart", 409), ("ops", "restart", 403),
]


@pytest.mark.parametrize(("login", "action", "status"), CONTRACT_ACTIONS)
def test_contract_actions_by_role(client, core, users, bearer, login, action, status):
    card_id = file_contract(core, users)
    response = client.post(f"/api/v1/contracts/{card_id}/{action}", json={}, headers=bearer(login))
    assert response.status_code == status, response.json


def test_freeze_unfreeze_reject_and_restart(client, core, users, bearer):
    card_id = file_contract(core, users)
    ops = bearer("ops")
    frozen = client.post(f"/api/v1/contracts/{card_id}/freeze", json={"comment": "ждём юристов"}, headers=ops)
    assert frozen.json["stage"] == "frozen"
    assert _version(client, bearer("memployee"), card_id).status_code == 409  # unfreeze first
    assert client.post(f"/api/v1/contracts/{card_id}/unfreeze", headers=ops).json["stage"] == "head_approval"
    task = open_task(core, users, card_id, "head_approval")
    client.post(f"/api/v1/tasks/{task['id']}/reject", json={"reason": "не тот шаблон"}, headers=bearer("mhead"))
    reworked = _version(client, bearer("memployee"), card_id, comment="новый шаблон")
    assert reworked.status_code == 201 and reworked.json["stage"] == "rejected"
    card = client.post(f"/api/v1/contracts/{card_id}/restart", headers=bearer("memployee")).json
    assert card["stage"] == "head_approval" and card["run"]["number"] == 2 and len(card["versions"]) == 2


BAD_FIELDS = [
    ({"counterparty_inn": "7701526011"}, "counterparty_inn", 422),
    ({"counterparty_inn": "7707083893"}, "counterparty_inn", 422),
    ({"counterparty_inn": None}, "counterparty_inn", 422),
    ({"subject": "   "}, "subject", 422),
    ({"subject": "x" * 501}, "subject", 422),
    ({"amount": "0"}, "amount", 422),
    ({"amount": "12.345"}, "amount", 422),
    ({"valid_from": "2027-01-01", "valid_to": "2026-12-31"}, "valid_to", 422),
    ({"valid_from": "01.11.2026"}, "valid_from", 422),
    ({"valid_to": "2027-02-30"}, "valid_to", 422),
    ({"valid_from": None}, "valid_from", 422),
    ({"comment": "x" * 5001}, "comment", 422),
    ({"document": None}, "document", 422),
    ({"document": (io.BytesIO(b"MZ\x90\x00"), "contract.pdf")}, "document", 422),
    ({"document": (io.BytesIO(b""), "empty.pdf")}, "document", 422),
]


def test_bad_fields_are_refused_naming_the_field_and_nothing_is_written(client, core, bearer):
    headers = bearer("memployee")
    for changes, field, status in BAD_FIELDS:
        response = _create(client, headers, **changes)
        assert (response.status_code, response.json["field"]) == (status, field), changes
        assert response.json["error"] and set(response.json) == {"error", "field", "code"}
    for body, field in ((dict(json={**GOOD, "amount": [1]}), "amount"), (dict(json={**GOOD, "subject": 5}), "subject"),
                        (dict(data="{bad", content_type="application/json"), "body"), (dict(json=GOOD), "document")):
        response = client.post("/api/v1/contracts", headers=headers, **body)
        assert (response.status_code // 100, response.json["field"]) == (4, field), body
    assert _rows(core) == (0, 0, 0)


def test_bad_versions_are_refused_and_nothing_is_written(client, core, users, bearer):
    card_id = file_contract(core, users)
    headers = bearer("memployee")
    for data in ({}, {"document": (io.BytesIO(b"#!/bin/sh"), "v2.pdf")}, {"comment": "x" * 5001}):
        data = {"document": (io.BytesIO(pdf_bytes("v2")), "v2.pdf"), **data} if data.get("comment") else data
        response = client.post(f"/api/v1/contracts/{card_id}/versions", data=data, headers=headers,
                               content_type="multipart/form-data")
        assert response.status_code == 422 and response.json["field"] in ("document", "comment"), data
    assert _rows(core) == (1, 1, 1)


def test_an_oversized_document_is_refused(app, client, core, bearer):
    core.store.max_bytes = 2048
    response = _create(client, bearer("memployee"), document=(io.BytesIO(pdf_bytes() + b"%" * 4096), "big.pdf"))
    assert (response.status_code, response.json["field"]) == (422, "document")
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = _create(client, bearer("memployee"), document=(io.BytesIO(pdf_bytes() + b"%" * 8192), "huge.pdf"))
    assert (response.status_code, response.json["field"]) == (413, "document")
    assert _rows(core) == (0, 0, 0)


def test_session_calls_need_the_csrf_token(auth, core):
    auth.login("memployee")
    data = {**GOOD, "document": (io.BytesIO(pdf_bytes()), "c.pdf")}
    refused = auth.client.post("/api/v1/contracts", data=data, content_type="multipart/form-data")
    assert (refused.status_code, refused.json["field"]) == (400, "csrf_token")
    data = {**GOOD, "document": (io.BytesIO(pdf_bytes()), "c.pdf")}
    assert auth.api("POST", "/api/v1/contracts", data=data, content_type="multipart/form-data").status_code == 201
    assert _rows(core)[0] == 1
