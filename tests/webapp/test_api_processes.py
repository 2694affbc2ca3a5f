"""REST API from the registry: the processes listing, routing by a process's own path, 404/422/413 naming the field."""

from __future__ import annotations

import dataclasses
import io

import pytest
from flask import request

from tests.helpers import file_contract
from tests.support.files import pdf_bytes

REQUISITION = {
    "id": "requisition",
    "title": {"ru": "Заявки на закупку", "en": "Purchase requisitions"},
    "nouns": {
        "ru": {"one": "заявка на закупку", "many": "заявки на закупку", "short": "закупка", "short_many": "закупки",
               "accusative": "заявку на закупку", "genitive": "заявки на закупку", "gender": "feminine",
               "short_accusative": "закупку", "short_genitive": "закупки", "short_dative": "закупке"},
        "en": {"one": "purchase requisition", "many": "purchase requisitions", "short": "requisition",
               "short_many": "requisitions", "accusative": "purchase requisition",
               "genitive": "purchase requisition", "gender": "masculine",  # English has no cases: the loader's default
               "short_accusative": "requisition", "short_genitive": "requisition", "short_dative": "requisition"},
    },
    "stages": [
        {"id": "manager_review", "title": {"ru": "Решение руководителя", "en": "Manager's decision"},
         "optional": False, "flags": []},
        {"id": "procurement", "title": {"ru": "Закупка", "en": "Procurement"}, "optional": False, "flags": []},
        {"id": "purchased", "title": {"ru": "Закуплено", "en": "Purchased"}, "optional": False, "flags": []},
    ],
    "terminal": "purchased",
    "side_stages": ["rejected", "frozen", "documents_requested"],
    "fields": {"counterparty": "absent", "amount": "required", "cost_item": "optional", "subject": "required",
               "validity": "absent", "deadline": "absent", "invoice_number": "absent", "invoice_date": "absent",
               "vat_rates": [], "contract": None,
               "document": {"purpose": "specification", "field": "document", "versioned": False, "required": False,
                            "title": {"ru": "Спецификация", "en": "Specification"}}},
    "portal_path": "requisitions",
    "api_path": "requisitions",
    "card_actions": {"freeze": ["ops_manager"], "unfreeze": ["ops_manager"], "restart": ["initiator"]},
}
# Fixed routes: each must keep its own view whatever path a rule file declares.
STATIC = [("GET", "/api/v1/tasks", "api.list_tasks"), ("GET", "/api/v1/notifications", "api.notifications"),
          ("GET", "/api/v1/counterparties", "api.counterparties"), ("GET", "/api/v1/cost-items", "api.cost_items"),
          ("POST", "/api/v1/me/telegram-link", "api.telegram_link"), ("GET", "/api/v1/processes", "api.processes"),
          ("GET", "/api/v1/cards", "api.cards"), ("GET", "/api/v1/cards/7", "api.card"),
          ("POST", "/api/v1/cards/7/freeze", "api.card_action"), ("POST", "/api/v1/tasks/7/approve", "api.task_action"),
          ("POST", "/api/v1/processes/requisition/cards", "api.file_card")]
PROCESS_PATHS = [("POST", "/api/v1/tasks", "api.process_cards"),
                 ("GET", "/api/v1/tasks/7", "api.process_card"), ("POST", "/api/v1/tasks/7/freeze",
                                                                  "api.process_card_action")]


@pytest.fixture
def database_url(sqlite_database):
    """Routing and the catalog are the web layer's own: one backend is enough."""
    return sqlite_database


@pytest.fixture
def rules_with(core, monkeypatch):
    """A function: replace one process's definition in the rules in force (as a live reload would)."""
    def change(process_id: str, **changes):
        rulebook = core.rulebook
        processes = {**rulebook.processes, process_id: dataclasses.replace(rulebook.process(process_id), **changes)}
        monkeypatch.setattr(core.rules, "current", lambda *args: dataclasses.replace(rulebook, processes=processes))
    return change


def test_the_listing_describes_every_process_in_the_rule_files(client, bearer):
    response = client.get("/api/v1/processes", headers=bearer("pemployee"))
    assert response.status_code == 200
    listed = {item["id"]: item for item in response.json["items"]}
    assert set(listed) == {"payment", "contract", "requisition"}
    assert listed["requisition"] == REQUISITION
    payment = listed["payment"]
    assert (payment["api_path"], payment["portal_path"], payment["terminal"]) == ("payment-requests", "requests",
                                                                                   "paid")
    assert payment["fields"]["document"]["field"] == "invoice" and payment["fields"]["contract"] == "contract"
    assert [stage["id"] for stage in payment["stages"]][-1] == "paid"
    assert "payment_details" in next(s["flags"] for s in payment["stages"] if s["id"] == "payment")
    contract = listed["contract"]
    assert contract["fields"]["document"]["versioned"] is True and contract["fields"]["validity"] == "required"
    assert contract["nouns"]["ru"]["gender"] == "masculine"


def test_the_listing_needs_credentials(client):
    response = client.get("/api/v1/processes")
    assert response.status_code == 401 and set(response.json) == {"error", "field", "code"}


def _endpoint(app, method: str, path: str) -> str | None:
    with app.test_request_context(path, method=method):
        return request.url_rule.endpoint if request.url_rule is not None else None


