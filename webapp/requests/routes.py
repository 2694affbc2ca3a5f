"""Payment requests: filing one, the card with its actions, attachment downloads, live validation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from soglasie.errors import DomainError, ValidationError
from soglasie.services import actions, contract_links, directory, queries
from soglasie.services.cards import CardInput, create_card
from soglasie.services.common import Upload
from soglasie.validation import clean_bank_details, clean_inn, clean_kpp
from webapp.auth import require_login
from webapp.i18n import money
from webapp.requests import card_view
from webapp.requests.forms import NewRequestForm
from webapp.runtime import actor_id, core, locale, now
from webapp.ui import attach_error, back_to, card_url, choices, file_url, perform

bp = Blueprint("requests", __name__, url_prefix="/requests")
bp.before_request(require_login)


def _cost_item_choices() -> list[tuple[str, str]]:
    return choices([("", _("Choose a cost item…"))] + [
        (item["code"], f"{item['name']} · {item['code']}") for item in directory.list_cost_items(core())])


def _contract_choices(form: NewRequestForm):
    """Signed contracts valid today the user may pay against, each with what is left of it.

    With a counterparty chosen, only its contracts; app.js narrows the list as the user picks
    one and warns when the amount exceeds the remainder (the rules decide when filing).
    """
    chosen = inn_of(form.counterparty_inn.data) if not form.new_counterparty.data else None
    payable = contract_links.payable_contracts(core(), actor_id(), now(), payer="payment")
    if chosen and chosen.isdigit():
        payable = [item for item in payable if item["counterparty"]["inn"] == chosen]
    options = [(item["id"], _("№%(id)d · %(subject)s · %(counterparty)s · %(remaining)s left", id=item["id"],
                              subject=item["subject"], counterparty=item["counterparty"]["name"],
                              remaining=money(item["remaining"])),
                {"data-inn": item["counterparty"]["inn"], "data-remaining": item["remaining"],
                 "data-remaining-text": money(item["remaining"])})
               for item in payable]
    return [SelectChoice("", _("— without a contract —"))] + [
        SelectChoice(str(value), label, render_kw=attributes) for value, label, attributes in options]


def _prefill(form: NewRequestForm) -> None:
    """`?contract=N` (the contract card's "Pay against it" link): that contract and its counterparty."""
    wanted = request.args.get("contract", "")
    found = next((item for item in contract_links.payable_contracts(core(), actor_id(), now(), payer="payment")
                  if str(item["id"]) == wanted), None)
    if found is not None:
        form.contract_id.data = str(found["id"])
        form.counterparty_inn.data = found["counterparty"]["inn"]


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The new payment request form; saving it starts the process."""
    form = NewRequestForm()
    if request.method == "GET":
        _prefill(form)
    form.cost_item.choices = _cost_item_choices()
    form.contract_id.choices = _contract_choices(form)
    status = 200
    if form.validate_on_submit():
        try:
            created = _file(form)
        except DomainError as error:
            attach_error(form, error, NewRequestForm.CORE_FIELDS)
            status = error.http_status
        else:
            flash(_("Request #%(id)d is filed and on its way.", id=created.card_id), "success")
            for warning in created.warnings:
                flash(warning.get(locale()), "warning")
            return redirect(url_for(".card", card_id=created.card_id), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("requests/new.html", form=form, max_bytes=core().settings.max_upload_bytes,
                           counterparties=directory.list_counterparties(core(), limit=50)), status


def _file(form: NewRequestForm):
    """File the request; a new counterparty is added with it in the same transaction."""
    storage = form.invoice.data
    upload = Upload(storage.read(), storage.filename or "invoice") if storage else None
    new_counterparty = None
    if form.new_counterparty.data:
        new_counterparty = {"name": form.new_name.data, "inn": form.new_inn.data, "kpp": form.new_kpp.data,
                            "bik": form.new_bik.data, "account": form.new_account.data}
    return create_card(core(), actor_id(), now(), "payment", CardInput(
        counterparty_inn=inn_of(form.counterparty_inn.data), amount=form.amount.data,
        cost_item=form.cost_item.data, document=upload, document_field="invoice", deadline=form.deadline.data or None,
        comment=form.comment.data, contract_id=form.contract_id.data or None, new_counterparty=new_counterparty))


def inn_of(picked: str | None) -> str | None:
    """The picker's value: an INN, or a name typed in full that names exactly one counterparty."""
    value = (picked or "").strip()
    if not value or value.replace(" ", "").isdigit():
        return value
    found = directory.list_counterparties(core(), value, limit=20)
    exact = [item for item in found if item["name"].casefold() == value.casefold()]
    chosen = exact if exact else found
    return chosen[0]["inn"] if len(chosen) == 1 else value


@bp.get("/<id:card_id>")
def card(card_id: int):
    """The card: every field, progress, tasks, files, the timeline and the viewer's actions.

    A contract's id leads to its own page (/contracts/<id>), as a payment's id does from there.
    """
    view = queries.get_card(core(), actor_id(), card_id, now())
    if view["kind"] != "payment":
        return redirect(card_url(card_id, view["kind"]))
    return render_template("requests/card.html", now=now(), **card_view.context(view, current_user.login))


@bp.post("/<id:card_id>/<any(freeze, unfreeze, restart):action>")
def card_action(card_id: int, action: str):
    """Freeze, unfreeze or restart from the card's buttons (a contract's actions live under /contracts)."""
    messages = {"freeze": _("The request is frozen."), "unfreeze": _("The request is running again."),
                "restart": _("The request is restarted: a new round of approvals begins.")}
    return perform_card_action(card_id, action, "payment", messages[action])


def perform_card_action(card_id: int, action: str, kind: str, success: str):
    """Freeze, unfreeze or restart a card of `kind` (404 for another kind), then back to its page."""
    queries.require_card_kind(core(), actor_id(), card_id, kind)
    comment = (request.form.get("comment") or "")[:5000] or None
    calls = {
        "freeze": lambda: actions.freeze(core(), actor_id(), card_id, now(), comment),
        "unfreeze": lambda: actions.unfreeze(core(), actor_id(), card_id, now(), comment),
        "restart": lambda: actions.restart(core(), actor_id(), card_id, now()),
    }
    return perform(calls[action], success, back_to(url_for(".card", card_id=card_id)))


@bp.get("/<id:card_id>/files/<id:attachment_id>")
def download(card_id: int, attachment_id: int):
    """An attachment of a payment request the viewer may see (a contract's files redirect to its path)."""
    return send_attachment(card_id, attachment_id, "payment")


def send_attachment(card_id: int, attachment_id: int, kind: str):
    """A card's attachment, always as a download with its stored type; under the other kind's path, a redirect."""
    view = queries.get_card(core(), actor_id(), card_id, now())
    if view["kind"] != kind:
        return redirect(file_url(card_id, view["kind"], attachment_id))
    found = next((item for item in view["attachments"] if item["id"] == attachment_id), None)
    if found is None:
        abort(404)
    response = send_file(core().store.path_of(found["sha256"]), mimetype=found["content_type"],
                         as_attachment=True, download_name=found["name"], max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/check-counterparty")
def check_counterparty():
    """As-you-type validation of a new counterparty's INN, KPP, BIK and account (the core's rules)."""
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
