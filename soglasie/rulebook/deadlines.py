"""The accounting deadline of a payment-stage task (docs/rules.md, "Deadlines")."""

from __future__ import annotations

import datetime as dt

from soglasie.business_calendar import BusinessCalendar
from soglasie.rulebook.model import DeadlineRule


def accounting_deadline(calendar: BusinessCalendar, rule: DeadlineRule, arrived_at: dt.datetime,
                        hard_deadline: dt.datetime | dt.date | None) -> dt.datetime:
    """When accounting must have paid a request that reached it at `arrived_at`.

    The rule: a hard deadline written on the request wins (a bare date means the end of that
    date's working hours, 18:00 local, 17:00 on a shortened pre-holiday day). Otherwise the
    arrival is moved to the next working instant; before the cut-off (13:00) → the end of that
    working day, from the cut-off on → the end of the next working day.
    """
    if hard_deadline is not None and rule.hard_deadline_wins:
        if isinstance(hard_deadline, dt.datetime):
            return calendar.localize(hard_deadline)
        return calendar.end_of_working_day(hard_deadline)
    arrived = calendar.next_working_instant(arrived_at)
    if arrived.time() < rule.cutoff:
        return calendar.end_of_working_day(arrived)
    return calendar.end_of_working_day(calendar.next_working_day(arrived))
