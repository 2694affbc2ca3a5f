"""REST API /api/v1, the public interface: payment requests, tasks, inbox, directories.

Contracts are in `webapp.api.contract_routes`, on the same blueprint.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, url_for

from soglasie.errors import ValidationError, t
from soglasie.models import Task
from soglasie.services import actions, directory, queries, telegram_links
from soglasie.services.cards import CardInput, create_card
from soglasie.services.board import board_stages
from soglasie.services.queries import CardFilter
from webapp.api import parsing
from webapp.api.access import authenticate_api_call
from webapp.runtime import actor_id, core, locale, now

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate_api_call)

# POST /tasks/<id>/<action>: the path word → the service and the body field it takes.
TASK_ACTIONS = {
    "start": (actions.take_into_work, None),
    "approve": (actions.approve, "comment"),
    "reject": (actions.reject, "reason"),
    "request-documents": (actions.request_documents, "comment"),
}
CARD_ACTIONS = {"restart": actions.restart, "freeze": actions.freeze, "unfreeze": actions.unfreeze}


def card_response(card_id: int, status: int = 200, kind: str | None = "payment", **extra):
    """The card as JSON (404 when it is not of `kind`; any kind when `kind` is None), with `extra` keys."""
    view = queries.get_card(core(), actor_id(), card_id, now(), kind=kind)
    view.update(extra)
    return jsonify(view), status


def list_response(kind: str):
    """One page of the visible cards of `kind`, filtered (stage, mine, search, …) and sorted."""
    stage = parsing.query_text("stage")
    if stage and stage not in board_stages(core(), kind):
        raise ValidationError(t("Неизвестный этап.", "Unknown stage."), "stage")
    spec = CardFilter(kind=kind, stage=stage, mine=parsing.flag("mine"), search=parsing.query_text("search"),
                      department=parsing.query_text("department"),
                      counterparty_id=parsing.integer("counterparty_id", None),
                      cost_item=parsing.query_text("cost_item"), sort=parsing.query_text("sort") or "-created")
    page = parsing.integer("page", 1)
    per_page = parsing.integer("per_page", 50, high=queries.MAX_PER_PAGE)
    return jsonify(queries.list_cards(core(), actor_id(), spec, page, per_page))


def card_action_response(card_id: int, action: str, kind: str):
    """Restart, freeze or unfreeze a card of `kind` (404 for another kind, before anything changes)."""
    data = parsing.body()
    queries.require_card_kind(core(), actor_id(), card_id, kind)
    if action == "restart":
        actions.restart(core(), actor_id(), card_id, now())
    else:
        CARD_ACTIONS[action](core(), actor_id(), card_id, now(), parsing.text(data, "comment"))
    return card_response(card_id, kind=kind)


# --- payment requests -------------------------------------------------------------------------


@bp.post("/payment-requests")
def create_payment_request():
    """File a payment request (multipart with the invoice); 201 with the card."""
    data = parsing.body()
    created = create_card(core(), actor_id(), now(), "payment", CardInput(
        counterparty_inn=parsing.scalar(data, "counterparty_inn"),
        amount=parsing.scalar(data, "amount"), cost_item=parsing.scalar(data, "cost_item"),
        document=parsing.upload("invoice"), document_field="invoice", deadline=parsing.scalar(data, "deadline"),
        comment=parsing.text(data, "comment"), contract_id=parsing.scalar(data, "contract_id")))
    response, status = card_response(created.card_id, 201, warnings=[w.get(locale()) for w in created.warnings])
    response.headers["Location"] = url_for("api.get_payment_request", card_id=created.card_id)
    return response, status


@bp.get("/payment-requests/<id:card_id>")
def get_payment_request(card_id: int):
    """One card with its tasks, timeline and attachments (404 for a contract)."""
    return card_response(card_id)


@bp.get("/payment-requests")
def list_payment_requests():
    """Visible payment requests, filtered (stage, mine, search, …), sorted and paginated."""
    return list_response("payment")


@bp.post("/payment-requests/<id:card_id>/<any(restart, freeze, unfreeze):action>")
def card_action(card_id: int, action: str):
    """Restart a rejected request, freeze or unfreeze one; 200 with the card (404 for a contract)."""
    return card_action_response(card_id, action, "payment")


# --- tasks ------------------------------------------------------------------------------------


@bp.get("/tasks")
def list_tasks():
    """My open tasks, soonest deadline first (`mine=1`, the default, is the only scope)."""
    if not parsing.flag("mine", default=True):
        raise parsing.BadBody(t("Доступен только список своих задач (mine=1).",
                                "Only your own tasks can be listed (mine=1)."), "mine")
    items = queries.my_tasks(core(), actor_id(), now())
    return jsonify({"items": items, "total": len(items)})


@bp.post("/tasks/<id:task_id>/<any(start, approve, reject, \"request-documents\"):action>")
def task_action(task_id: int, action: str):
    """Take into work, approve, reject (`reason`), request documents (`comment`); 200 with the card (of any kind)."""
    service, field = TASK_ACTIONS[action]
    data = parsing.body()
    if field is None:
        outcome = service(core(), actor_id(), task_id, now())
    else:
        outcome = service(core(), actor_id(), task_id, now(), parsing.text(data, field))
    return card_response(outcome.card_id, kind=None)  # a payment request's or a contract's


@bp.post("/tasks/<id:task_id>/complete")
def complete_task(task_id: int):
    """Complete a task (`comment`; files under `file` are attached first, e.g. documents asked for)."""
    data = parsing.body()
    files = parsing.uploads("file")
    if files:
        outcome = actions.answer_documents(core(), actor_id(), task_id, now(), parsing.text(data, "comment"), files)
    else:
        outcome = actions.complete(core(), actor_id(), task_id, now(), parsing.text(data, "comment"))
    return card_response(outcome.card_id, kind=None)


@bp.post("/tasks/<id:task_id>/attachments")
def add_task_attachment(task_id: int):
    """Attach a file (multipart `file`) to one's open task; 201 with the attachment."""
    upload = parsing.upload("file")
    if upload is None:
        raise ValidationError(t("Приложите файл.", "Attach a file."), "file")
    attachment_id = actions.attach_file(core(), actor_id(), task_id, upload, now())
    card = _task_card(task_id)
    attachment = next(item for item in card["attachments"] if item["id"] == attachment_id)
    return jsonify(attachment), 201


def _task_card(task_id: int) -> dict:
    """The card the task belongs to, as the actor sees it."""
    with core().db.read() as session:
        card_id = session.get(Task, task_id).card_id
    return queries.get_card(core(), actor_id(), card_id, now())


# --- inbox, profile, directories ----------------------------------------------------------------


@bp.get("/notifications")
def notifications():
    """My notifications, newest first, with the unread count (`unread=1`, `limit`)."""
    return jsonify(queries.my_notifications(core(), actor_id(), parsing.integer("limit", 50, high=200),
                                            parsing.flag("unread")))


@bp.post("/me/telegram-link")
def telegram_link():
    """A one-time `https://t.me/<bot>?start=<token>` link (409 with a message when Telegram is off)."""
    return jsonify({"url": telegram_links.create_link(core(), actor_id(), now())})


@bp.get("/counterparties")
def counterparties():
    """Active counterparties, optionally matching `search` (name or INN prefix)."""
    return jsonify({"items": directory.list_counterparties(core(), parsing.query_text("search"),
                                                           parsing.integer("limit", 200, high=500))})


@bp.get("/cost-items")
def cost_items():
    """Active cost items."""
    return jsonify({"items": directory.list_cost_items(core())})
