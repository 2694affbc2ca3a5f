"""The new-card form of a process, built from its `card:` spec; the new-version form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from soglasie.rulebook.model import VAT_EXEMPT, ProcessDefinition
from webapp.runtime import locale
from webapp.ui import choices

ACCEPT = ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.doc,.docx,.xls,.xlsx"
# The core's field names → the form's, where they differ (a new counterparty's details).
CORE_FIELDS = {"name": "new_name", "inn": "new_inn", "kpp": "new_kpp", "bik": "new_bik", "account": "new_account"}


def _required(on: bool) -> dict:
    return {"required": True} if on else {}


def _counterparty_fields(required: bool) -> dict:
    """The directory picker and, inline, a counterparty that is not in the directory yet."""
    numeric = {"inputmode": "numeric", "autocomplete": "off"}
    return {
        "counterparty_inn": StringField(_l("Counterparty"), validators=[Optional(), Length(max=300)],
                                        render_kw={"list": "counterparty-options", "autocomplete": "off",
                                                   "data-counterparty-picker": "1", **_required(required),
                                                   "placeholder": _l("Name or INN")}),
        "new_counterparty": BooleanField(_l("The counterparty is not in the directory — add it")),
        "new_name": StringField(_l("Name"), validators=[Optional(), Length(max=300)],
                                render_kw={"placeholder": _l("LLC \"Horns and Hooves\"")}),
        "new_inn": StringField(_l("INN"), validators=[Optional(), Length(max=20)],
                               render_kw={**numeric, "data-validate": "inn"}),
        "new_kpp": StringField(_l("KPP"), validators=[Optional(), Length(max=20)],
                               render_kw={"data-validate": "kpp", "autocomplete": "off"}),
        "new_bik": StringField(_l("BIK"), validators=[Optional(), Length(max=20)],
                               render_kw={**numeric, "data-validate": "bik"}),
        "new_account": StringField(_l("Settlement account"), validators=[Optional(), Length(max=40)],
                                   render_kw={**numeric, "data-validate": "account"}),
    }


def _plain_fields(process: ProcessDefinition) -> dict:
    """Subject, amount, cost item, validity and deadline, as the spec uses them."""
    spec, fields = process.card, {}
    if spec.uses("subject"):
        fields["subject"] = StringField(_l("Subject"), validators=[Length(max=500)],
                                        render_kw={"maxlength": 500, **_required(spec.requires("subject"))})
    if spec.uses("amount"):
        fields["amount"] = StringField(_l("Amount, ₽"), validators=[Length(max=40)],
                                       render_kw={"inputmode": "decimal", "autocomplete": "off",
                                                  "placeholder": "150 000,00", "data-validate": "amount",
                                                  **_required(spec.requires("amount"))})
    if spec.uses("cost_item"):
        fields["cost_item"] = SelectField(_l("Cost item"), choices=[], validate_choice=False,
                                          render_kw=_required(spec.requires("cost_item")))
    if spec.uses("validity"):
        for name, label in (("valid_from", _l("Valid from")), ("valid_to", _l("Valid to"))):
            fields[name] = StringField(label, validators=[Length(max=40)],
                                       render_kw={"type": "date", **_required(spec.requires("validity"))})
    fields.update(_invoice_fields(process))
    if spec.uses("deadline"):
        fields["deadline"] = StringField(_l("Pay by (optional)"), validators=[Optional(), Length(max=40)],
                                         render_kw={"type": "date"})
    return fields


def _vat_label(rate: str):
    return _l("VAT exempt") if rate == VAT_EXEMPT else f"{rate} %"


def _invoice_fields(process: ProcessDefinition) -> dict:
    """The invoice's number and date (required as the rule file says) and its VAT rate and amount."""
    spec, fields = process.card, {}
    if spec.uses("invoice_number"):
        fields["invoice_number"] = StringField(_l("Invoice number"), validators=[Length(max=100)], render_kw={
            "maxlength": 100, "autocomplete": "off", **_required(spec.requires("invoice_number"))})
    if spec.uses("invoice_date"):
        fields["invoice_date"] = StringField(_l("Invoice date"), validators=[Length(max=40)],
                                             render_kw={"type": "date", **_required(spec.requires("invoice_date"))})
    if spec.vat_rates:
        rates = choices((rate, _vat_label(rate)) for rate in spec.vat_rates)
        fields["vat_rate"] = SelectField(_l("VAT rate"), choices=rates, default=spec.vat_rates[0],
                                         validate_choice=False)
        fields["vat_amount"] = StringField(_l("VAT amount, ₽ (optional)"), validators=[Optional(), Length(max=40)],
                                           render_kw={"inputmode": "decimal", "autocomplete": "off"})
    return fields


def new_card_form(process: ProcessDefinition) -> FlaskForm:
    """A form with the fields `process`'s cards have (required / optional / absent as its file says)."""
    spec = process.card
    fields: dict = {}
    if spec.uses("counterparty"):
        fields.update(_counterparty_fields(spec.requires("counterparty")))
    fields.update(_plain_fields(process))
    if spec.document is not None:
        fields[spec.document.field] = FileField(render_kw={
            "accept": ACCEPT, "data-validate": "file", **_required(spec.document.required)})
    if spec.contract_process is not None:
        fields["contract_id"] = SelectField(_l("Signed contract (optional)"), choices=[], validate_choice=False)
    fields["comment"] = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)],
                                      render_kw={"rows": 3, "maxlength": 5000})
    form = type(f"New{process.id.title()}Form", (FlaskForm,), fields)()
    if spec.document is not None:
        form[spec.document.field].label.text = spec.document.title.get(locale())
    return form


class NewVersionForm(FlaskForm):
    """A new version of a versioned document, with what changed."""

    document = FileField(_l("New version of the document"), render_kw={"accept": ACCEPT, "required": True,
                                                                        "data-validate": "file"})
    comment = TextAreaField(_l("What changed (optional)"), validators=[Optional(), Length(max=5000)],
                            render_kw={"rows": 2, "maxlength": 5000})
