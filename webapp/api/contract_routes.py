"""REST API /api/v1/contracts (the public interface): filing, reading, listing, versions, process actions.

A contract is a card like a payment request, plus `subject`, `valid_from`, `valid_to`,
`versions` and `balance`; `/contracts/<id>` answers 404 for a payment request's id, as
`/payment-requests/<id>` does for a contract's.
"""

from __future__ import annotations

from flask import url_for

from soglasie.services import documents, queries
from soglasie.services.cards import CardInput, create_card
from webapp.api import parsing
from webapp.api.routes import bp, card_action_response, card_response, list_response
from webapp.runtime import actor_id, core, locale, now


@bp.post("/contracts")
def create_contract():
    """File a contract (multipart with the `document`); 201 with the contract card."""
    data = parsing.body()
    created = create_card(core(), actor_id(), now(), "contract", CardInput(
        counterparty_inn=parsing.scalar(data, "counterparty_inn"),
        subject=parsing.text(data, "subject"), amount=parsing.scalar(data, "amount"),
        valid_from=parsing.scalar(data, "valid_from"), valid_to=parsing.scalar(data, "valid_to"),
        document=parsing.upload("document"), comment=parsing.text(data, "comment")))
    response, status = card_response(created.card_id, 201, kind="contract",
                                     warnings=[w.get(locale()) for w in created.warnings])
    response.headers["Location"] = url_for("api.get_contract", card_id=created.card_id)
    return response, status


@bp.get("/contracts/<id:card_id>")
def get_contract(card_id: int):
    """One contract with its versions, balance, tasks, timeline and attachments (404 for a payment request)."""
    return card_response(card_id, kind="contract")


@bp.get("/contracts")
def list_contracts():
    """Visible contracts, filtered (stage, mine, search, …), sorted and paginated."""
    return list_response("contract")


@bp.post("/contracts/<id:card_id>/versions")
def add_contract_version(card_id: int):
    """A new version of the document (file `document`, `comment`?); 201 with the contract card.

    The answer also says which `version` it became and whether the approvals `restarted`
    (a version uploaded after an approval sends the contract back to head approval).
    """
    data = parsing.body()
    comment = parsing.text(data, "comment")
    queries.require_card_kind(core(), actor_id(), card_id, "contract")  # 404 for a payment request, first
    result = documents.add_version(core(), actor_id(), card_id, parsing.upload("document"), now(), comment,
                                   process_id="contract")
    response, status = card_response(card_id, 201, kind="contract", version=result["version"],
                                     restarted=result["restarted"])
    response.headers["Location"] = url_for("api.get_contract", card_id=card_id)
    return response, status


@bp.post("/contracts/<id:card_id>/<any(restart, freeze, unfreeze):action>")
def contract_action(card_id: int, action: str):
    """Restart a rejected contract, freeze or unfreeze one; 200 with the contract card."""
    return card_action_response(card_id, action, "contract")
