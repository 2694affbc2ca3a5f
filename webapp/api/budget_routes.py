"""REST API: budgets — GET /budgets (rows with committed, actual, remaining) and PUT /budgets (all-or-nothing)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from soglasie.errors import ValidationError
from soglasie.services import budgets
from webapp.api import parsing
from webapp.api.routes import bp
from webapp.runtime import actor_id, core, now


@bp.get("/budgets")
def list_budgets():
    """Budget rows of a year (default: this year), optionally one month, department, cost item (codes)."""
    year = parsing.integer("year", None, low=budgets.YEARS[0], high=budgets.YEARS[1])
    if year is None:
        year = now().astimezone(core().rulebook.calendar.tz).year
    spec = budgets.BudgetFilter(year=year, month=parsing.integer("month", None, high=12),
                                department=parsing.query_text("department"),
                                cost_item=parsing.query_text("cost_item"))
    return jsonify({"items": budgets.list_budgets(core(), actor_id(), now(), spec)})


@bp.put("/budgets")
def put_budgets():
    """Write a JSON list of rows {year, month, department, cost_item, planned}; 422 naming the row and field."""
    if request.mimetype != "application/json":
        raise parsing.BadBody(_("Send a JSON list of budget rows."), "body")
    try:
        rows = request.get_json(force=True, silent=False)
    except BadRequest:
        raise parsing.BadBody(_("The body is not valid JSON."), "body") from None
    if not isinstance(rows, list):
        raise ValidationError(_("A list of budget rows is expected."), "body")
    written = budgets.put_budgets(core(), actor_id(), now(), rows)
    return jsonify({"written": written})
