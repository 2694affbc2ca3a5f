"""The API's list in a few batched queries (same rows as one card at a time) and the exact unread count."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import event, insert

from soglasie.models import Card, OutboxMessage
from soglasie.notifications.outbox import INBOX
from soglasie.services import profile, queries
from soglasie.services.views import card_summary
from tests.conftest import T0
from tests.helpers import file_contract, file_request


@contextlib.contextmanager
def counted(core):
    """The number of SQL statements run inside the block."""
    statements = []

    def note(*_args):
        statements.append(1)

    event.listen(core.db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(core.db.engine, "before_cursor_execute", note)


@pytest.mark.parametrize("viewer", ["ops", "mhead"])
def test_a_page_of_the_list_costs_a_few_queries_whatever_its_length(core, users, invoice, viewer):
    for index in range(12):
        who = ("memployee", "mhead", "pemployee")[index % 3]
        file_request(core, users, invoice, who=who, amount=f"{1000 + index}.00",
                     counterparty_inn=("7701526010", "7814131862")[index % 2])
    with counted(core) as few:
        queries.list_cards(core, users[viewer], queries.CardFilter(kind="payment"), 1, 3)
    with counted(core) as many:
        page = queries.list_cards(core, users[viewer], queries.CardFilter(kind="payment"), 1, 50)
    assert len(many) == len(few) <= 12, (len(few), len(many))  # it was 3 more per card
    assert page["total"] == len(page["items"]) == (12 if viewer == "ops" else 8)
    with core.db.read() as session:
        for item in page["items"]:
            one = card_summary(session, session.get(Card, item["id"]), core.rulebook.calendar.tz)
            assert {key: item[key] for key in one} == one  # the same shape as before, plus the cost item
            assert item["cost_item"]["code"] == "PACK"


def test_contracts_in_the_list_carry_their_subject_and_validity(core, users):
    card_id = file_contract(core, users, subject="Аренда склада")
    item = queries.list_cards(core, users["ops"], queries.CardFilter(kind="contract"))["items"][0]
    assert (item["id"], item["kind"], item["subject"], item["valid_from"], item["valid_to"], item["cost_item"]) == (
        card_id, "contract", "Аренда склада", "2026-11-01", "2027-12-31", None)
    found = queries.list_cards(core, users["ops"], queries.CardFilter(kind="contract", search="склад"))
    assert [row["id"] for row in found["items"]] == [card_id]


def test_the_unread_badge_counts_every_unread_message(core, users):
    """Exact, not among the newest few hundred: an old unread message still counts."""
    finance = users["finance"]
    rows = [{"recipient_id": finance, "channel": INBOX, "kind": "task_assigned", "text": f"n{index}", "payload": {},
             "status": "sent", "attempts": 0, "idempotency_key": f"t:{index}",
             "created_at": T0 + dt.timedelta(minutes=index), "sent_at": T0 + dt.timedelta(minutes=index),
             "read_at": None if index < 3 else T0 + dt.timedelta(days=1)} for index in range(700)]
    with core.db.write() as session:
        session.execute(insert(OutboxMessage), rows)
    assert profile.unread_count(core, finance) == 3  # the three oldest, behind 697 read ones
    queries.mark_notifications_read(core, finance, T0 + dt.timedelta(days=2))
    assert profile.unread_count(core, finance) == 0
