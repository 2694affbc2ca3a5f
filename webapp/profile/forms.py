"""Profile forms: language, password, a new API token, an absence."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from webapp.labels import LANGUAGES
from webapp.ui import choices


class LanguageForm(FlaskForm):
    """The portal's and the notifications' language."""

    locale = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)],
                                 render_kw={"autocomplete": "new-password", "minlength": 8})
    repeat = PasswordField(_l("Repeat the new password"),
                           validators=[DataRequired(), EqualTo("new_password", _l("The passwords differ."))],
                           render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    """A named API token."""

    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"placeholder": _l("e.g. accounting script")})


class AbsenceForm(FlaskForm):
    """An absence of mine: dates (inclusive), the deputy, the processes (none chosen: every process)."""

    start = DateField(_l("From"), validators=[DataRequired()])
    end = DateField(_l("To (inclusive)"), validators=[DataRequired()])
    deputy = SelectField(_l("Deputy"), validators=[DataRequired()])
    processes = SelectMultipleField(_l("Only for"), validators=[Optional()])
