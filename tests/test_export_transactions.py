"""The CSV/XLSX export holds no transaction open while the file streams (issue 11, point 2).

Before: one read transaction (and its pooled connection) stayed open from the first row to the
last, i.e. for as long as a slow client took to download the file.
"""

from __future__ import annotations

import datetime as dt

import pytest

from soglasie.services import worklists
from soglasie.services.queries import CardFilter
from tests.conftest import T0
from tests.helpers import file_request


@pytest.fixture
def three_requests(core, users, invoice) -> list[int]:
    return [file_request(core, users, invoice, amount=f"{100 + n}.00", now=T0 + dt.timedelta(minutes=n))
            for n in range(3)]


def test_no_connection_is_held_between_the_rows_of_an_export(core, users, three_requests, monkeypatch):
    monkeypatch.setattr(worklists, "EXPORT_CHUNK", 2)
    rows = worklists.export_rows(core, users["ops"], CardFilter(kind="payment", sort="-created"))
    first = next(rows)  # the client has the first row and is slow to ask for more
    assert core.db.engine.pool.checkedout() == 0
    rest = list(rows)
    assert [row[0] for row in [first, *rest]] == list(reversed(three_requests))  # the list's order, across chunks


def test_a_card_that_changed_while_the_export_streamed_is_exported_as_it_is_then(core, users, three_requests,
                                                                                  monkeypatch):
    monkeypatch.setattr(worklists, "EXPORT_CHUNK", 1)
    rows = worklists.export_rows(core, users["ops"], CardFilter(kind="payment", sort="id"))
    assert next(rows)[3] is not None
    from soglasie.models import Card

    with core.db.write() as session:  # a writer is not blocked by the export, on either database
        session.get(Card, three_requests[2]).comment = "changed meanwhile"
    assert [row[12] for row in rows][-1] == "changed meanwhile"
