"""Deputies: where a task for an absent user goes — along the chain of deputies, else the rule's fallback.

The deputy rule (issue "payment controls", part 3): during an absence a user's tasks of the
absence's processes go to his deputy; a deputy who is away too passes them on (A→B→C). A
chain that loops, or ends at an inactive user or at one away without a deputy, falls back
to the stage rule's own fallback (the operations manager for heads, another holder of a
role). A deputy never gets a task on his own request: the next in line does. When nobody
can take it, the task stays with the original assignee (the SLA escalation then applies).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.models import Absence, User
from soglasie.process import assignees
from soglasie.rulebook.model import AssigneeRule

# Guards the chain walk and the fallback retries against loops and long absent departments.
MAX_CHAIN = 32


@dataclass(frozen=True)
class Delegation:
    """Who takes a task: the assignee and, when delegated, the original assignee and his absence."""

    assignee: User
    delegated_from: User | None = None
    absence: Absence | None = None


def calendar_day(tz, now: dt.datetime) -> dt.date:
    """Today in the calendar's time zone: absences are dates there."""
    return now.astimezone(tz).date()


def absence_of(session: Session, user_id: int, process_id: str, day: dt.date) -> Absence | None:
    """The user's absence that applies to `process_id` on `day`, or None."""
    rows = session.scalars(select(Absence).where(
        Absence.user_id == user_id, Absence.cancelled_at.is_(None),
        Absence.start_date <= day, Absence.end_date >= day).order_by(Absence.id))
    return next((row for row in rows if row.covers(process_id, day)), None)


def route(session: Session, original: User, rule: AssigneeRule, initiator: User, process_id: str,
          day: dt.date) -> Delegation:
    """Where a task the rules gave to `original` goes on `day` (see the module's rule)."""
    absence = absence_of(session, original.id, process_id, day)
    if absence is None:
        return Delegation(original)
    seen, link = {original.id}, absence
    while len(seen) < MAX_CHAIN:
        deputy = session.get(User, link.deputy_id)
        if deputy is None or deputy.id in seen or not deputy.active:
            break  # a loop or an inactive deputy: the chain ends here
        seen.add(deputy.id)
        link = absence_of(session, deputy.id, process_id, day)
        if link is None and deputy.id != initiator.id:
            return Delegation(deputy, original, absence)
        if link is None:
            break  # the deputy filed this request himself and has no deputy of his own
    substitute = _fallback(session, rule, initiator, process_id, day, seen | {initiator.id})
    if substitute is None:
        return Delegation(original)
    return Delegation(substitute, original, absence)


def _fallback(session: Session, rule: AssigneeRule, initiator: User, process_id: str, day: dt.date,
              excluded: set[int]) -> User | None:
    """The rule's fallback who is neither excluded nor away himself."""
    excluded = set(excluded)
    while len(excluded) < MAX_CHAIN * 2:
        candidate = assignees.fallback(session, rule, initiator, excluded)
        if candidate is None or absence_of(session, candidate.id, process_id, day) is None:
            return candidate
        excluded.add(candidate.id)
    return None


def record(task, delegation: Delegation) -> None:
    """Give `task` to the delegation's assignee, remembering whom it was for and why."""
    task.assignee_id = delegation.assignee.id
    task.delegated_from_id = delegation.delegated_from.id if delegation.delegated_from else None
    task.absence_id = delegation.absence.id if delegation.absence else None
