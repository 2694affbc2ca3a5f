"""Payment requests: filing one, the card with its actions, attachment downloads, live validation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from soglasie.errors import DomainError, ValidationError, t
from soglasie.services import actions, directory, queries
from soglasie.services.common import Upload, parse_deadline
from soglasie.services.payment_requests import create_payment_request
from soglasie.services.queries import CardFilter
from soglasie.validation import clean_amount, clean_bank_details, clean_inn, clean_kpp
from webapp.auth import require_login
from webapp.i18n import money
from webapp.requests import card_view
from webapp.requests.forms import NewRequestForm
from webapp.runtime import actor_id, core, locale, now
from webapp.ui import attach_error, back_to, choices, perform

bp = Blueprint("requests", __name__, url_prefix="/requests")
bp.before_request(require_login)


def _cost_item_choices() -> list[tuple[str, str]]:
    return choices([("", _("Choose a cost item…"))] + [
        (item["code"], f"{item['name']} · {item['code']}") for item in directory.list_cost_items(core())])


def _contract_choices():
    """Signed contracts the user may pay against (the core checks the counterparty and dates)."""
    signed = queries.list_cards(core(), actor_id(), CardFilter(kind="contract", stage="signed"), 1, 200)["items"]
    return choices([("", _("— without a contract —"))] + [
        (item["id"], f"№{item['id']} · {item['counterparty']['name']} · {money(item['amount'])}") for item in signed])


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The new payment request form; saving it starts the process."""
    form = NewRequestForm()
    form.cost_item.choices = _cost_item_choices()
    form.contract_id.choices = _contract_choices()
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
    """Create the counterparty first when asked to, after checking everything else would pass."""
    storage = form.invoice.data
    upload = Upload(storage.read(), storage.filename or "invoice") if storage else None
    inn = _inn_of(form.counterparty_inn.data)
    if form.new_counterparty.data:
        _precheck(form, upload)
        inn = directory.create_counterparty(
            core(), actor_id(), now(), name=form.new_name.data, inn=form.new_inn.data, kpp=form.new_kpp.data,
            bik=form.new_bik.data, account=form.new_account.data)["inn"]
    return create_payment_request(
        core(), actor_id(), now(), counterparty_inn=inn, amount=form.amount.data, cost_item=form.cost_item.data,
        invoice=upload, deadline=form.deadline.data or None, comment=form.comment.data,
        contract_id=form.contract_id.data or None)


def _inn_of(picked: str | None) -> str | None:
    """The picker's value: an INN, or a name typed in full that names exactly one counterparty."""
    value = (picked or "").strip()
    if not value or value.replace(" ", "").isdigit():
        return value
    found = directory.list_counterparties(core(), value, limit=20)
    exact = [item for item in found if item["name"].casefold() == value.casefold()]
    chosen = exact if exact else found
    return chosen[0]["inn"] if len(chosen) == 1 else value


def _precheck(form: NewRequestForm, upload: Upload | None) -> None:
    """The request's own fields, checked before a new counterparty is written (no orphan rows)."""
    clean_amount(form.amount.data)
    if form.cost_item.data not in {choice.value for choice in form.cost_item.choices if choice.value}:
        raise ValidationError(t("Выберите статью затрат.", "Choose a cost item."), "cost_item")
    parse_deadline(form.deadline.data or None, "deadline", core().rulebook.calendar)
    if upload is None:
        raise ValidationError(t("Приложите счёт на оплату.", "Attach the invoice."), "invoice")
    core().store.check(upload.data, upload.filename, "invoice")


@bp.get("/<id:card_id>")
def card(card_id: int):
    """The card: every field, progress, tasks, files, the timeline and the viewer's actions.

    Contracts open here too until they get their own pages, so that their approvers and the
    signer can act on them from My work.
    """
    view = queries.get_card(core(), actor_id(), card_id, now())
    return render_template("requests/card.html", now=now(), **card_view.context(view, current_user.login))


@bp.post("/<id:card_id>/<any(freeze, unfreeze, restart):action>")
def card_action(card_id: int, action: str):
    """Freeze, unfreeze or restart from the card's buttons."""
    comment = (request.form.get("comment") or "")[:5000] or None
    calls = {
        "freeze": (lambda: actions.freeze(core(), actor_id(), card_id, now(), comment), _("The request is frozen.")),
        "unfreeze": (lambda: actions.unfreeze(core(), actor_id(), card_id, now(), comment),
                     _("The request is running again.")),
        "restart": (lambda: actions.restart(core(), actor_id(), card_id, now()),
                    _("The request is restarted: a new round of approvals begins.")),
    }
    call, message = calls[action]
    return perform(call, message, back_to(url_for(".card", card_id=card_id)))


@bp.get("/<id:card_id>/files/<id:attachment_id>")
def download(card_id: int, attachment_id: int):
    """An attachment of a card the viewer may see, always as a download with its stored type."""
    view = queries.get_card(core(), actor_id(), card_id, now())
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
