"""Validation of user input shared by every surface: bank details, amounts, files, names."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from soglasie.errors import ValidationError
from soglasie.i18n import _

MAX_AMOUNT = Decimal("999999999999.99")  # fits Money's BigInteger kopecks with a wide margin
MAX_ID = 2**31 - 1  # the widest id column (PostgreSQL integer): a bigger number is no id at all
_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8  # the Central Bank's control key weights over 23 digits
# Plain decimal notation in ASCII digits: Decimal() alone also takes "1_000", "1e3", "+5" and non-ASCII digits.
_AMOUNT_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _control(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def is_valid_inn(inn: str) -> bool:
    """True for a 10-digit (organisation) or 12-digit (individual) INN with right checksums."""
    if not re.fullmatch(r"\d{10}|\d{12}", inn or ""):
        return False
    if len(inn) == 10:
        return _control(inn, _INN10_WEIGHTS) == int(inn[9])
    return _control(inn, _INN12_WEIGHTS_1) == int(inn[10]) and _control(
        inn, _INN12_WEIGHTS_2
    ) == int(inn[11])


def is_valid_account(account: str, bik: str) -> bool:
    """True when a 20-digit settlement account matches the bank's BIK by its control key.

    The key is computed over the BIK's last three digits followed by the account (for a
    cash-settlement centre — BIK digits 7–9 = "000"/"001"/"002" — "0" + BIK digits 5–6).
    """
    if not re.fullmatch(r"\d{20}", account or "") or not re.fullmatch(r"\d{9}", bik or ""):
        return False
    prefix = "0" + bik[4:6] if bik[6:9] in ("000", "001", "002") else bik[6:9]
    digits = prefix + account
    return sum(int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS)) % 10 == 0


def clean_inn(raw: str | None, field: str = "inn") -> str:
    """The INN without spaces, or a ValidationError naming `field`."""
    inn = (raw or "").strip().replace(" ", "")
    if not inn:
        raise ValidationError(_("INN is required."), field)
    if not re.fullmatch(r"\d{10}|\d{12}", inn):
        raise ValidationError(
            _("INN must be 10 or 12 digits."), field
        )
    if not is_valid_inn(inn):
        raise ValidationError(
            _("Invalid INN: checksum mismatch."),
            field,
        )
    return inn


def clean_kpp(raw: str | None) -> str | None:
    """KPP: empty, or 9 characters (4 digits, 2 digits or capital letters, 3 digits)."""
    kpp = (raw or "").strip().upper()
    if not kpp:
        return None
    if not re.fullmatch(r"\d{4}[\dA-Z]{2}\d{3}", kpp):
        raise ValidationError(
            _("KPP is 9 characters: 4 digits, 2 digits or letters, 3 digits."),
            "kpp",
        )
    return kpp


def clean_bank_details(bik: str | None, account: str | None) -> tuple[str | None, str | None]:
    """BIK and account together (both or neither), the account checked against the BIK."""
    bik, account = (bik or "").strip(), (account or "").strip().replace(" ", "")
    if not bik and not account:
        return None, None
    if not re.fullmatch(r"\d{9}", bik):
        raise ValidationError(_("BIK must be 9 digits."), "bik")
    if not re.fullmatch(r"\d{20}", account):
        raise ValidationError(
            _("The account number must be 20 digits."), "account"
        )
    if not is_valid_account(account, bik):
        raise ValidationError(
            _("The account does not match the BIK: control key mismatch."),
            "account",
        )
    return bik, account


def clean_corr_account(raw: str | None, bik: str, field: str = "corr_account") -> str:
    """The bank's correspondent account: 20 digits starting 30101 and ending with the BIK's last three digits."""
    corr = (raw or "").strip().replace(" ", "")
    if not re.fullmatch(r"30101\d{15}", corr) or corr[-3:] != bik[-3:]:
        raise ValidationError(_("The correspondent account is 20 digits starting 30101 and ending with the BIK's "
                                "last three digits."), field)
    return corr


def clean_amount(raw, field: str = "amount") -> Decimal:
    """A positive amount in rubles with at most two decimals, below MAX_AMOUNT."""
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "") if raw is not None else ""
    if not text:
        raise ValidationError(_("Amount is required."), field)
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # Russian decimal comma
    if not _AMOUNT_TEXT.fullmatch(text):
        raise ValidationError(_("Amount must be a number."), field)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("Amount must be a number."), field) from None
    if not amount.is_finite():
        raise ValidationError(_("Amount must be a number."), field)
    if amount <= 0:
        raise ValidationError(_("Amount must be greater than zero."), field)
    if amount > MAX_AMOUNT:  # before quantize, which overflows on absurd values
        raise ValidationError(
            _("Amount is too large (maximum %(max)s).", max=MAX_AMOUNT),
            field,
        )
    if amount != amount.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        raise ValidationError(
            _("At most two decimal places."), field
        )
    return amount.quantize(Decimal("0.01"))


def clean_text(raw: str | None, field: str, *, required: bool = False, max_length: int = 5000) -> str:
    """Stripped text of bounded length (control characters other than newlines removed)."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", (raw or "")).strip()
    if required and not text:
        raise ValidationError(_("This field is required."), field)
    if len(text) > max_length:
        raise ValidationError(
            _("At most %(count)s characters.", count=max_length), field
        )
    return text


def is_id(raw) -> bool:
    """True for a whole number (or its ASCII digits) that fits an id column: 1 … MAX_ID."""
    if isinstance(raw, bool):
        return False
    if isinstance(raw, int):
        return 1 <= raw <= MAX_ID
    text = str(raw if raw is not None else "").strip()
    return text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ID


def clean_id(raw, field: str, message=None) -> int:
    """An id from user input, or a ValidationError naming `field` (never a number the database cannot hold)."""
    if not is_id(raw):
        raise ValidationError(message or _("Invalid id."), field)
    return int(str(raw).strip())
