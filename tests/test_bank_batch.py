"""The batched statement import and export: one stored statement for every match, timeline chains intact."""

from __future__ import annotations

from sqlalchemy import select

from soglasie.models import Attachment
from soglasie.services.bank_statements import import_statement
from tests.conftest import T0
from tests.helpers import card
from tests.test_bank import at_payment, export, pay, statement_from


def test_one_statement_file_is_stored_once_and_every_chain_still_verifies(core, users, invoice):
    ids = [at_payment(core, users, invoice, amount=f"{1000 + n}.00") for n in range(3)]
    for card_id in ids:
        pay(core, users, card_id)
    data = statement_from(export(core, users, ids).data)
    report = import_statement(core, users["accountant"], data, "statement.txt", T0)
    assert [row["request_id"] for row in report["matched"]] == ids
    with core.db.read() as session:
        rows = [(row.card_id, row.sha256) for row in
                session.scalars(select(Attachment).where(Attachment.purpose == "bank_statement"))]
    assert sorted(card_id for card_id, _ in rows) == ids and len({sha for _, sha in rows}) == 1
    sha256 = rows[0][1]
    assert core.store.read(sha256) == data
    assert len([path for path in core.store.root.rglob("*") if path.is_file() and path.name == sha256]) == 1
    for card_id in ids:
        view = card(core, users, card_id)
        assert view["stage"] == "paid" and view["history_verified"] is True, view.get("history_problem")
        events = [row["event"] for row in view["timeline"]]
        assert events.count("payment_order_exported") == 1 and "completed" in events
