"""Filing a card from the new-card form: the choices it offers and the CardInput it sends."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from soglasie.rulebook.model import ProcessDefinition
from soglasie.services import contract_links, directory
from soglasie.services.cards import CardInput, create_card
from soglasie.services.common import Upload
from webapp.i18n import money
from webapp.runtime import actor_id, core, now
from webapp.ui import choices


def prepare(form, process: ProcessDefinition) -> None:
    """The select fields' choices; on a GET, `?contract=N` (a contract card's link) prefilled."""
    if hasattr(form, "cost_item"):
        form.cost_item.choices = choices([("", _("Choose a cost item…"))] + [
            (item["code"], f"{item['name']} · {item['code']}") for item in directory.list_cost_items(core())])
    if hasattr(form, "contract_id"):
        if request.method == "GET":
            _prefill(form, process)
        form.contract_id.choices = _contract_choices(form, process)


def _payable(process: ProcessDefinition) -> list[dict]:
    return contract_links.payable_contracts(core(), actor_id(), now(), payer=process.id)


def _contract_choices(form, process: ProcessDefinition) -> list[SelectChoice]:
    """Signed contracts valid today the user may pay against, each with what is left of it.

    With a counterparty chosen, only its contracts; app.js narrows the list as the user picks
    one and warns when the amount exceeds the remainder (the rules decide when filing).
    """
    chosen = None
    if hasattr(form, "counterparty_inn") and not form.new_counterparty.data:
        chosen = inn_of(form.counterparty_inn.data)
    payable = _payable(process)
    if chosen and chosen.isdigit():
        payable = [item for item in payable if item["counterparty"]["inn"] == chosen]
    options = [SelectChoice(str(item["id"]), _(
        "№%(id)d · %(subject)s · %(counterparty)s · %(remaining)s left", id=item["id"], subject=item["subject"],
        counterparty=item["counterparty"]["name"], remaining=money(item["remaining"])),
        render_kw={"data-inn": item["counterparty"]["inn"], "data-remaining": item["remaining"],
                   "data-remaining-text": money(item["remaining"])}) for item in payable]
    return [SelectChoice("", _("— without a contract —"))] + options


def _prefill(form, process: ProcessDefinition) -> None:
    """`?contract=N`: that contract and its counterparty."""
    wanted = request.args.get("contract", "")
    found = next((item for item in _payable(process) if str(item["id"]) == wanted), None)
    if found is not None:
        form.contract_id.data = str(found["id"])
        if hasattr(form, "counterparty_inn"):
            form.counterparty_inn.data = found["counterparty"]["inn"]


def _value(form, name: str):
    field = getattr(form, name, None)
    return field.data if field is not None else None


def _new_counterparty(form) -> dict | None:
    if not _value(form, "new_counterparty"):
        return None
    return {"name": form.new_name.data, "inn": form.new_inn.data, "kpp": form.new_kpp.data,
            "bik": form.new_bik.data, "account": form.new_account.data}


def file_card(form, process: ProcessDefinition):
    """File the card; a new counterparty is added with it in the same transaction."""
    document = process.card.document
    storage = _value(form, document.field) if document is not None else None
    upload = Upload(storage.read(), storage.filename or document.field) if storage else None
    inn = _value(form, "counterparty_inn")
    return create_card(core(), actor_id(), now(), process.id, CardInput(
        counterparty_inn=inn_of(inn) if inn is not None else None, new_counterparty=_new_counterparty(form),
        amount=_value(form, "amount"), cost_item=_value(form, "cost_item"), subject=_value(form, "subject"),
        valid_from=_value(form, "valid_from"), valid_to=_value(form, "valid_to"),
        deadline=_value(form, "deadline") or None, comment=_value(form, "comment"),
        contract_id=_value(form, "contract_id") or None, document=upload,
        document_field=document.field if document is not None else "document",
        invoice_number=_value(form, "invoice_number"), invoice_date=_value(form, "invoice_date") or None,
        vat_rate=_value(form, "vat_rate"), vat_amount=_value(form, "vat_amount") or None, asked_by_form=True))


def inn_of(picked: str | None) -> str | None:
    """The picker's value: an INN, or a name typed in full that names exactly one counterparty."""
    value = (picked or "").strip()
    if not value or value.replace(" ", "").isdigit():
        return value
    found = directory.list_counterparties(core(), value, limit=20)
    exact = [item for item in found if item["name"].casefold() == value.casefold()]
    chosen = exact if exact else found
    return chosen[0]["inn"] if len(chosen) == 1 else value
