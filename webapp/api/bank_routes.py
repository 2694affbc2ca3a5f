"""REST API of the bank loop: the company's requisites, payment orders out, bank statements in."""

from __future__ import annotations

from flask import Response, jsonify
from flask_babel import gettext as _

from soglasie.errors import ValidationError
from soglasie.services import bank_statements, company, payment_orders
from webapp.api import parsing
from webapp.api.routes import bp
from webapp.runtime import actor_id, core, now

EXCHANGE_MIMETYPE = "text/plain; charset=windows-1251"


@bp.get("/company")
def company_requisites():
    """The paying company's requisites (null before the admin enters them)."""
    return jsonify(company.get_company(core()))


@bp.put("/company")
def save_company_requisites():
    """Replace the requisites (admin): {name, inn, kpp, accounts: [{account, bank_name, bik, corr_account, …}]}."""
    return jsonify(company.save_company(core(), actor_id(), parsing.body()))


@bp.post("/payment-orders/export")
def export_payment_orders():
    """The 1C exchange file of `ids` at the payment stage (absent: all not yet exported); Windows-1251, CRLF."""
    data = parsing.body()
    return file_response(payment_orders.export_orders(core(), actor_id(), data.get("ids"), now()))


def file_response(exported: payment_orders.ExportFile) -> Response:
    """The file as a download with its name; `X-Soglasie-Repeat: 1` when it repeats an earlier export."""
    response = Response(exported.data, content_type=EXCHANGE_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response.headers["X-Soglasie-Repeat"] = "1" if exported.repeat else "0"
    return response


@bp.post("/bank-statements")
def upload_bank_statement():
    """Import a statement (multipart `file`): {matched, unmatched, ambiguous, already_confirmed}."""
    upload = parsing.upload("file")
    if upload is None:
        raise ValidationError(_("The file is empty or missing."), "file")
    return jsonify(bank_statements.import_statement(core(), actor_id(), upload.data, upload.filename, now()))
