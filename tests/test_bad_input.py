"""Bad input gets a clear error naming the field, and nothing is written — not a row, not a file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from soglasie.errors import Conflict, ValidationError
from soglasie.models import Attachment, Card, Counterparty, TimelineEvent
from soglasie.services import directory
from tests.helpers import create_payment_request
from soglasie.services.common import Upload
from tests.conftest import T0
from tests.support.files import PNG_1PX, pdf_bytes

GOOD = {"counterparty_inn": "7701526010", "amount": "150000.00", "cost_item": "PACK"}
PDF = Upload(pdf_bytes(), "invoice.pdf")


def _counts(core) -> tuple[int, int, int, int]:
    with core.db.read() as session:
        files = sum(1 for path in core.store.root.rglob("*") if path.is_file()) if core.store.root.exists() else 0
        return (session.scalar(select(func.count(Card.id))), session.scalar(select(func.count(Attachment.id))),
                session.scalar(select(func.count(TimelineEvent.id))), files)


@pytest.mark.parametrize(("changes", "field"), [
    ({"counterparty_inn": "7701526011"}, "counterparty_inn"),  # checksum
    ({"counterparty_inn": "77015260"}, "counterparty_inn"),  # length
    ({"counterparty_inn": "7707083893"}, "counterparty_inn"),  # valid, but not in the directory
    ({"amount": "0"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "10.005"}, "amount"),
    ({"amount": "1e30"}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"amount": "сто рублей"}, "amount"),
    ({"amount": ""}, "amount"),
    ({"cost_item": "NOPE"}, "cost_item"),
    ({"cost_item": ""}, "cost_item"),
    ({"deadline": "2020-01-01T10:00:00+03:00"}, "deadline"),
    ({"deadline": "next friday"}, "deadline"),
    ({"comment": "x" * 6000}, "comment"),
    ({"invoice": None}, "invoice"),
    ({"invoice": Upload(b"", "empty.pdf")}, "invoice"),
    ({"invoice": Upload(b"MZ\x90\x00 not a document", "invoice.pdf")}, "invoice"),  # an .exe named .pdf
    ({"invoice": Upload(b"<script>alert(1)</script>", "invoice.html")}, "invoice"),
])
def test_bad_payment_request_is_refused_with_the_field_and_writes_nothing(core, users, changes, field):
    before = _counts(core)
    arguments = {**GOOD, "invoice": PDF, **changes}
    with pytest.raises(ValidationError) as error:
        create_payment_request(core, users["memployee"], T0, **arguments)
    assert error.value.field == field
    assert error.value.message("ru") and error.value.message("en")
    assert _counts(core) == before


def test_oversized_file_is_refused(core, users):
    core.store.max_bytes = 1024
    big = Upload(pdf_bytes() + b"%" * 2048, "big.pdf")
    with pytest.raises(ValidationError) as error:
        create_payment_request(core, users["memployee"], T0, **GOOD, invoice=big)
    assert error.value.field == "invoice" and "1" in error.value.message("en")


def test_a_png_scan_is_accepted(core, users):
    created = create_payment_request(
        core, users["memployee"], T0, **GOOD, invoice=Upload(PNG_1PX, "scan.png"))
    assert created.stage == "head_approval"


@pytest.mark.parametrize(("fields", "field"), [
    ({"inn": "7701526011"}, "inn"),
    ({"inn": "7701526010"}, "inn"),  # exists already
    ({"name": " "}, "name"),
    ({"kpp": "12345"}, "kpp"),
    ({"bik": "04452522", "account": "40702810281590830166"}, "bik"),
    ({"bik": "044525225", "account": "4070281028159083016"}, "account"),
    ({"bik": "044525225", "account": "40702810281590830167"}, "account"),  # control key
])
def test_bad_counterparty_is_refused(core, users, fields, field):
    arguments = {"name": "ООО «Новый»", "inn": "7707083893", **fields}
    with core.db.read() as session:
        before = session.scalar(select(func.count(Counterparty.id)))
    with pytest.raises((ValidationError, Conflict)) as error:
        directory.create_counterparty(core, users["memployee"], T0, **arguments)
    assert error.value.field == field
    with core.db.read() as session:
        assert session.scalar(select(func.count(Counterparty.id))) == before


def test_a_valid_new_counterparty_is_saved(core, users):
    saved = directory.create_counterparty(core, users["memployee"], T0, name="ПАО Сбербанк", inn="7707083893",
                                          kpp="773601001", bik="044525225", account="40702810938000000001")
    assert saved["inn"] == "7707083893"
