"""The new payment request form (with an optional new counterparty)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

ACCEPT = ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.doc,.docx,.xls,.xlsx"


class NewRequestForm(FlaskForm):
    """Every field of a payment card; the core validates the values themselves."""

    counterparty_inn = StringField(_l("From the directory"), validators=[Optional(), Length(max=300)],
                                   render_kw={"list": "counterparty-options", "autocomplete": "off",
                                              "data-counterparty-picker": "1",
                                              "placeholder": _l("Name or INN")})
    new_counterparty = BooleanField(_l("The counterparty is not in the directory — add it"))
    new_name = StringField(_l("Name"), validators=[Optional(), Length(max=300)],
                           render_kw={"placeholder": _l("LLC \"Horns and Hooves\"")})
    new_inn = StringField(_l("INN"), validators=[Optional(), Length(max=20)],
                          render_kw={"inputmode": "numeric", "data-validate": "inn", "autocomplete": "off"})
    new_kpp = StringField(_l("KPP"), validators=[Optional(), Length(max=20)],
                          render_kw={"data-validate": "kpp", "autocomplete": "off"})
    new_bik = StringField(_l("BIK"), validators=[Optional(), Length(max=20)],
                          render_kw={"inputmode": "numeric", "data-validate": "bik", "autocomplete": "off"})
    new_account = StringField(_l("Settlement account"), validators=[Optional(), Length(max=40)],
                              render_kw={"inputmode": "numeric", "data-validate": "account", "autocomplete": "off"})
    amount = StringField(_l("Amount, ₽"), validators=[Length(max=40)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off", "placeholder": "150 000,00",
                                    "data-validate": "amount", "required": True})
    cost_item = SelectField(_l("Cost item"), choices=[], validate_choice=False, render_kw={"required": True})
    invoice = FileField(_l("Invoice"), render_kw={"accept": ACCEPT, "required": True, "data-validate": "file"})
    deadline = StringField(_l("Pay by (optional)"), validators=[Optional(), Length(max=40)],
                           render_kw={"type": "date"})
    contract_id = SelectField(_l("Signed contract (optional)"), choices=[], validate_choice=False)
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)],
                            render_kw={"rows": 3, "maxlength": 5000})

    # The core's field names → this form's fields, for putting its errors in the right place.
    CORE_FIELDS = {"counterparty_inn": "counterparty_inn", "amount": "amount", "cost_item": "cost_item",
                   "invoice": "invoice", "deadline": "deadline", "comment": "comment", "name": "new_name",
                   "contract_id": "contract_id",
                   "inn": "new_inn", "kpp": "new_kpp", "bik": "new_bik", "account": "new_account"}
