"""Contracts (contract approval): filing one, the card with its version history, new versions, actions, files."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from soglasie.errors import Conflict, DomainError, ValidationError
from soglasie.services import directory, documents, queries
from soglasie.services.cards import CardInput, create_card
from soglasie.services.common import Upload
from webapp.auth import require_login
from webapp.contracts.forms import NewContractForm, NewVersionForm
from webapp.requests import card_view
from webapp.requests.routes import inn_of, perform_card_action, send_attachment
from webapp.runtime import actor_id, core, locale, now
from webapp.ui import attach_error, card_url

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
bp.before_request(require_login)


def _upload(field) -> Upload | None:
    storage = field.data
    return Upload(storage.read(), storage.filename or "contract") if storage else None


@bp.get("")
def index():
    """The contracts: the list page switched to contracts."""
    return redirect(url_for("board.listing", kind="contract"))


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The new contract form; saving it stores version 1 of the document and starts the approvals."""
    form = NewContractForm()
    status = 200
    if form.validate_on_submit():
        try:
            created = create_card(core(), actor_id(), now(), "contract", CardInput(
                counterparty_inn=inn_of(form.counterparty_inn.data),
                subject=form.subject.data, amount=form.amount.data, valid_from=form.valid_from.data,
                valid_to=form.valid_to.data, document=_upload(form.document), comment=form.comment.data))
        except DomainError as error:
            attach_error(form, error, NewContractForm.CORE_FIELDS)
            status = error.http_status
        else:
            flash(_("Contract #%(id)d is filed and on its way to approval.", id=created.card_id), "success")
            for warning in created.warnings:
                flash(warning.get(locale()), "warning")
            return redirect(url_for(".card", card_id=created.card_id), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("contracts/new.html", form=form, max_bytes=core().settings.max_upload_bytes,
                           counterparties=directory.list_counterparties(core(), limit=50)), status


def _render_card(view: dict, version_form: NewVersionForm, status: int = 200):
    return render_template("contracts/card.html", now=now(), version_form=version_form,
                           **card_view.context(view, current_user.login)), status


@bp.get("/<id:card_id>")
def card(card_id: int):
    """The contract: fields, progress, tasks, the version history with downloads, the timeline, actions.

    A payment request's id leads to its own page (/requests/<id>).
    """
    view = queries.get_card(core(), actor_id(), card_id, now())
    if view["kind"] != "contract":
        return redirect(card_url(card_id, view["kind"]))
    return _render_card(view, NewVersionForm(formdata=None))


@bp.post("/<id:card_id>/versions")
def upload_version(card_id: int):
    """A new version of the document (initiator or finance); after an approval the approvals start over.

    Bad input comes back on the card next to the upload field, with nothing written; a contract
    signed or frozen meanwhile is a message above the card.
    """
    queries.require_card_kind(core(), actor_id(), card_id, "contract")
    form = NewVersionForm()
    try:
        result = documents.add_version(core(), actor_id(), card_id, _upload(form.document), now(),
                                       form.comment.data, process_id="contract")
    except ValidationError as error:
        attach_error(form, error, NewVersionForm.CORE_FIELDS)
        return _render_card(queries.get_card(core(), actor_id(), card_id, now()), form, error.http_status)
    except Conflict as error:  # signed or frozen meanwhile: said above the card, as for the other buttons
        flash(error.message(locale()), "error")
        return redirect(url_for(".card", card_id=card_id), code=303)
    flash(_("Version %(number)d is uploaded.", number=result["version"]), "success")
    if result["restarted"]:
        flash(_("The approvers approved another text, so the approvals start over from head approval."), "warning")
    return redirect(url_for(".card", card_id=card_id), code=303)


@bp.post("/<id:card_id>/<any(freeze, unfreeze, restart):action>")
def card_action(card_id: int, action: str):
    """Freeze, unfreeze or restart from the card's buttons."""
    messages = {"freeze": _("The contract is frozen."), "unfreeze": _("The contract is running again."),
                "restart": _("The contract is restarted: a new round of approvals begins.")}
    return perform_card_action(card_id, action, "contract", messages[action])


@bp.get("/<id:card_id>/files/<id:attachment_id>")
def download(card_id: int, attachment_id: int):
    """Any version of the document, or another file of the contract, as a download."""
    return send_attachment(card_id, attachment_id, "contract")
