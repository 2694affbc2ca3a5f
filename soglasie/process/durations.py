"""Durations written by the transition function as a task or a run ends (docs/analytics.md).

Working minutes on the business calendar. A task's time splits into waiting (assigned, not
taken into work) and in work; spans when its card was frozen or waiting for the initiator's
documents are banked apart (`hold`/`release`) and excluded from both. Each ended task and each
ended run is one INSERT into `durations` (a row, not an ORM object: nothing mutates it); the card,
run and task are at hand, the only read is whether the SLA sweep reminded or escalated about the
task — and the engine reads that with the task (`remember_fired`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soglasie.business_calendar import BusinessCalendar
from soglasie.models import Card, Duration, ProcessRun, SlaEvent, Task


SLA_FIRED = ("reminder", "escalation")  # the SLA events a task's durations row counts
_INSERT = Duration.__table__.insert()  # pre-built: every ended task and run is one row
_FIRED = "soglasie_sla_fired"  # session.info key: task id -> {kind: count}, read by the caller under the write lock


def remember_fired(session: Session, task_id: int, counts) -> None:
    """The task's reminder and escalation counts (in SLA_FIRED's order), read by the engine with the task."""
    session.info.setdefault(_FIRED, {})[task_id] = dict(zip(SLA_FIRED, counts))


def hold(item: Task | ProcessRun, now: dt.datetime) -> None:
    """A task or run stops counting (its card is frozen or waits for documents); kept if already held."""
    if item.held_at is None:
        item.held_at = now


def release(item: Task | ProcessRun, calendar: BusinessCalendar, now: dt.datetime) -> None:
    """Bank the held span: a task's into its waiting or in-work part, whichever it was in."""
    if item.held_at is None:
        return
    minutes = max(calendar.working_minutes_between(item.held_at, now), 0)
    item.held_at = None
    if isinstance(item, ProcessRun):
        item.held_minutes = (item.held_minutes or 0) + minutes
    elif item.started_at is None:
        item.held_wait_minutes = (item.held_wait_minutes or 0) + minutes
    else:
        item.held_work_minutes = (item.held_work_minutes or 0) + minutes


def record_task(session: Session, calendar: BusinessCalendar, run: ProcessRun, card: Card, task: Task,
                now: dt.datetime, on_behalf: bool = False) -> dict:
    """One row for a task that ends now (decided or cancelled)."""
    release(task, calendar, now)
    taken = task.started_at if task.started_at is not None and task.started_at <= now else None
    wait = calendar.working_minutes_between(task.created_at, taken or now) - (task.held_wait_minutes or 0)
    work = calendar.working_minutes_between(taken, now) - (task.held_work_minutes or 0) if taken else 0
    fired = session.info.get(_FIRED, {}).get(task.id)
    if fired is None:
        fired = dict(session.execute(select(SlaEvent.kind, func.count(SlaEvent.id)).where(
            SlaEvent.task_id == task.id, SlaEvent.kind.in_(SLA_FIRED)).group_by(SlaEvent.kind)).all())
    row = _row(calendar, run, card, now, kind="task", task_id=task.id, stage=task.stage, task_kind=task.kind,
               assignee_id=task.assignee_id, on_behalf=on_behalf, outcome=task.outcome or "cancelled",
               started_at=task.created_at, taken_at=taken, wait_minutes=max(wait, 0), work_minutes=max(work, 0),
               held_minutes=(task.held_wait_minutes or 0) + (task.held_work_minutes or 0),
               reminders=fired.get("reminder", 0), escalations=fired.get("escalation", 0))
    row["total_minutes"] = row["wait_minutes"] + row["work_minutes"]
    return _insert(session, row)


def record_run(session: Session, calendar: BusinessCalendar, run: ProcessRun, card: Card, now: dt.datetime,
               outcome: str) -> dict:
    """One row for a run that ends now: `outcome` is its last stage (the terminal, rejected, revised)."""
    release(run, calendar, now)
    row = _row(calendar, run, card, now, kind="run", stage=run.stage, outcome=outcome, started_at=run.started_at,
               work_minutes=calendar.working_minutes_between(run.started_at, now), held_minutes=run.held_minutes or 0,
               total_minutes=calendar.working_minutes_between(card.created_at, now))
    return _insert(session, row)


def _insert(session: Session, row: dict) -> dict:
    """The row goes straight to the database on the transaction's connection (insert-only: no ORM object)."""
    session.connection().execute(_INSERT, row)
    return row


def _row(calendar: BusinessCalendar, run: ProcessRun, card: Card, now: dt.datetime, **fields) -> dict:
    return dict(process=run.process, card_id=card.id, run_id=run.id, department_id=card.department_id,
                    cost_item_id=card.cost_item_id, counterparty_id=card.counterparty_id, filed_at=card.created_at,
                    filed_month=filed_month(calendar, card.created_at), ended_at=now, **fields)


def filed_month(calendar: BusinessCalendar, filed_at: dt.datetime) -> str:
    """The month a card was filed in, in the calendar's time zone: "2026-03"."""
    return filed_at.astimezone(calendar.tz).strftime("%Y-%m")
