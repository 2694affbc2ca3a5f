"""REST API: absences and deputies — mine under /me/absences, anyone's under /users/<login>/absences (admins)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from soglasie.errors import ValidationError
from soglasie.services import absences
from webapp.api import parsing
from webapp.api.routes import bp
from webapp.runtime import actor_id, core, now


def _processes(data: dict) -> list[str] | None:
    """`processes`: a JSON list of process ids, or a comma-separated text (form data); absent: every process."""
    value = data.get("processes")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError(_("A list of process ids is expected."), "processes")
    return value


def _absence_input() -> absences.AbsenceInput:
    """The request body as an absence: start, end (ISO dates), deputy (login), processes."""
    data = parsing.body()
    return absences.AbsenceInput(parsing.scalar(data, "start"), parsing.scalar(data, "end"),
                                 parsing.scalar(data, "deputy"), _processes(data))


@bp.get("/me/absences")
def my_absences():
    """My absences not over yet: {items: [{id, start, end, deputy, processes}]}."""
    return jsonify({"items": absences.list_absences(core(), actor_id(), now())})


@bp.post("/me/absences")
def record_my_absence():
    """Record an absence of mine (201 with it; 422 naming the field)."""
    return jsonify(absences.record_absence(core(), actor_id(), now(), _absence_input())), 201


@bp.delete("/me/absences/<id:absence_id>")
def cancel_my_absence(absence_id: int):
    """Cancel an absence of mine (an admin: anyone's); the tasks it moved go back (204)."""
    absences.cancel_absence(core(), actor_id(), absence_id, now())
    return "", 204


@bp.get("/users/<login>/absences")
def user_absences(login: str):
    """A user's absences not over yet (admins; others 403)."""
    return jsonify({"items": absences.list_absences(core(), actor_id(), now(), login=login)})


@bp.post("/users/<login>/absences")
def record_user_absence(login: str):
    """Record an absence of any user (admins; others 403)."""
    return jsonify(absences.record_absence(core(), actor_id(), now(), _absence_input(), login=login)), 201
