"""The new contract form and the new-version form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from webapp.requests.forms import ACCEPT


class NewContractForm(FlaskForm):
    """Every field of a contract card; the core validates the values themselves."""

    counterparty_inn = StringField(_l("Counterparty"), validators=[Optional(), Length(max=300)],
                                   render_kw={"list": "counterparty-options", "autocomplete": "off",
                                              "data-counterparty-picker": "1", "required": True,
                                              "placeholder": _l("Name or INN")})
    subject = StringField(_l("Subject of the contract"), validators=[Length(max=500)],
                          render_kw={"required": True, "maxlength": 500,
                                     "placeholder": _l("Supply of packaging, 2027")})
    amount = StringField(_l("Contract amount (the limit), ₽"), validators=[Length(max=40)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off", "placeholder": "500 000,00",
                                    "data-validate": "amount", "required": True})
    valid_from = StringField(_l("Valid from"), validators=[Length(max=40)],
                             render_kw={"type": "date", "required": True})
    valid_to = StringField(_l("Valid to"), validators=[Length(max=40)], render_kw={"type": "date", "required": True})
    document = FileField(_l("Contract document"), render_kw={"accept": ACCEPT, "required": True,
                                                             "data-validate": "file"})
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)],
                            render_kw={"rows": 3, "maxlength": 5000})

    # The core's field names are this form's.
    CORE_FIELDS = {name: name for name in ("counterparty_inn", "subject", "amount", "valid_from", "valid_to",
                                           "document", "comment")}


class NewVersionForm(FlaskForm):
    """A new version of the contract document, with what changed."""

    document = FileField(_l("New version of the document"), render_kw={"accept": ACCEPT, "required": True,
                                                                        "data-validate": "file"})
    comment = TextAreaField(_l("What changed (optional)"), validators=[Optional(), Length(max=5000)],
                            render_kw={"rows": 2, "maxlength": 5000})

    CORE_FIELDS = {"document": "document", "comment": "comment"}
