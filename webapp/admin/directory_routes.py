"""Admin: counterparties, cost items, and the read-only page of the rules in force."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from soglasie.services import admin, calendar_admin, directory
from webapp.admin.forms import CostItemForm, CounterpartyForm
from webapp.admin.routes import bp, submit
from webapp.i18n import month_names, weekday_names
from webapp.runtime import actor_id, core, locale, now


@bp.route("/counterparties", methods=["GET", "POST"])
def counterparties():
    """Counterparties (search; inactive ones too) and a form to add one."""
    search = (request.args.get("search") or "")[:100]
    form = CounterpartyForm()
    status = 200
    if request.method == "POST":
        result = submit(form, lambda: directory.create_counterparty(
            core(), actor_id(), now(), name=form.name.data, inn=form.inn.data, kpp=form.kpp.data,
            bik=form.bik.data, account=form.account.data), _("The counterparty is added."),
            url_for(".counterparties"))
        if not isinstance(result, int):
            return result
        status = result
    rows = admin.list_all_counterparties(core(), actor_id(), search)
    return render_template("admin/counterparties.html", rows=rows, form=form, search=search), status


@bp.route("/counterparties/<id:counterparty_id>", methods=["GET", "POST"])
def counterparty(counterparty_id: int):
    """Correct a counterparty's name or bank details, or deactivate it."""
    row = admin.get_counterparty(core(), actor_id(), counterparty_id)
    form = CounterpartyForm(data=row if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        result = submit(form, lambda: admin.update_counterparty(
            core(), actor_id(), counterparty_id, name=form.name.data, kpp=form.kpp.data, bik=form.bik.data,
            account=form.account.data, active=form.active.data), _("The counterparty is saved."),
            url_for(".counterparties"))
        if not isinstance(result, int):
            return result
        status = result
    return render_template("admin/counterparty.html", row=row, form=form), status


@bp.route("/cost-items", methods=["GET", "POST"])
def cost_items():
    """Cost items and a form to add one."""
    form = CostItemForm()
    status = 200
    if request.method == "POST":
        result = submit(form, lambda: directory.create_cost_item(
            core(), actor_id(), code=form.code.data, name=form.name.data), _("The cost item is added."),
            url_for(".cost_items"))
        if not isinstance(result, int):
            return result
        status = result
    return render_template("admin/cost_items.html", rows=admin.list_all_cost_items(core(), actor_id()),
                           form=form), status


@bp.route("/cost-items/<id:cost_item_id>", methods=["GET", "POST"])
def cost_item(cost_item_id: int):
    """Rename or deactivate a cost item."""
    row = next((item for item in admin.list_all_cost_items(core(), actor_id()) if item["id"] == cost_item_id), None)
    if row is None:
        abort(404)
    form = CostItemForm(data=row if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        result = submit(form, lambda: admin.update_cost_item(
            core(), actor_id(), cost_item_id, name=form.name.data, active=form.active.data),
            _("The cost item is saved."), url_for(".cost_items"))
        if not isinstance(result, int):
            return result
        status = result
    return render_template("admin/cost_item.html", row=row, form=form), status


@bp.get("/rules")
def rules():
    """The rules in force (version, status, processes, files) and the production calendar of a year."""
    calendar = calendar_admin.calendar_page(core(), actor_id(), now(), request.args.get("year", type=int), locale())
    return render_template("admin/rules.html", rules=admin.rules_status(core(), actor_id()), calendar=calendar,
                           month_names=month_names(locale()), weekday_names=weekday_names(locale()))
