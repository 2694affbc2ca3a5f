"""Admin: the paying company's requisites (name, INN, KPP, accounts) that payment orders carry."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from soglasie.errors import DomainError
from soglasie.services import company
from webapp.admin.routes import bp
from webapp.runtime import actor_id, core, locale

ACCOUNT_KEYS = ("account", "bank_name", "bik", "corr_account")


def _submitted() -> dict:
    """The form as the service's input: the filled account rows, the chosen default among them."""
    rows = []
    for index in range(int(request.form.get("rows", "0") or 0)):
        row = {key: request.form.get(f"{key}_{index}", "") for key in ACCOUNT_KEYS}
        if any(value.strip() for value in row.values()):
            rows.append({**row, "default": request.form.get("default") == str(index)})
    return {"name": request.form.get("name"), "inn": request.form.get("inn"), "kpp": request.form.get("kpp"),
            "accounts": rows}


@bp.route("/company", methods=["GET", "POST"])
def company_requisites():
    """The requisites form: the saved ones and an empty account row to add another."""
    error, status = None, 200
    if request.method == "POST":
        values = _submitted()
        try:
            company.save_company(core(), actor_id(), values)
        except DomainError as failure:
            error, status = (failure.field, failure.message(locale())), failure.http_status
        else:
            flash(_("The company's requisites are saved."), "success")
            return redirect(url_for(".company_requisites"), code=303)
    else:
        values = company.get_company(core()) or {"accounts": []}
    accounts = list(values["accounts"]) + [{}]
    return render_template("admin/company.html", values=values, accounts=accounts, error=error), status
