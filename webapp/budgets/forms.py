"""Budget forms: one row (department × cost item × month), and a spreadsheet to import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Optional

from webapp.ui import choices


class BudgetRowForm(FlaskForm):
    """Set the planned amount of one month (empty: remove the month's budget)."""

    year = IntegerField(_l("Year"), validators=[Optional()])
    month = SelectField(_l("Month"), choices=choices((m, m) for m in range(1, 13)))
    department = SelectField(_l("Department"), choices=[], validate_choice=False)
    cost_item = SelectField(_l("Cost item"), choices=[], validate_choice=False)
    planned = StringField(_l("Planned, RUB"), validators=[Optional()], render_kw={"inputmode": "decimal"})


class BudgetImportForm(FlaskForm):
    """An XLSX or CSV file: year, month, department, cost_item, planned."""

    file = FileField(_l("XLSX or CSV file"))
