"""Admin forms: departments, users, counterparties, cost items (the core validates the values)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, EmailField, HiddenField, PasswordField, SelectField, SelectMultipleField,
                     StringField, widgets)
from wtforms.validators import DataRequired, Length, Optional

from webapp.labels import LANGUAGES, ROLES
from webapp.ui import choices


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (roles)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class DepartmentForm(FlaskForm):
    """A department: code (fixed once created), name, place in the tree, head."""

    code = StringField(_l("Code"), validators=[Optional(), Length(max=64)],
                       render_kw={"placeholder": "marketing", "autocapitalize": "none"})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent_id = SelectField(_l("Part of"), choices=[], validate_choice=False)
    head = SelectField(_l("Head"), choices=[], validate_choice=False)


class UserForm(FlaskForm):
    """A user: login (fixed once created), name, contacts, department, roles, language, password."""

    login = StringField(_l("Login"), validators=[Optional(), Length(max=64)], render_kw={"autocapitalize": "none"})
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    department_id = SelectField(_l("Department"), choices=[], validate_choice=False)
    roles = MultiCheckboxField(_l("Roles"), choices=choices(ROLES.items()),
                               validate_choice=False)
    locale = SelectField(_l("Language"), choices=choices(LANGUAGES.items()))
    active = BooleanField(_l("Active (may log in and get tasks)"), default=True)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})


class CounterpartyForm(FlaskForm):
    """A counterparty's name and bank details (INN fixed once created)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    inn = StringField(_l("INN"), validators=[Optional(), Length(max=20)],
                      render_kw={"inputmode": "numeric", "data-validate": "inn"})
    kpp = StringField(_l("KPP"), validators=[Optional(), Length(max=20)], render_kw={"data-validate": "kpp"})
    bik = StringField(_l("BIK"), validators=[Optional(), Length(max=20)],
                      render_kw={"inputmode": "numeric", "data-validate": "bik"})
    account = StringField(_l("Settlement account"), validators=[Optional(), Length(max=40)],
                          render_kw={"inputmode": "numeric", "data-validate": "account"})
    active = BooleanField(_l("Active (offered in new requests)"), default=True)


class CostItemForm(FlaskForm):
    """A cost item: code (fixed once created: rules refer to it) and name."""

    code = StringField(_l("Code"), validators=[Optional(), Length(max=64)], render_kw={"placeholder": "ADS"})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    active = BooleanField(_l("Active (offered in new requests)"), default=True)


class DirectoryImportForm(FlaskForm):
    """A 1C export to check (dry run), then the checked file's token to import it."""

    file = FileField(_l("XLSX or CSV file"))
    staged = HiddenField()
