"""Admin: the org structure (departments and heads), users and their roles."""

from __future__ import annotations

from typing import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from soglasie.errors import DomainError
from soglasie.services import absences, admin
from webapp.admin.forms import DepartmentForm, UserForm
from webapp.auth import require_login
from webapp.runtime import actor_id, core, now
from webapp.profile import absence_panel
from webapp.profile.forms import AbsenceForm
from webapp.ui import attach_error, choices, perform

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only():
    """Every admin page: log in first, then 403 for anyone but the admin."""
    refused = require_login()
    if refused is not None:
        return refused
    if not current_user.is_admin:
        abort(403)
    return None


def submit(form, call: Callable[[], object], success: str, back: str):
    """Validate, run the service, and redirect; on an error return the status to re-render with."""
    if not form.validate_on_submit():
        return 400 if form.csrf_token.errors else 422
    try:
        call()
    except DomainError as error:
        attach_error(form, error)
        return error.http_status
    flash(success, "success")
    return redirect(back, code=303)


def _user_choices(blank: str) -> list[tuple[str, str]]:
    return choices([("", blank)] + [(user["login"], f"{user['name']} ({user['login']})")
                                    for user in admin.list_users(core(), actor_id()) if user["active"]])


def _department_choices(blank: str, departments: list[dict], skip: int | None = None) -> list[tuple[str, str]]:
    return choices([("", blank)] + [(item["id"], "— " * item["depth"] + item["name"])
                                    for item in departments if item["id"] != skip])


@bp.get("")
def index():
    """The admin's start page."""
    return render_template("admin/index.html", users=admin.list_users(core(), actor_id()),
                           departments=admin.list_departments(core(), actor_id()),
                           rules=admin.rules_status(core(), actor_id()))


@bp.route("/departments", methods=["GET", "POST"])
def departments():
    """The departments tree with heads, and a form to add one."""
    tree = admin.list_departments(core(), actor_id())
    form = DepartmentForm()
    form.parent_id.choices = _department_choices(_("— top level —"), tree)
    form.head.choices = _user_choices(_("— no head —"))
    status = 200
    if request.method == "POST":
        result = submit(form, lambda: admin.create_department(
            core(), actor_id(), code=form.code.data, name=form.name.data, parent_id=form.parent_id.data or None,
            head=form.head.data or None), _("The department is added."), url_for(".departments"))
        if not isinstance(result, int):
            return result
        status = result
    return render_template("admin/departments.html", tree=tree, form=form), status


@bp.route("/departments/<id:department_id>", methods=["GET", "POST"])
def department(department_id: int):
    """Rename a department, move it, or change its head."""
    tree = admin.list_departments(core(), actor_id())
    row = next((item for item in tree if item["id"] == department_id), None)
    if row is None:
        abort(404)
    form = DepartmentForm(data={"name": row["name"], "parent_id": str(row["parent_id"] or ""),
                                "head": row["head"] or ""} if request.method == "GET" else None)
    form.parent_id.choices = _department_choices(_("— top level —"), tree, skip=department_id)
    form.head.choices = _user_choices(_("— no head —"))
    status = 200
    if request.method == "POST":
        result = submit(form, lambda: admin.update_department(
            core(), actor_id(), department_id, name=form.name.data, parent_id=form.parent_id.data or None,
            head=form.head.data or None), _("The department is saved."), url_for(".departments"))
        if not isinstance(result, int):
            return result
        status = result
    return render_template("admin/department.html", row=row, form=form), status


@bp.get("/users")
def users():
    """Users with roles, department and status; search by login or name."""
    search = (request.args.get("search") or "")[:100]
    return render_template("admin/users.html", users=admin.list_users(core(), actor_id(), search), search=search)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Add a user."""
    form = UserForm()
    form.department_id.choices = _department_choices(_("— none —"), admin.list_departments(core(), actor_id()))
    if request.method == "GET":
        form.roles.data = ["employee"]
    status = 200
    if request.method == "POST":
        result = submit(form, lambda: admin.create_user(
            core(), actor_id(), now(), login=form.login.data, name=form.name.data, password=form.password.data,
            email=form.email.data, department_id=form.department_id.data or None, roles=form.roles.data,
            locale=form.locale.data), _("The user is added."), url_for(".users"))
        if not isinstance(result, int):
            return result
        status = result
    return render_template("admin/user.html", form=form, user=None), status


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    """Edit a user: details, department, roles, language, active, a new password."""
    row = admin.get_user(core(), actor_id(), user_id)
    form = UserForm(data={**row, "department_id": str(row["department_id"] or "")}
                    if request.method == "GET" else None)
    form.department_id.choices = _department_choices(_("— none —"), admin.list_departments(core(), actor_id()))
    status = 200
    if request.method == "POST":
        result = submit(form, lambda: admin.update_user(
            core(), actor_id(), user_id, now(), name=form.name.data, email=form.email.data,
            department_id=form.department_id.data or None, roles=form.roles.data, locale=form.locale.data,
            active=form.active.data, password=form.password.data or None),
            _("The user is saved."), url_for(".users"))
        if not isinstance(result, int):
            return result
        status = result
    return _user_page(form, row, status)


def _user_page(form, row: dict, status: int, absence_form=None):
    """The user's edit page with his absences (the deputy rule: an admin records anyone's)."""
    context = absence_panel.panel(row["id"], login=row["login"], form=absence_form)
    return render_template("admin/user.html", form=form, user=row, **context,
                           record_absence_url=url_for(".record_absence", user_id=row["id"]),
                           cancel_absence_endpoint="admin.cancel_absence",
                           cancel_absence_args={"user_id": row["id"]}), status


@bp.post("/users/<id:user_id>/absences")
def record_absence(user_id: int):
    """Record an absence of the user; back to his page, or the page with the error at its field."""
    row = admin.get_user(core(), actor_id(), user_id)
    form = absence_panel.absence_form(user_id, AbsenceForm())
    if not absence_panel.record(form, login=row["login"]):
        user_form = UserForm(data={**row, "department_id": str(row["department_id"] or "")})
        user_form.department_id.choices = _department_choices(_("— none —"),
                                                              admin.list_departments(core(), actor_id()))
        return _user_page(user_form, row, 422, absence_form=form)
    flash(_("The absence is recorded."), "success")
    return redirect(url_for(".user", user_id=user_id), code=303)


@bp.post("/users/<id:user_id>/absences/<id:absence_id>/cancel")
def cancel_absence(user_id: int, absence_id: int):
    """Cancel one of the user's absences; the tasks it moved go back."""
    return perform(lambda: absences.cancel_absence(core(), actor_id(), absence_id, now()),
                   _("The absence is cancelled."), url_for(".user", user_id=user_id))
