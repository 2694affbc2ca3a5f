"""The texts app.js shows (as-you-type validation, pickers), in the page's language."""

from __future__ import annotations

from flask_babel import gettext as _


def js_messages() -> dict[str, str]:
    """Message ids → translated text; rendered into a non-executable JSON block of each page."""
    return {
        "required": _("This field is required."),
        "inn_length": _("INN must be 10 or 12 digits."),
        "inn_checksum": _("Invalid INN: checksum mismatch."),
        "kpp_format": _("KPP is 9 characters: 4 digits, 2 digits or letters, 3 digits."),
        "bik_format": _("BIK must be 9 digits."),
        "account_format": _("The account number must be 20 digits."),
        "account_key": _("The account does not match the BIK: control key mismatch."),
        "bank_pair": _("Give both the BIK and the account, or neither."),
        "amount_number": _("Amount must be a number."),
        "amount_positive": _("Amount must be greater than zero."),
        "amount_decimals": _("At most two decimal places."),
        "file_too_big": _("The file is larger than the allowed %(size)s.", size="{size}"),
        "file_type": _("File type not allowed. Allowed: PDF, PNG, JPEG, TIFF, DOC/DOCX, XLS/XLSX."),
        "found": _("Selected: {name}"),
        "not_found": _("No counterparty with this INN in the directory — add it below."),
        "searching": _("Searching…"),
        "existing": _("Already in the directory: {name}."),
        "use_it": _("Use it"),
        "copy": _("Copy"),
        "copied": _("Copied"),
        "valid": _("Looks right."),
        "choose_file": _("Choose a file or drop it here"),
        "choose_files": _("Choose files or drop them here"),
        "contract_left": _("Left on this contract: {remaining}."),
        "contract_over": _("The amount exceeds what is left of the contract ({remaining}): the rules decide whether "
                           "the request is accepted, and finance will see it."),
        "no_contracts": _("No signed contracts with this counterparty: the request goes without one."),
    }
