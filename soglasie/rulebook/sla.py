"""The SLA clock's schedule: when a task is checked, reminded and escalated if nobody acts.

A pure function of the policy, the calendar and the clock's state, so the process engine,
the sweep and `rules simulate` all compute the very same instants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from soglasie.business_calendar import BusinessCalendar
from soglasie.rulebook.model import AssigneeRule, SlaPolicy

CHECK = "check"  # the rule name of periodic checks; no policy event may use it (loader)
_ASSIGNEE = AssigneeRule("assignee")


@dataclass(frozen=True)
class ScheduledSlaEvent:
    """One due item on the SLA clock; `(rule, occurrence)` identifies it within a task."""

    at: dt.datetime
    kind: Literal["check", "reminder", "escalation"]
    rule: str  # the policy event's name, or "check"
    occurrence: int  # checks count 1, 2, 3 …; a policy event fires once (1)
    to: AssigneeRule  # who is concerned: a check looks at the assignee's task
    clock_minutes: int  # working minutes on the SLA clock when it is due


def sla_schedule(policy: SlaPolicy, calendar: BusinessCalendar, resumed_at: dt.datetime,
                 consumed_minutes: int = 0, until_minutes: int | None = None) -> list[ScheduledSlaEvent]:
    """Every check and policy event still ahead, in time order (a check first on a tie).

    `consumed_minutes` working minutes were used before `resumed_at` (the clock pauses while a
    run is frozen or waits for documents); items at or before that clock minute are past and
    omitted. Checks run every `check_every` minutes until the last policy event (or the due
    time, when there are no events): after that there is nothing left to check. With
    `until_minutes`, only items up to that clock minute are listed.
    """
    if consumed_minutes < 0:
        raise ValueError("consumed_minutes must not be negative")
    horizon = max([event.after_minutes for event in policy.events] or [policy.due_after_minutes or 0])
    if until_minutes is not None:
        horizon = min(horizon, until_minutes)
    items: list[tuple[int, int, str, int, AssigneeRule, str]] = []
    step = policy.check_every_minutes
    first = consumed_minutes // step + 1  # the first check strictly after the consumed time
    for occurrence in range(first, horizon // step + 1):
        items.append((occurrence * step, 0, CHECK, occurrence, _ASSIGNEE, CHECK))
    for index, event in enumerate(policy.events):
        if consumed_minutes < event.after_minutes <= horizon:
            items.append((event.after_minutes, 1 + index, event.name, 1, event.to, event.kind))
    items.sort(key=lambda item: item[:2])
    return [ScheduledSlaEvent(at=calendar.add_working_minutes(resumed_at, minute - consumed_minutes),
                              kind=kind, rule=rule, occurrence=occurrence, to=to, clock_minutes=minute)
            for minute, _, rule, occurrence, to, kind in items]
