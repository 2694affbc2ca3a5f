"""The budget line a card shows (the portal card, the API card's `budget` key, Telegram summaries).

`budget_line(session, core, card, now)` → None when the card is not checked against a budget
(its process has no `budget:` policy, it lacks an amount, department or cost item, or its
department × cost item has no budget row in the year), else a dict:

    year, month        the month the request counts in (the month it was paid; unpaid: now's)
    department, cost_item   codes
    period             "month" (month-to-date) or "year": the governing period — the one
                       exceeded with the strictest action, else the one with the least left
    planned, committed, actual   that period's budget, approved-unpaid and paid money
                       (this request excluded)
    request            this request's amount
    remaining          planned − committed − actual (before this request)
    remaining_after    remaining − request
    overrun            how much this request exceeds the period by ("0.00" when it fits)
    exceeded           overrun > 0
    action             the policy's action for that period: ignore | warn | block
    periods            the same keys (from `period` on) for every period, year and month

Money is a decimal string ("150000.00").
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.models import Card
from soglasie.process.budgets import line_for


def budget_line(session: Session, core: Core, card: Card, now: dt.datetime) -> dict | None:
    """The card's budget line as of `now` (see the module's docstring), or None."""
    line = line_for(session, core.rulebook, card, now)
    return line.as_dict() if line is not None else None
