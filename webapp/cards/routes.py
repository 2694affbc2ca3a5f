"""The card pages of every process, under its portal path: /<path>/new, /<path>/<id>, actions, files.

The rule files name the path (`portal: {path: requests}`); nothing here knows a process.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from soglasie.errors import Conflict, DomainError, ValidationError
from soglasie.rulebook.model import ProcessDefinition
from soglasie.services import actions, directory, documents, queries
from soglasie.services.common import Upload
from soglasie.validation import clean_bank_details, clean_inn, clean_kpp
from webapp import processes, wording
from webapp.auth import require_login
from webapp.cards import filing, view
from webapp.cards.forms import CORE_FIELDS, NewVersionForm, new_card_form
from webapp.cards.paths import PortalPathConverter
from webapp.runtime import actor_id, core, locale, now
from webapp.ui import attach_error, back_to, card_url, file_url, perform

bp = Blueprint("cards", __name__)
bp.record_once(lambda state: state.app.url_map.converters.setdefault("portal", PortalPathConverter))
bp.before_request(require_login)
bp.add_app_template_global(wording.worded, "worded")
bp.add_app_template_global(wording.noun_values, "noun_values")
bp.add_app_template_global(processes.ordered, "processes")
bp.add_app_template_global(processes.process_of, "process_of")
bp.add_app_template_global(processes.kind_arg, "kind_arg")


@bp.get("/<portal:process>")
def index(process: ProcessDefinition):
    """The process's cards: the list page switched to them."""
    return redirect(url_for("board.listing", kind=processes.kind_arg(process) or None))


@bp.route("/<portal:process>/new", methods=["GET", "POST"])
def new(process: ProcessDefinition):
    """The new-card form with the fields of the process's `card:`; saving it starts the process."""
    form = new_card_form(process)
    filing.prepare(form, process)
    status = 200
    if form.validate_on_submit():
        try:
            created = filing.file_card(form, process)
        except DomainError as error:
            attach_error(form, error, CORE_FIELDS)
            status = error.http_status
        else:
            flash(wording.worded("filed", process, id=created.card_id), "success")
            for warning in created.warnings:
                flash(warning.get(locale()), "warning")
            return redirect(url_for(".card", process=process, card_id=created.card_id), code=303)
    elif request.method == "POST":
        status = 422
    counterparties = directory.list_counterparties(core(), limit=50) if hasattr(form, "counterparty_inn") else []
    return render_template("cards/new.html", form=form, process=process, counterparties=counterparties,
                           max_bytes=core().settings.max_upload_bytes), status


def _render_card(card: dict, version_form: NewVersionForm, status: int = 200):
    return render_template("cards/card.html", now=now(), version_form=version_form,
                           **view.context(card, current_user.login)), status


@bp.get("/<portal:process>/<id:card_id>")
def card(process: ProcessDefinition, card_id: int):
    """The card: its fields, progress, document versions, tasks, files, the timeline and actions.

    A card of another process leads to its own path (that path's process is the card's: no loop).
    """
    found = queries.get_card(core(), actor_id(), card_id, now())
    if found["kind"] != process.id:
        return redirect(card_url(card_id, found["kind"]))
    return _render_card(found, NewVersionForm(formdata=None))


@bp.post("/<portal:process>/<id:card_id>/versions")
def upload_version(process: ProcessDefinition, card_id: int):
    """A new version of the document; after an approval the approvals start over.

    Bad input comes back on the card next to the upload field, with nothing written; a card
    finished or frozen meanwhile is a message above the card.
    """
    document = process.card.document
    if document is None or not document.versioned:
        abort(404)
    queries.require_card_kind(core(), actor_id(), card_id, process.id)
    form = NewVersionForm()
    storage = form.document.data
    upload = Upload(storage.read(), storage.filename or document.field) if storage else None
    back = url_for(".card", process=process, card_id=card_id)
    try:
        result = documents.add_version(core(), actor_id(), card_id, upload, now(), form.comment.data,
                                       process_id=process.id)
    except ValidationError as error:
        attach_error(form, error)
        return _render_card(queries.get_card(core(), actor_id(), card_id, now()), form, error.http_status)
    except Conflict as error:  # finished or frozen meanwhile: said above the card, as for the other buttons
        flash(error.message(locale()), "error")
        return redirect(back, code=303)
    flash(_("Version %(number)d is uploaded.", number=result["version"]), "success")
    if result["restarted"]:
        first = process.stage(process.default_route[0]).title.get(locale())
        flash(_("The approvers approved another text, so the approvals start over from “%(stage)s”.",
                stage=first), "warning")
    return redirect(back, code=303)


@bp.post("/<portal:process>/<id:card_id>/<any(freeze, unfreeze, restart):action>")
def card_action(process: ProcessDefinition, card_id: int, action: str):
    """Freeze, unfreeze or restart from the card's buttons (404 for a card of another process)."""
    queries.require_card_kind(core(), actor_id(), card_id, process.id)
    comment = (request.form.get("comment") or "")[:5000] or None
    calls = {
        "freeze": lambda: actions.freeze(core(), actor_id(), card_id, now(), comment),
        "unfreeze": lambda: actions.unfreeze(core(), actor_id(), card_id, now(), comment),
        "restart": lambda: actions.restart(core(), actor_id(), card_id, now()),
    }
    success = wording.worded({"freeze": "frozen", "unfreeze": "unfrozen", "restart": "restarted"}[action], process)
    return perform(calls[action], success, back_to(url_for(".card", process=process, card_id=card_id)))


@bp.get("/<portal:process>/<id:card_id>/files/<id:attachment_id>")
def download(process: ProcessDefinition, card_id: int, attachment_id: int):
    """A card's attachment, always as a download with its stored type; under another process's path, a redirect."""
    found_card = queries.get_card(core(), actor_id(), card_id, now())
    if found_card["kind"] != process.id:
        return redirect(file_url(card_id, found_card["kind"], attachment_id))
    found = next((item for item in found_card["attachments"] if item["id"] == attachment_id), None)
    if found is None:
        abort(404)
    response = send_file(core().store.path_of(found["sha256"]), mimetype=found["content_type"],
                         as_attachment=True, download_name=found["name"], max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<portal:process>/check-counterparty")
def check_counterparty(process: ProcessDefinition):
    """As-you-type validation of a new counterparty's INN, KPP, BIK and account (the core's rules).

    The directory is shared by every process, so any portal path answers (the admin's forms use it too).
    """
    args = {name: (request.args.get(name) or "")[:40] for name in ("inn", "kpp", "bik", "account")}
    errors: dict[str, str | None] = {}
    for name, check in (("inn", lambda: clean_inn(args["inn"])), ("kpp", lambda: clean_kpp(args["kpp"])),
                        ("bank", lambda: clean_bank_details(args["bik"], args["account"]))):
        try:
            check()
        except ValidationError as error:
            errors[error.field or name] = error.message(locale())
    existing = None
    if "inn" not in errors:
        existing = next((item for item in directory.list_counterparties(core(), args["inn"], limit=5)
                         if item["inn"] == args["inn"].strip()), None)
    return jsonify({"errors": errors, "existing": existing})
