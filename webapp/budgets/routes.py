"""The budgets page: a year's rows with committed, actual and remaining; a row form and an import (finance, admins).

Who may: reading as GET /api/v1/budgets (finance, operations, accounting, admins; heads their
departments; others 403); writing — the row form and the import — finance managers and admins
(others 403). A failed import lists every bad row (`row N: field: message`) and writes nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from soglasie.errors import DomainError, PermissionDenied
from soglasie.services import budgets
from soglasie.services.budget_import import import_budgets
from soglasie.services.budgets import BudgetRowsError
from webapp.api import parsing
from webapp.auth import require_login
from webapp.budgets.forms import BudgetImportForm, BudgetRowForm
from webapp.runtime import actor_id, core, locale, now
from webapp.ui import choices

bp = Blueprint("budgets", __name__, url_prefix="/budgets")
bp.before_request(require_login)


def _year() -> int:
    year = parsing.integer("year", None, low=budgets.YEARS[0], high=budgets.YEARS[1])
    return year if year is not None else now().astimezone(core().rulebook.calendar.tz).year


def _page(status: int = 200, row_form: BudgetRowForm | None = None, errors: list[str] | None = None):
    year = _year()
    spec = budgets.BudgetFilter(year=year, department=parsing.query_text("department"),
                                cost_item=parsing.query_text("cost_item"))
    try:
        rows = budgets.list_budgets(core(), actor_id(), now(), spec)
    except PermissionDenied:
        abort(403)
    editor = current_user.has_role(*budgets.BUDGET_EDITORS)
    form = row_form or BudgetRowForm(year=year)
    departments, items = budgets.choices(core())
    form.department.choices = choices(departments)
    form.cost_item.choices = choices((code, f"{code} — {name}") for code, name in items)
    return render_template("budgets/index.html", rows=rows, year=year, editor=editor, row_form=form,
                           import_form=BudgetImportForm(), errors=errors or []), status


@bp.get("")
def index():
    """A year's budget rows (filters: year, department, cost item)."""
    return _page()


def _editors_only() -> None:
    if not current_user.has_role(*budgets.BUDGET_EDITORS):
        abort(403)


@bp.post("/rows")
def save_row():
    """Set (or, with no amount, remove) one month's budget of a department × cost item."""
    _editors_only()
    form = BudgetRowForm()
    if not form.validate_on_submit():
        return _page(400 if form.csrf_token.errors else 422, row_form=form)
    row = {"year": form.year.data, "month": form.month.data, "department": form.department.data,
           "cost_item": form.cost_item.data, "planned": (form.planned.data or "").strip() or None}
    try:
        budgets.put_budgets(core(), actor_id(), now(), [row])
    except BudgetRowsError as error:
        return _page(422, row_form=form, errors=error.lines(locale()))
    flash(_("The budget is saved."), "success")
    return redirect(url_for(".index", year=form.year.data), code=303)


@bp.post("/import")
def import_file():
    """Import an XLSX or CSV file: every row validated, nothing written if any fails."""
    _editors_only()
    form = BudgetImportForm()
    if not form.validate_on_submit():
        return _page(400)
    upload = parsing.upload("file")
    try:
        written = import_budgets(core(), actor_id(), now(), upload)
    except BudgetRowsError as error:
        return _page(422, errors=error.lines(locale()))
    except DomainError as error:
        if error.http_status == 403:
            raise
        return _page(error.http_status, errors=[error.message(locale())])
    flash(_("Imported %(count)d budget rows.", count=written), "success")
    return redirect(url_for(".index"), code=303)
