"""The login form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Login and password; `next` is where to go afterwards (checked to stay on this site)."""

    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)],
                        render_kw={"autocomplete": "username", "autocapitalize": "none", "autofocus": True})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()
