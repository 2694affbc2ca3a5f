"""Admin: counterparties, cost items, and the read-only page of the rules in force."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from soglasie import staged_uploads
from soglasie.errors import DomainError
from soglasie.services import admin, calendar_admin, directory, directory_import
from webapp.admin.forms import CostItemForm, CounterpartyForm, DirectoryImportForm
from webapp.admin.routes import bp, submit
from webapp.api import parsing
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


@bp.route("/<any(counterparties, \"cost-items\"):kind>/import", methods=["GET", "POST"])
def directory_import_page(kind: str):
    """Upload a 1C export, read the dry run's report of every row, then confirm to import it all or nothing."""
    form = DirectoryImportForm()
    if request.method == "GET":
        return _import_page(kind, form)
    if not form.validate_on_submit():
        return _import_page(kind, form, status=400)
    staging = core().settings.data_dir / "staged"
    confirm = request.form.get("action") == "import"
    upload = staged_uploads.read(staging, actor_id(), form.staged.data) if confirm else parsing.upload("file")
    if confirm and upload is None:
        form.file.errors = [_("The checked file is no longer kept; choose it again.")]
        return _import_page(kind, form, status=422)
    try:
        report = directory_import.import_directory(core(), actor_id(), now(), directory_import.DIRECTORIES[kind],
                                                   upload, dry_run=not confirm)
    except directory_import.RowsRefused as error:
        return _import_page(kind, form, error.report, error.lines(locale()), status=422)
    except DomainError as error:
        if error.http_status == 403:
            raise
        form.file.errors = [error.message(locale())]
        return _import_page(kind, form, status=error.http_status)
    if confirm:
        staged_uploads.discard(staging, actor_id(), form.staged.data)
        flash(_("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
                created=report.count("created"), updated=report.count("updated"),
                unchanged=report.count("unchanged")), "success")
        return redirect(url_for(".counterparties" if kind == "counterparties" else ".cost_items"), code=303)
    form.staged.data = staged_uploads.stage(staging, actor_id(), upload, now())
    return _import_page(kind, form, report)


def _import_page(kind: str, form, report=None, errors=(), status: int = 200):
    headers = directory_import.DIRECTORIES[kind].headers
    return render_template("admin/directory_import.html", kind=kind, form=form, report=report, errors=errors,
                           headers=headers), status


@bp.get("/rules")
def rules():
    """The rules in force (version, status, processes, files) and the production calendar of a year."""
    calendar = calendar_admin.calendar_page(core(), actor_id(), now(), request.args.get("year", type=int), locale())
    return render_template("admin/rules.html", rules=admin.rules_status(core(), actor_id()), calendar=calendar,
                           month_names=month_names(locale()), weekday_names=weekday_names(locale()))
