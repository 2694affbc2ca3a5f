"""Fitting a summary into Telegram's limits: the comment goes first, a warning never."""

from __future__ import annotations

import datetime as dt

import pytest

from soglasie.models import Card
from soglasie.process import budgets as budget_lines
from soglasie.services import budgets
from soglasie.services.card_warnings import card_warnings
from soglasie.telegram_bot.summary import APPROVALS_CUT, COMMENT_CUT, HEADLINE_CUT, Piece, budget_text, fit
from tests.conftest import MSK
from tests.helpers import T0, file_contract, file_request, sign_contract

JUNE = dt.datetime(2026, 6, 2, 10, 0, tzinfo=MSK)  # a Tuesday
WARNING = Piece("⚠️ " + "w" * 40)
LINK = Piece("https://soglasie.example.com/requests/1")


def _pieces(comment: int, approvals: int = 20, headline: int = 30) -> list[Piece]:
    return [Piece("H" * headline, HEADLINE_CUT), Piece("C" * comment, COMMENT_CUT), WARNING,
            Piece("A" * approvals, APPROVALS_CUT), LINK]


@pytest.mark.parametrize("pieces, limit, expected", [
    # everything fits: unchanged
    (_pieces(10), 1024, "\n".join(["H" * 30, "C" * 10, WARNING.text, "A" * 20, LINK.text])),
    # the comment is shortened, with an ellipsis, to exactly the limit
    (_pieces(100), 170, "\n".join(["H" * 30, "C" * 33 + "…", WARNING.text, "A" * 20, LINK.text])),
    # the comment is dropped (with its line), then the approvals are shortened
    (_pieces(100), 120, "\n".join(["H" * 30, WARNING.text, "A" * 4 + "…", LINK.text])),
    # then the headline; the warning and the link stay whole
    (_pieces(100), 100, "\n".join(["H" * 15 + "…", WARNING.text, LINK.text])),
])
def test_fit_cuts_in_order(pieces, limit, expected):
    text = fit(pieces, limit)
    assert text == expected and len(text) <= limit


@pytest.mark.parametrize("limit", [1024, 4096])
def test_fit_never_exceeds_the_limit(limit):
    assert len(fit(_pieces(10_000, 3_000, 3_000), limit)) <= limit


def test_a_payment_above_the_contract_remainder_warns(core, users, invoice):
    contract_id = file_contract(core, users)
    sign_contract(core, users, contract_id)
    plain = file_request(core, users, invoice)
    within = file_request(core, users, invoice, amount="400000.00", contract_id=contract_id)
    assert _warnings(core, plain) == _warnings(core, within) == []
    above = file_request(core, users, invoice, amount="200000.00", contract_id=contract_id)  # 100 000 left
    [warning] = _warnings(core, above)
    assert warning.code == "contract_remainder"
    assert warning.message.get("en") == (f"The amount is above what is left of contract #{contract_id}: "
                                         "100,000.00 RUB left of 500,000.00 RUB.")


def test_a_payment_over_its_budget_warns_and_shows_the_line(core, users, invoice):
    """The fixture's policy: the month-to-date budget warns (the annual one blocks); the summary line
    carries every figure. In June, 100 000 a month: 600 000 month-to-date, 1 200 000 in the year."""
    budgets.put_budgets(core, users["finance"], JUNE, [
        {"year": 2026, "month": month, "department": "marketing", "cost_item": "PACK", "planned": "100000.00"}
        for month in range(1, 13)])
    within = file_request(core, users, invoice, amount="1000.00", now=JUNE)
    assert _warnings(core, within, JUNE) == []
    over = file_request(core, users, invoice, amount="600500.00", now=JUNE)  # nothing committed yet
    [warning] = _warnings(core, over, JUNE)
    assert warning.code == "over_budget"
    assert warning.message.get("en") == ("Over the month-to-date budget of marketing · PACK: "
                                         "this request exceeds it by 500.00 RUB.")
    with core.db.read() as session:
        line = budget_lines.line_for(session, core.rulebook, session.get(Card, over), JUNE)
        text = budget_text(line, "en")
    assert text == ("Budget (month-to-date budget, marketing · PACK): planned 600,000.00 RUB, committed 0.00 RUB, "
                    "actual 0.00 RUB, this request 600,500.00 RUB, remaining after it -500.00 RUB, "
                    "overrun 500.00 RUB")


def _warnings(core, card_id: int, now=T0):
    with core.db.read() as session:
        return card_warnings(session, core, session.get(Card, card_id), now)
