"""An invoice on a card: its number, date and VAT, cleaned; the normalised number; the payment purpose.

The amount of a payment request is the invoice total including VAT, so the VAT in it is
`amount × rate / (100 + rate)`, rounded half-up to the kopeck, when not written on the
request; when written, it must match that to the kopeck. "exempt" is the rate code of an
invoice without VAT (без НДС); its VAT amount is 0.00. The normalised number ignores case,
spaces, `№`, `#`, `-`, an `INV`/`СЧ` prefix and leading zeros, so "СЧ-000123" and "123" are
the same invoice (docs/rules.md, "Duplicate invoices").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from soglasie.errors import ValidationError
from soglasie.i18n import _
from soglasie.notifications.messages import format_amount
from soglasie.rulebook.model import VAT_EXEMPT, CardSpec
from soglasie.validation import clean_amount

MAX_NUMBER = 100
_IGNORED = re.compile(r"[\s№#\-]+")
_PREFIX = re.compile(r"^(?:INV|СЧ)\.?")
KOPECK = Decimal("0.01")


@dataclass(frozen=True)
class InvoiceFields:
    """The invoice's fields as stored on the card (None: not given)."""

    invoice_number: str | None = None
    invoice_date: dt.date | None = None
    vat_rate: str | None = None
    vat_amount: Decimal | None = None
    invoice_key: str | None = None
    invoice_year: int | None = None


def normalize_invoice_number(raw: str | None) -> str | None:
    """The number duplicates are compared by: "INV-000123" → "123", "Сч. № 0045/А" → "45/А"; None when empty."""
    text = _IGNORED.sub("", (raw or "").upper())
    text = _PREFIX.sub("", text) or text
    text = text.lstrip("0") or ("0" if text else "")
    return text or None


def vat_of(amount: Decimal, rate: str) -> Decimal:
    """The VAT inside an amount that includes it: amount × rate / (100 + rate), half-up to the kopeck."""
    if rate == VAT_EXEMPT:
        return Decimal("0.00")
    percent = Decimal(rate)
    return (amount * percent / (100 + percent)).quantize(KOPECK, rounding=ROUND_HALF_UP)


def clean_invoice(spec: CardSpec, raw: dict, amount: Decimal | None, now: dt.datetime, tz: dt.tzinfo,
                  enforce_required: bool) -> InvoiceFields:
    """The invoice fields of `raw` (invoice_number, invoice_date, vat_rate, vat_amount) checked against `spec`.

    `enforce_required`: the portal form asks for what the rule file requires; the API does not.
    The invoice year is the invoice date's, else the filing date's.
    """
    number = _number(raw.get("invoice_number"), spec, enforce_required)
    day = _date(raw.get("invoice_date"), spec, enforce_required, now.astimezone(tz).date())
    rate, vat = _vat(raw.get("vat_rate"), raw.get("vat_amount"), spec, amount)
    key = normalize_invoice_number(number)
    year = (day or now.astimezone(tz).date()).year if key else None
    return InvoiceFields(invoice_number=number, invoice_date=day, vat_rate=rate, vat_amount=vat,
                         invoice_key=key, invoice_year=year)


def _given(raw) -> bool:
    return raw is not None and str(raw).strip() != ""


def _number(raw, spec: CardSpec, enforce_required: bool) -> str | None:
    if not spec.uses("invoice_number") or not _given(raw):
        if enforce_required and spec.requires("invoice_number"):
            raise ValidationError(_("The invoice number is required."), "invoice_number")
        return None
    number = " ".join(str(raw).split())
    if len(number) > MAX_NUMBER:
        raise ValidationError(_("At most %(count)d characters.", count=MAX_NUMBER), "invoice_number")
    if normalize_invoice_number(number) is None:
        raise ValidationError(_("The invoice number needs letters or digits."), "invoice_number")
    return number


def _date(raw, spec: CardSpec, enforce_required: bool, today: dt.date) -> dt.date | None:
    if not spec.uses("invoice_date") or not _given(raw):
        if enforce_required and spec.requires("invoice_date"):
            raise ValidationError(_("The invoice date is required."), "invoice_date")
        return None
    try:
        day = dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError(_("Invalid date (YYYY-MM-DD expected)."), "invoice_date") from None
    if day > today:
        raise ValidationError(_("The invoice date is in the future."), "invoice_date")
    return day


def _vat(raw_rate, raw_amount, spec: CardSpec, amount: Decimal | None) -> tuple[str | None, Decimal | None]:
    """The rate (one the process offers) and the VAT amount: computed, or the one given if it matches."""
    if not spec.vat_rates or not _given(raw_rate):
        if spec.vat_rates and _given(raw_amount):
            raise ValidationError(_("Choose the VAT rate."), "vat_rate")
        return None, None
    rate = str(raw_rate).strip().replace("%", "").replace(" ", "").lower()
    if rate not in spec.vat_rates:
        raise ValidationError(_("Unknown VAT rate; expected one of: %(rates)s.", rates=", ".join(spec.vat_rates)),
                              "vat_rate")
    if amount is None:
        return rate, None
    expected = vat_of(amount, rate)
    if _given(raw_amount):
        if _clean_vat_amount(raw_amount) != expected:
            raise ValidationError(_("The VAT amount does not match the rate: %(expected)s expected.",
                                    expected=f"{expected:.2f}"), "vat_amount")
    return rate, expected


def _clean_vat_amount(raw) -> Decimal:
    """A VAT amount as written: zero or more, at most two decimals (the amount's own rules otherwise)."""
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        if Decimal(text) == 0:
            return Decimal("0.00")
    except ArithmeticError:
        pass
    return clean_amount(raw, "vat_amount")


def payment_purpose(card, locale: str | None) -> str | None:
    """The payment purpose for the accountant, from the card's invoice fields; None for a card without them.

    "Оплата по счёту № 123 от 01.12.2026, в т. ч. НДС 22 % — 27 049,18 ₽" / "…, без НДС";
    English: "Payment for invoice No. 123 of 2026-12-01, incl. VAT 22 % — 27,049.18 RUB".
    `card` is anything with `invoice_number`, `invoice_date`, `vat_rate`, `vat_amount` (a Card).
    """
    number, day, rate = card.invoice_number, card.invoice_date, card.vat_rate
    if number is None and day is None and rate is None:
        return None
    parts = [_invoice_words(number, day, locale)]
    if rate == VAT_EXEMPT:
        parts.append(_("VAT exempt").get(locale))
    elif rate is not None and card.vat_amount is not None:
        parts.append(_("incl. VAT %(rate)s %% — %(amount)s", rate=rate,
                       amount=format_amount(card.vat_amount, locale)).get(locale))
    return ", ".join(parts)


def _invoice_words(number: str | None, day: dt.date | None, locale: str | None) -> str:
    date = (day.isoformat() if locale == "en" else day.strftime("%d.%m.%Y")) if day else None
    if number and date:
        return _("Payment for invoice No. %(number)s of %(date)s", number=number, date=date).get(locale)
    if number:
        return _("Payment for invoice No. %(number)s", number=number).get(locale)
    if date:
        return _("Payment for the invoice of %(date)s", date=date).get(locale)
    return _("Payment for the invoice").get(locale)
