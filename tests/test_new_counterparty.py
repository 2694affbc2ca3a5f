"""A new counterparty filed with its payment request: one transaction, so a refused request leaves none behind."""

from __future__ import annotations

import io
import shutil

import pytest
from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.errors import Conflict, ValidationError
from soglasie.models import Card, Counterparty
from tests.helpers import create_payment_request
from tests.conftest import RULES_DIR, T0
from tests.support.files import pdf_bytes

ROMASHKA = {"name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001", "bik": "044525225",
            "account": "40702810281590830166"}


@pytest.fixture
def blocking_core(settings, tmp_path):
    """The repository's rules, but "more than 50 million" blocks the request instead of warning."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    text = (rules / "payment.yaml").read_text()
    assert "when: amount > 50000000\n    level: warn" in text
    (rules / "payment.yaml").write_text(text.replace("when: amount > 50000000\n    level: warn",
                                                     "when: amount > 50000000\n    level: block"))
    runtime = Core.from_settings(settings.with_overrides(rules_dir=rules))
    yield runtime
    runtime.db.dispose()


def _counts(core) -> tuple[int, int]:
    with core.db.read() as session:
        return (session.scalar(select(func.count(Counterparty.id))), session.scalar(select(func.count(Card.id))))


def _file(core, users, invoice, amount="150000.00", **counterparty):
    return create_payment_request(core, users["memployee"], T0, counterparty_inn=None, amount=amount,
                                  cost_item="PACK", invoice=invoice, new_counterparty={**ROMASHKA, **counterparty})


def test_the_counterparty_and_its_request_are_saved_together(core, users, invoice):
    before = _counts(core)
    created = _file(core, users, invoice)
    assert _counts(core) == (before[0] + 1, before[1] + 1)
    with core.db.read() as session:
        card = session.get(Card, created.card_id)
        assert (card.counterparty.inn, card.counterparty.bik, card.counterparty.created_by_id) == (
            "7707083893", "044525225", users["memployee"])


@pytest.mark.parametrize(("changes", "error", "field"), [
    ({"amount": "60000000.00"}, ValidationError, "amount"),  # the rules block it: nothing is written at all
    ({"inn": "7701526010"}, Conflict, "inn"),  # already in the directory
    ({"inn": "7707083890"}, ValidationError, "inn"),
    ({"account": "40702810281590830167"}, ValidationError, "account"),
    ({"name": " "}, ValidationError, "name"),
    ({"amount": "0"}, ValidationError, "amount"),
])
def test_a_refused_request_leaves_no_counterparty_behind(blocking_core, users, invoice, changes, error, field):
    before = _counts(blocking_core)
    changes = dict(changes)  # the parameters are shared by both backends
    amount = changes.pop("amount", "150000.00")
    with pytest.raises(error) as raised:
        _file(blocking_core, users, invoice, amount=amount, **changes)
    assert raised.value.field == field
    assert _counts(blocking_core) == before


def test_the_form_files_both_at_once_or_neither(blocking_core, users):
    from tests.webapp.conftest import Auth, Clock
    from webapp import create_app

    app = create_app({"SOGLASIE_CORE": blocking_core, "TESTING": True, "SOGLASIE_CLOCK": Clock(T0)})
    auth = Auth(app.test_client(), blocking_core, users).login("memployee")
    before = _counts(blocking_core)
    fields = {"counterparty_inn": "", "new_counterparty": "y", "new_name": ROMASHKA["name"], "new_inn": ROMASHKA["inn"],
              "cost_item": "PACK", "amount": "60 000 000"}
    refused = auth.post("/requests/new", {**fields, "invoice": (io.BytesIO(pdf_bytes()), "i.pdf")},
                        content_type="multipart/form-data")
    assert refused.status_code == 422 and "больше 50 млн" in refused.get_data(as_text=True)
    assert _counts(blocking_core) == before
    accepted = auth.post("/requests/new", {**fields, "amount": "1 000", "invoice": (io.BytesIO(pdf_bytes()), "i.pdf")},
                         content_type="multipart/form-data")
    assert accepted.status_code == 303
    assert _counts(blocking_core) == (before[0] + 1, before[1] + 1)
