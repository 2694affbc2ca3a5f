"""The SLA clock of a task: started, paused, resumed and stopped in working time.

Only working time counts, and timers pause while a request is frozen or waiting for
documents, resuming with the remaining time. The clock is two columns: working minutes
consumed before `sla_resumed_at`, and `sla_resumed_at` itself (NULL = not running).
"""

from __future__ import annotations

import datetime as dt

from soglasie.business_calendar import BusinessCalendar
from soglasie.models import Task
from soglasie.rulebook.model import SlaPolicy
from soglasie.rulebook.sla import sla_schedule


def start(task: Task, policy: SlaPolicy | None, calendar: BusinessCalendar, now: dt.datetime) -> None:
    """Start the clock of a new task (tasks of stages without an SLA have none)."""
    task.sla_consumed_minutes = 0
    task.sla_resumed_at = None
    task.next_check_at = None
    if policy is not None:
        resume(task, policy, calendar, now)


def pause(task: Task, calendar: BusinessCalendar, now: dt.datetime) -> None:
    """Stop counting: bank the working minutes used so far; the sweep skips the task."""
    if task.sla_resumed_at is not None:
        task.sla_consumed_minutes += calendar.working_minutes_between(task.sla_resumed_at, now)
    task.sla_resumed_at = None
    task.next_check_at = None


def resume(task: Task, policy: SlaPolicy | None, calendar: BusinessCalendar, now: dt.datetime) -> None:
    """Count again from `now` if the task still runs on the clock; reschedule check and deadline."""
    if policy is None or not is_running_on_clock(task, policy):
        return
    task.sla_resumed_at = now
    remaining = policy.due_after_minutes
    if remaining is not None:
        task.deadline = calendar.add_working_minutes(now, max(remaining - task.sla_consumed_minutes, 0))
    task.next_check_at = next_due(task, policy, calendar)


def is_running_on_clock(task: Task, policy: SlaPolicy) -> bool:
    """True while the SLA still watches the task (not stopped by start or decision)."""
    if policy.clock_stops_on == "started":
        return task.status == "open"
    return task.status in ("open", "started")


def next_due(task: Task, policy: SlaPolicy, calendar: BusinessCalendar, after: dt.datetime | None = None):
    """The first scheduled check/reminder/escalation strictly after `after` (None: the first)."""
    if task.sla_resumed_at is None:
        return None
    for item in sla_schedule(policy, calendar, task.sla_resumed_at, task.sla_consumed_minutes):
        if after is None or item.at > after:
            return item.at
    return None
