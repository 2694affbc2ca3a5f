"""The absences panel shared by the profile (one's own) and the admin's user page (anyone's)."""

from __future__ import annotations

from flask_babel import gettext as _

from soglasie.errors import DomainError
from soglasie.services import absences
from webapp.profile.forms import AbsenceForm
from webapp.runtime import actor_id, core, locale, now
from webapp.ui import attach_error


def absence_form(user_id: int, form: AbsenceForm | None = None) -> AbsenceForm:
    """The absence form with its choices: who may be `user_id`'s deputy, the processes of the rule files."""
    form = form or AbsenceForm(formdata=None)
    form.deputy.choices = absences.deputy_choices(core(), user_id)
    form.processes.choices = [(process.id, process.title.get(locale()))
                              for process in core().rulebook.processes.values()]
    return form


def panel(user_id: int, login: str | None = None, form: AbsenceForm | None = None) -> dict:
    """What `profile/_absences.html` needs: the absences not over, the form, names for both."""
    form = absence_form(user_id, form)
    return {"absences": absences.list_absences(core(), actor_id(), now(), login=login), "absence_form": form,
            "deputy_names": dict(form.deputy.choices), "process_titles": dict(form.processes.choices)}


def record(form: AbsenceForm, login: str | None = None) -> bool:
    """Record the posted absence (of `login`, default the actor); False with the error on the form."""
    if not form.validate_on_submit():
        return False
    data = absences.AbsenceInput(form.start.data, form.end.data, form.deputy.data, form.processes.data)
    try:
        absences.record_absence(core(), actor_id(), now(), data, login=login)
    except DomainError as error:
        attach_error(form, error)
        return False
    return True


def recorded_message() -> str:
    """The flash after a recorded absence."""
    return _("The absence is recorded: your tasks go to your deputy during it.")
