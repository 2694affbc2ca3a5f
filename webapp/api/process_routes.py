"""REST API of the cards of every process in the rule files, from the registry alone.

Two forms serve the same view code: the generic one (`/processes`, `/processes/<id>/cards`,
`/cards`, `/cards/<id>`…) and each process's own path (`/<api_path>`, as its rule file declares),
which answers 404 for a card of another process. The process is looked up on every request,
so a process added to the rule files is served with no code.
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from werkzeug.exceptions import NotFound as NoRoute

from soglasie.rulebook.model import ProcessDefinition
from soglasie.services import documents, queries
from soglasie.services.cards import CardInput, create_card, find_process
from webapp.api import parsing
from webapp.api.catalog import process_json
from webapp.api.routes import bp, card_action_response, card_response, list_response
from webapp.runtime import actor_id, core, locale, now

# The card fields (the rule files' names) → the scalar inputs each one takes.
SCALAR_INPUTS = {"counterparty": ("counterparty_inn",), "amount": ("amount",), "cost_item": ("cost_item",),
                 "validity": ("valid_from", "valid_to"), "deadline": ("deadline",),
                 "invoice_number": ("invoice_number",), "invoice_date": ("invoice_date",)}
CARD_ACTION_PATH = "/<any(restart, freeze, unfreeze):action>"


def card_input(process: ProcessDefinition, data: dict) -> CardInput:
    """The request's fields as the process uses them, the main document in its own file field."""
    spec = process.card
    values = {"comment": parsing.text(data, "comment")}
    for name, inputs in SCALAR_INPUTS.items():
        if spec.uses(name):
            values.update({item: parsing.scalar(data, item) for item in inputs})
    if spec.uses("subject"):
        values["subject"] = parsing.text(data, "subject")
    if spec.contract_process is not None:
        values["contract_id"] = parsing.scalar(data, "contract_id")
    if spec.vat_rates:
        values.update(vat_rate=parsing.scalar(data, "vat_rate"), vat_amount=parsing.scalar(data, "vat_amount"))
    if spec.document is not None:
        values.update(document=parsing.upload(spec.document.field), document_field=spec.document.field)
    return CardInput(**values)


def _file(process: ProcessDefinition, endpoint: str, path: dict | None = None):
    """File a card of `process`; 201 with the card and its Location (`endpoint` with the `path` values and the id)."""
    data = parsing.body()
    created = create_card(core(), actor_id(), now(), process.id, card_input(process, data))
    response, status = card_response(created.card_id, 201, kind=process.id,
                                     warnings=[w.get(locale()) for w in created.warnings])
    response.headers["Location"] = url_for(endpoint, card_id=created.card_id, **(path or {}))
    return response, status


def _add_version(process: ProcessDefinition, card_id: int, endpoint: str, path: dict | None = None):
    """A new version of the card's versioned document (`comment`?); 201 with the card, `version`, `restarted`.

    A version uploaded after an approval sends the card back to the start of its approvals.
    """
    data = parsing.body()
    comment = parsing.text(data, "comment")
    queries.require_card_kind(core(), actor_id(), card_id, process.id)  # 404 for another process, first
    field = process.card.document.field if process.card.document else "document"
    result = documents.add_version(core(), actor_id(), card_id, parsing.upload(field), now(), comment,
                                   process_id=process.id)
    response, status = card_response(card_id, 201, kind=process.id, version=result["version"],
                                     restarted=result["restarted"])
    response.headers["Location"] = url_for(endpoint, card_id=card_id, **(path or {}))
    return response, status


# --- the generic form: /processes, /cards -------------------------------------------------------


@bp.get("/processes")
def processes():
    """Every process in the rule files: titles, nouns, stages, card fields, paths, card actions."""
    return jsonify({"items": [process_json(process) for process in core().rulebook.processes.values()]})


@bp.post("/processes/<process>/cards")
def file_card(process: str):
    """File a card of the process (multipart with its fields and its document); 404 naming `process`."""
    return _file(find_process(core().rulebook, process, "process"), "api.card")


@bp.get("/cards")
def cards():
    """Visible cards of `process` (of every process without it), filtered, sorted and paginated."""
    return list_response(parsing.query_text("process"), "process")


@bp.get("/cards/<id:card_id>")
def card(card_id: int):
    """The card of any process with its tasks, timeline and attachments."""
    return card_response(card_id)


@bp.post("/cards/<id:card_id>" + CARD_ACTION_PATH)
def card_action(card_id: int, action: str):
    """Restart a rejected card, freeze or unfreeze one, of any process; 200 with the card."""
    return card_action_response(card_id, action, None)


@bp.post("/cards/<id:card_id>/versions")
def card_version(card_id: int):
    """A new version of the card's document, for a process whose document is versioned (422 otherwise)."""
    process = core().rulebook.process(queries.require_card_kind(core(), actor_id(), card_id, None))
    return _add_version(process, card_id, "api.card")


# --- each process's own path: /<api_path> ---------------------------------------------------------


@bp.route("/<api_path:process>", methods=["GET", "POST"])
def process_cards(process: ProcessDefinition):
    """GET: the visible cards of the process, filtered and paginated; POST: file one (201 with the card).

    One rule for both methods: an unknown path is then a 404, not a 405 for the other method.
    """
    if request.method == "POST":
        return _file(process, "api.process_card", {"process": process})
    return list_response(process.id)


@bp.get("/<api_path:process>/<id:card_id>")
def process_card(process: ProcessDefinition, card_id: int):
    """One card of the process with its tasks, timeline and attachments (404 for another process's card)."""
    return card_response(card_id, kind=process.id)


@bp.post("/<api_path:process>/<id:card_id>" + CARD_ACTION_PATH)
def process_card_action(process: ProcessDefinition, card_id: int, action: str):
    """Restart, freeze or unfreeze a card of the process; 200 with the card (404 for another process's card)."""
    return card_action_response(card_id, action, process.id)


@bp.post("/<api_path:process>/<id:card_id>/versions")
def process_card_version(process: ProcessDefinition, card_id: int):
    """A new version of the card's document; the path exists only for a process whose document is versioned."""
    if process.card.document is None or not process.card.document.versioned:
        raise NoRoute()
    return _add_version(process, card_id, "api.process_card", {"process": process})
