"""The rule-chosen paying account on the surfaces: the API card (as its OpenAPI schema says), the export, the portal."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from tests import exchange_reader
from tests.test_bank import at_payment
from tests.webapp.conftest import pdf_file
from tests.test_paying_account import DEFAULT, SECOND, requisites_without_the_second_account

CARDS_SCHEMA = Path(__file__).resolve().parents[2] / "webapp" / "api" / "openapi" / "cards.yaml"


def _card_schema_of(key: str) -> dict:
    """The documented schema of one key of the card JSON, found wherever the fragment declares it."""
    def walk(node):
        if isinstance(node, dict) and key in node.get("properties", {}):
            return node["properties"][key]
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        return next((found for child in children if (found := walk(child)) is not None), None)
    return walk(yaml.safe_load(CARDS_SCHEMA.read_text(encoding="utf-8")))


def test_the_api_card_names_the_account_as_documented_and_the_export_uses_it(client, bearer, core, users, invoice):
    chosen, default = (at_payment(core, users, invoice, cost_item="LOGISTICS"), at_payment(core, users, invoice))
    schema = _card_schema_of("paying_account")
    for card_id, account in ((chosen, SECOND), (default, DEFAULT)):
        card = client.get(f"/api/v1/payment-requests/{card_id}", headers=bearer("chief")).json
        jsonschema.validate(card["paying_account"], schema)
        assert card["paying_account"]["account"] == account and set(card["paying_account"]) == set(
            schema["properties"])
    mixed = client.post("/api/v1/payment-orders/export", json={"ids": [chosen, default]}, headers=bearer("chief"))
    assert mixed.status_code == 422 and mixed.json["field"] == "ids"
    alone = client.post("/api/v1/payment-orders/export", json={"ids": [chosen]}, headers=bearer("chief"))
    fields = exchange_reader.read(alone.data).documents[0][1]
    assert fields["ПлательщикСчет"] == SECOND


def test_filing_against_a_removed_account_is_refused_with_its_code(client, bearer, core, users):
    requisites_without_the_second_account(core, users)
    fields = {"counterparty_inn": "7701526010", "amount": "5000.00", "invoice_number": "СЧ-1",
              "invoice_date": "2026-11-30", "vat_rate": "22"}
    refused = client.post("/api/v1/payment-requests", headers=bearer("memployee"), content_type="multipart/form-data",
                          data={**fields, "cost_item": "LOGISTICS", "invoice": pdf_file()})
    assert refused.status_code == 409 and refused.json["code"] == "unknown_paying_account"
    filed = client.post("/api/v1/payment-requests", headers=bearer("memployee"), content_type="multipart/form-data",
                        data={**fields, "cost_item": "PACK", "invoice": pdf_file()})
    assert filed.status_code == 201, filed.json


def test_the_portal_card_shows_the_paying_account(auth, core, users, invoice):
    card_id = at_payment(core, users, invoice, cost_item="LOGISTICS")
    auth.login("chief")
    page = auth.client.get(f"/requests/{card_id}").get_data(as_text=True)
    assert f'data-testid="paying-account">{SECOND}<' in page and "Счёт списания" in page
