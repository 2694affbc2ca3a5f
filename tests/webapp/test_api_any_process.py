"""REST API for every process alike: the fixture rules' three processes filed, read, listed and acted on."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from soglasie.models import Card, ContractVersion
from tests.support.files import PNG_1PX, pdf_bytes

# process → (its fields, its file field, its path, its first stage)
PROCESSES = {
    "payment": ({"counterparty_inn": "7701526010", "amount": "150000.00", "cost_item": "PACK"}, "invoice",
                "payment-requests", "head_approval"),
    "contract": ({"counterparty_inn": "7701526010", "subject": "Поставка банок, 2027", "amount": "500000.00",
                  "valid_from": "2026-11-01", "valid_to": "2027-12-31"}, "document", "contracts", "head_approval"),
    "requisition": ({"subject": "Стулья для переговорной", "amount": "90000.00", "cost_item": "PACK"}, "document",
                    "requisitions", "manager_review"),
}
VIEWERS = {"memployee": 200, "mhead": 200, "finance": 200, "ops": 200, "chief": 200, "accountant": 200,
           "admin": 200, "pemployee": 404, "phead": 404, "prhead": 404, "signer": 404}


def _file(client, headers, process: str, path: str | None = None, **changes):
    """POST a card of `process` (to /processes/<process>/cards, or to `path`) with a small PDF document."""
    fields, file_field, *_ = PROCESSES[process]
    data = {**fields, file_field: (io.BytesIO(pdf_bytes(process)), f"{process}.pdf"), **changes}
    return client.post(path or f"/api/v1/processes/{process}/cards", data=data, headers=headers,
                       content_type="multipart/form-data")


def _ids(client, headers, query: str = "") -> list[int]:
    response = client.get(f"/api/v1/cards{query}", headers=headers)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def _open_task(client, headers, card_id: int, stage: str) -> dict:
    card = client.get(f"/api/v1/cards/{card_id}", headers=headers).json
    [task] = [task for task in card["tasks"] if task["stage"] == stage and task["status"] in ("open", "started")]
    return task


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_filing_reading_and_listing_through_the_generic_routes(client, bearer, process):
    _fields, file_field, path, first = PROCESSES[process]
    headers = bearer("memployee")
    response = _file(client, headers, process)
    assert response.status_code == 201, response.json
    card = response.json
    assert response.headers["Location"].endswith(f"/api/v1/cards/{card['id']}")
    assert (card["kind"], card["stage"], card["warnings"]) == (process, first, [])
    assert card["attachments"][0]["name"] == f"{process}.pdf"
    generic = client.get(f"/api/v1/cards/{card['id']}", headers=headers).json
    own = client.get(f"/api/v1/{path}/{card['id']}", headers=headers).json
    assert set(generic) == set(own) == set(card) - {"warnings"} and generic["id"] == own["id"] == card["id"]
    assert _ids(client, headers, f"?process={process}") == [card["id"]]
    assert _ids(client, headers, f"?process={process}&stage={first}&mine=1") == [card["id"]]
    assert _ids(client, bearer("mhead"), f"?process={process}&mine=1") == []


def test_a_requisition_has_the_fields_its_file_declares(client, bearer):
    card = _file(client, bearer("memployee"), "requisition").json
    assert (card["counterparty"], card["subject"], card["amount"]) == (None, "Стулья для переговорной", "90000.00")
    assert card["attachments"][0]["purpose"] == "specification"
    without_document = _file(client, bearer("memployee"), "requisition", document=None)
    assert without_document.status_code == 201 and without_document.json["attachments"] == []


def test_the_list_without_a_process_has_every_process(client, bearer):
    headers = bearer("memployee")
    ids = {process: _file(client, headers, process).json["id"] for process in sorted(PROCESSES)}
    assert _ids(client, headers) == sorted(ids.values(), reverse=True)
    listed = client.get("/api/v1/cards", headers=headers).json
    assert {item["kind"] for item in listed["items"]} == set(PROCESSES) and listed["total"] == 3
    assert _ids(client, headers, "?stage=manager_review") == [ids["requisition"]]
    assert _ids(client, headers, "?stage=head_approval&sort=id") == sorted([ids["payment"], ids["contract"]])
    assert _ids(client, headers, "?search=Стулья") == [ids["requisition"]]  # the subject, where there is one
    assert _ids(client, headers, "?search=Поставка") == [ids["contract"]]
    assert _ids(client, headers, "?per_page=1&page=3") == [min(ids.values())]


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_freeze_unfreeze_reject_and_restart_through_the_generic_routes(client, bearer, process):
    first = PROCESSES[process][3]
    card_id = _file(client, bearer("memployee"), process).json["id"]
    assert client.post(f"/api/v1/cards/{card_id}/freeze", json={}, headers=bearer("memployee")).status_code == 403
    frozen = client.post(f"/api/v1/cards/{card_id}/freeze", json={"comment": "ждём"}, headers=bearer("ops"))
    assert frozen.status_code == 200 and frozen.json["stage"] == "frozen"
    assert client.post(f"/api/v1/cards/{card_id}/unfreeze", headers=bearer("ops")).json["stage"] == first
    task = _open_task(client, bearer("mhead"), card_id, first)
    rejected = client.post(f"/api/v1/tasks/{task['id']}/reject", json={"reason": "нет"}, headers=bearer("mhead"))
    assert rejected.json["stage"] == "rejected"
    restarted = client.post(f"/api/v1/cards/{card_id}/restart", headers=bearer("memployee"))
    assert restarted.status_code == 200 and (restarted.json["stage"], restarted.json["run"]["number"]) == (first, 2)


def test_versions_through_the_generic_route_only_for_a_versioned_document(client, core, bearer):
    headers = bearer("memployee")
    ids = {process: _file(client, headers, process).json["id"] for process in sorted(PROCESSES)}
    version = client.post(f"/api/v1/cards/{ids['contract']}/versions", headers=headers,
                          data={"document": (io.BytesIO(pdf_bytes("v2")), "v2.pdf"), "comment": "правки"},
                          content_type="multipart/form-data")
    assert version.status_code == 201, version.json
    assert (version.json["version"], version.json["restarted"]) == (2, False)
    assert version.headers["Location"].endswith(f"/api/v1/cards/{ids['contract']}")
    for process in ("payment", "requisition"):
        refused = client.post(f"/api/v1/cards/{ids[process]}/versions", headers=headers,
                              data={"document": (io.BytesIO(pdf_bytes("v2")), "v2.pdf")},
                              content_type="multipart/form-data")
        assert (refused.status_code, refused.json["field"]) == (422, "document"), process
    with core.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ContractVersion)) == 2


def test_a_requisition_through_its_own_routes(client, bearer):
    headers = bearer("memployee")
    created = _file(client, headers, "requisition", path="/api/v1/requisitions")
    assert created.status_code == 201, created.json
    card_id = created.json["id"]
    assert created.headers["Location"].endswith(f"/api/v1/requisitions/{card_id}")
    assert client.get(f"/api/v1/requisitions/{card_id}", headers=headers).json["kind"] == "requisition"
    listed = client.get("/api/v1/requisitions?stage=manager_review", headers=headers).json
    assert [item["id"] for item in listed["items"]] == [card_id] and listed["items"][0]["subject"]
    ops = bearer("ops")
    assert client.post(f"/api/v1/requisitions/{card_id}/freeze", json={}, headers=ops).json["stage"] == "frozen"
    assert client.post(f"/api/v1/requisitions/{card_id}/unfreeze", headers=ops).json["stage"] == "manager_review"
    payment_id = _file(client, headers, "payment").json["id"]
    for method, path in (("GET", f"/api/v1/requisitions/{payment_id}"), ("GET", f"/api/v1/payment-requests/{card_id}"),
                         ("POST", f"/api/v1/requisitions/{payment_id}/freeze"),
                         ("POST", f"/api/v1/contracts/{card_id}/freeze")):
        response = client.open(path, method=method, json={}, headers=ops)
        assert response.status_code == 404 and response.json["error"], path
    assert [item["id"] for item in client.get("/api/v1/requisitions", headers=ops).json["items"]] == [card_id]
    assert [item["id"] for item in client.get("/api/v1/payment-requests", headers=ops).json["items"]] == [payment_id]


def test_a_requisition_goes_its_whole_route_by_api_calls(client, core, bearer):
    card_id = _file(client, bearer("memployee"), "requisition").json["id"]
    decision = _open_task(client, bearer("mhead"), card_id, "manager_review")
    assert decision["assignee"] == "mhead"
    approved = client.post(f"/api/v1/tasks/{decision['id']}/approve", json={"comment": "нужно"},
                           headers=bearer("mhead"))
    assert approved.status_code == 200 and approved.json["stage"] == "procurement"
    ops = bearer("ops")
    purchase = _open_task(client, ops, card_id, "procurement")
    assert (purchase["assignee"], purchase["requires_attachment"]) == ("ops", True)
    assert purchase["id"] in [task["id"] for task in client.get("/api/v1/tasks", headers=ops).json["items"]]
    refused = client.post(f"/api/v1/tasks/{purchase['id']}/complete", json={}, headers=ops)
    assert (refused.status_code, refused.json["field"]) == (422, "file")
    note = client.post(f"/api/v1/tasks/{purchase['id']}/attachments", headers=ops,
                       data={"file": (io.BytesIO(PNG_1PX), "delivery-note.png")}, content_type="multipart/form-data")
    assert note.status_code == 201 and note.json["name"] == "delivery-note.png"
    done = client.post(f"/api/v1/tasks/{purchase['id']}/complete", json={"comment": "куплено"}, headers=ops)
    assert done.status_code == 200 and done.json["stage"] == "purchased"
    assert _ids(client, ops, "?process=requisition&stage=purchased") == [card_id]
    with core.db.read() as session:
        assert session.get(Card, card_id).stage == "purchased"


def test_who_sees_a_marketing_requisition(client, bearer):
    card_id = _file(client, bearer("memployee"), "requisition").json["id"]
    seen = {}
    for login in sorted(VIEWERS):
        headers = bearer(login)
        statuses = {client.get(path, headers=headers).status_code
                    for path in (f"/api/v1/cards/{card_id}", f"/api/v1/requisitions/{card_id}")}
        listed = {card_id in _ids(client, headers), card_id in _ids(client, headers, "?process=requisition")}
        seen[login] = (statuses, listed)
    assert seen == {login: ({status}, {status == 200}) for login, status in VIEWERS.items()}