def test_fixed_routes_win_over_a_process_path(app, rules_with):
    rules_with("requisition", api_path="tasks")  # a rule file may not shadow a fixed route…
    assert [_endpoint(app, method, path) for method, path, _ in STATIC] == [endpoint for *_, endpoint in STATIC]
    # … and gets only what no fixed route answers
    assert [_endpoint(app, method, path) for method, path, _ in PROCESS_PATHS] == [e for *_, e in PROCESS_PATHS]


NO_ROUTE = [("GET", "/api/v1/no-such-thing", 404), ("POST", "/api/v1/no-such-thing", 404),
            ("GET", "/api/v1/no-such-thing/5", 404), ("POST", "/api/v1/no-such-thing/5/freeze", 404),
            ("POST", "/api/v1/cost-items", 405), ("POST", "/api/v1/tasks", 405),
            ("GET", "/api/v1/tasks/5/approve", 405),
            ("POST", "/api/v1/payment-requests/5/versions", 404), ("POST", "/api/v1/requisitions/5/versions", 404),
            ("POST", "/api/v1/requisitions/5/approve", 404), ("GET", "/api/v1/processes/requisition/cards", 405)]


@pytest.mark.parametrize(("method", "path", "status"), NO_ROUTE)
def test_unknown_paths_keep_their_404_and_405(client, bearer, method, path, status):
    response = client.open(path, method=method, json={}, headers=bearer("ops"))
    assert response.status_code == status and response.is_json


def test_a_process_path_is_read_from_the_rules_in_force(client, bearer, rules_with):
    headers = bearer("memployee")
    assert client.get("/api/v1/requisitions", headers=headers).status_code == 200
    rules_with("requisition", api_path="purchases")
    assert client.get("/api/v1/requisitions", headers=headers).status_code == 404
    filed = client.post("/api/v1/purchases", data={"subject": "Стулья", "amount": "9000"}, headers=headers)
    assert filed.status_code == 201, filed.json
    assert filed.headers["Location"].endswith(f"/api/v1/purchases/{filed.json['id']}")
    assert client.get(filed.headers["Location"], headers=headers).json["kind"] == "requisition"


REFUSED = [  # (method, path, body, status, field)
    ("POST", "/api/v1/processes/nope/cards", {"subject": "x", "amount": "5"}, 404, "process"),
    ("POST", "/api/v1/processes/requisition/cards", {"amount": "5"}, 422, "subject"),
    ("POST", "/api/v1/processes/requisition/cards", {"subject": "Стулья", "amount": "-5"}, 422, "amount"),
    ("POST", "/api/v1/processes/requisition/cards", {"subject": "Стулья", "amount": "5", "cost_item": "NOPE"}, 422,
     "cost_item"),
    ("POST", "/api/v1/processes/requisition/cards", {"subject": "x" * 501, "amount": "5"}, 422, "subject"),
    ("POST", "/api/v1/requisitions", {"amount": "5"}, 422, "subject"),
    ("POST", "/api/v1/processes/contract/cards", {"subject": "x", "amount": "5", "valid_from": "2026-11-01",
                                                   "valid_to": "2026-12-01"}, 422, "document"),
    ("POST", "/api/v1/processes/payment/cards", {"counterparty_inn": "7701526010", "amount": "5",
                                                  "cost_item": "PACK"}, 422, "invoice"),
    ("GET", "/api/v1/cards?process=nope", None, 422, "process"),
    ("GET", "/api/v1/cards?process=requisition&stage=head_approval", None, 422, "stage"),
    ("GET", "/api/v1/requisitions?stage=paid", None, 422, "stage"),
    ("GET", "/api/v1/cards?stage=nowhere", None, 422, "stage"),
    ("GET", "/api/v1/cards?sort=evil", None, 422, "sort"),
    ("GET", "/api/v1/cards?per_page=1000", None, 400, "per_page"),
    ("GET", "/api/v1/cards/99999", None, 404, None),
    ("POST", "/api/v1/cards/99999/freeze", {}, 404, None),
    ("POST", "/api/v1/cards/99999/versions", {}, 404, None),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), REFUSED)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(client, bearer, method, path, body, status,
                                                                      field):
    headers = bearer("memployee")
    response = client.open(path, method=method, data=body, headers=headers)
    assert (response.status_code, response.json["field"]) == (status, field), response.json
    assert response.json["error"]
    assert client.get("/api/v1/cards", headers=headers).json["total"] == 0


SIZE_FIELDS = [("/api/v1/processes/requisition/cards", "document"), ("/api/v1/requisitions", "document"),
               ("/api/v1/processes/payment/cards", "invoice"), ("/api/v1/payment-requests", "invoice"),
               ("/api/v1/processes/contract/cards", "document")]


@pytest.mark.parametrize(("path", "field"), SIZE_FIELDS)
def test_a_body_over_the_size_limit_names_the_process_document_field(app, client, bearer, path, field):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    big = {field: (io.BytesIO(pdf_bytes() + b"%" * 8192), "big.pdf"), "subject": "Стулья", "amount": "5"}
    response = client.post(path, data=big, headers=bearer("memployee"), content_type="multipart/form-data")
    assert (response.status_code, response.json["field"]) == (413, field)


def test_a_version_over_the_size_limit_names_the_cards_document_field(app, client, core, users, bearer):
    card_id = file_contract(core, users)
    app.config["MAX_CONTENT_LENGTH"] = 4096
    big = {"document": (io.BytesIO(pdf_bytes() + b"%" * 8192), "big.pdf")}
    response = client.post(f"/api/v1/cards/{card_id}/versions", data=big, headers=bearer("memployee"),
                           content_type="multipart/form-data")
    assert (response.status_code, response.json["field"]) == (413, "document")
