"""REST API /api/v1, the public interface: the blueprint, its card helpers, tasks, inbox, directories.

The cards of every process are in `webapp.api.process_routes`, on the same blueprint.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from soglasie.errors import NotFound, ValidationError
from soglasie.models import Task
from soglasie.services import actions, directory, queries, telegram_links
from soglasie.services.board import board_stages
from soglasie.services.cards import find_process
from soglasie.services.queries import CardFilter
from webapp.api import parsing
from webapp.api.access import authenticate_api_call
from webapp.api.paths import register_converter
from webapp.runtime import actor_id, core, locale, now

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.record_once(register_converter)  # first: the process routes' rules need the converter when they are added
bp.before_request(authenticate_api_call)

# POST /tasks/<id>/<action>: the path word → the service and the body field it takes.
TASK_ACTIONS = {
    "start": (actions.take_into_work, None),
    "approve": (actions.approve, "comment"),
    "reject": (actions.reject, "reason"),
    "request-documents": (actions.request_documents, "comment"),
}
CARD_ACTIONS = {"restart": actions.restart, "freeze": actions.freeze, "unfreeze": actions.unfreeze}


def card_response(card_id: int, status: int = 200, kind: str | None = None, **extra):
    """The card as JSON (404 when it is not of process `kind`; any process when None), with `extra` keys."""
    view = queries.get_card(core(), actor_id(), card_id, now(), kind=kind)
    view.update(extra)
    return jsonify(view), status


def list_response(kind: str | None, field: str = "process"):
    """One page of the visible cards of process `kind` (every process when None), filtered and sorted."""
    stages = _known_stages(kind, field)
    stage = parsing.query_text("stage")
    if stage and stage not in stages:
        raise ValidationError(_("Unknown stage."), "stage")
    spec = CardFilter(kind=kind, stage=stage, mine=parsing.flag("mine"), search=parsing.query_text("search"),
                      department=parsing.query_text("department"),
                      counterparty_id=parsing.integer("counterparty_id", None),
                      cost_item=parsing.query_text("cost_item"), sort=parsing.query_text("sort") or "-created")
    page = parsing.integer("page", 1)
    per_page = parsing.integer("per_page", 50, high=queries.MAX_PER_PAGE)
    return jsonify(queries.list_cards(core(), actor_id(), spec, page, per_page))


def _known_stages(kind: str | None, field: str) -> set[str]:
    """The stages of the process (of any process when None); a filter naming no process is 422 naming `field`."""
    rulebook = core().rulebook
    if kind is not None:
        try:
            find_process(rulebook, kind, field)
        except NotFound as error:  # bad input to a list, not a missing card
            raise ValidationError(error.text, field) from None
    return {stage for process in rulebook.processes.values() if kind in (None, process.id)
            for stage in board_stages(core(), process.id)}


def card_action_response(card_id: int, action: str, kind: str | None):
    """Restart, freeze or unfreeze a card of process `kind` (any when None); 404 first for another process."""
    data = parsing.body()
    queries.require_card_kind(core(), actor_id(), card_id, kind)
    if action == "restart":
        actions.restart(core(), actor_id(), card_id, now())
    else:
        CARD_ACTIONS[action](core(), actor_id(), card_id, now(), parsing.text(data, "comment"))
    return card_response(card_id, kind=kind)


# --- tasks ------------------------------------------------------------------------------------


@bp.get("/tasks")
def list_tasks():
    """My open tasks, soonest deadline first (`mine=1`, the default, is the only scope)."""
    if not parsing.flag("mine", default=True):
        raise parsing.BadBody(_("Only your own tasks can be listed (mine=1)."), "mine")
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
    # The card of any process; a budget `warn` on an approval adds `warnings` (docs/api.md, "Budgets").
    warnings = {"warnings": [w.get(locale()) for w in outcome.warnings]} if outcome.warnings else {}
    return card_response(outcome.card_id, **warnings)


@bp.post("/tasks/<id:task_id>/complete")
def complete_task(task_id: int):
    """Complete a task (`comment`; files under `file` are attached first, e.g. documents asked for)."""
    data = parsing.body()
    files = parsing.uploads("file")
    if files:
        outcome = actions.answer_documents(core(), actor_id(), task_id, now(), parsing.text(data, "comment"), files)
    else:
        outcome = actions.complete(core(), actor_id(), task_id, now(), parsing.text(data, "comment"))
    return card_response(outcome.card_id)


@bp.post("/tasks/<id:task_id>/attachments")
def add_task_attachment(task_id: int):
    """Attach a file (multipart `file`) to one's open task; 201 with the attachment."""
    upload = parsing.upload("file")
    if upload is None:
        raise ValidationError(_("Attach a file."), "file")
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
