"""The accounting page: requests at the payment stage, a selection exported as a 1C file, a statement uploaded."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request
from flask_babel import gettext as _

from soglasie.errors import DomainError
from soglasie.services import bank_statements, payment_orders
from webapp.api.bank_routes import file_response
from webapp.auth import require_login
from webapp.runtime import actor_id, core, locale, now

bp = Blueprint("bank", __name__, url_prefix="/bank")
bp.before_request(require_login)


def _page(report: dict | None = None, status: int = 200):
    rows = payment_orders.payment_queue(core(), actor_id())
    return render_template("bank/payments.html", rows=rows, report=report), status


@bp.get("")
def payments():
    """Requests at the payment stage, their order numbers; the export and the statement forms."""
    return _page()


@bp.post("/export")
def export():
    """Download the selected requests (none selected: all not yet exported) as a 1C exchange file."""
    ids = [int(raw) for raw in request.form.getlist("ids") if raw.isdigit()] or None
    try:
        return file_response(payment_orders.export_orders(core(), actor_id(), ids, now()))
    except DomainError as error:
        flash(error.message(locale()), "error")
        return _page(status=error.http_status)


@bp.post("/statements")
def statement():
    """Upload the bank's statement; the page then shows what each document matched."""
    upload = request.files.get("file")
    try:
        report = bank_statements.import_statement(core(), actor_id(), upload.read() if upload else b"",
                                                  upload.filename if upload else None, now())
    except DomainError as error:
        flash(error.message(locale()), "error")
        return _page(status=error.http_status)
    flash(_("Statement imported: %(count)d payments confirmed.", count=len(report["matched"])), "success")
    return _page(report)

