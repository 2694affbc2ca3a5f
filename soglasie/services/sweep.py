"""The SLA sweep: checks, reminders and escalations for tasks nobody acted on (SPEC "Rules").

Only due tasks are read (`next_check_at <= now`, indexed), so the cost follows the due
items, not the open ones. Each check, reminder and escalation is recorded once per task,
rule and occurrence (a unique row), so a retried or overlapping sweep never repeats one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.models import Card, ProcessRun, SlaEvent, Task, User
from soglasie.process import assignees, clock
from soglasie.process.engine import ProcessContext
from soglasie.process.notices import NoticeWriter
from soglasie.rulebook.sla import sla_schedule
from soglasie.services.common import process_context

BATCH_SIZE = 500
SLA_KINDS = ("check", "reminder", "escalation")


def sweep(core: Core, now: dt.datetime, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Do everything due at `now`; returns counts (tasks looked at, checks, reminders, ...)."""
    counts: Counter[str] = Counter({"due_tasks": 0, "check": 0, "reminder": 0, "escalation": 0, "batches": 0})
    context = process_context(core)
    after_id = 0
    while True:
        with core.db.write() as session:
            processed = sweep_batch(session, context, now, after_id, batch_size, counts)
        if not processed:
            break
        counts["batches"] += 1
        after_id = processed
    return dict(counts)


def sweep_batch(session: Session, context: ProcessContext, now: dt.datetime, after_id: int, limit: int,
                counts: Counter) -> int:
    """One transaction: the next `limit` due tasks after `after_id`; returns the last id or 0."""
    due = list(session.scalars(select(Task.id).where(Task.next_check_at <= now, Task.id > after_id)
                               .order_by(Task.id).limit(limit)))
    if not due:
        return 0
    run_ids = sorted(set(session.scalars(select(Task.run_id).where(Task.id.in_(due)))))
    # Lock the runs (in id order: no deadlocks) so no transition interleaves with the sweep.
    session.execute(select(ProcessRun.id).where(ProcessRun.id.in_(run_ids)).order_by(ProcessRun.id).with_for_update())
    tasks = session.scalars(select(Task).where(Task.id.in_(due)).order_by(Task.id)
                            .execution_options(populate_existing=True))
    for task in tasks:
        counts["due_tasks"] += 1
        sweep_task(session, context, task, now, counts)
    return due[-1]


def sweep_task(session: Session, context: ProcessContext, task: Task, now: dt.datetime, counts: Counter) -> None:
    """Record what is due for one task, send its reminders/escalations, schedule the next look."""
    run = session.get(ProcessRun, task.run_id)
    process = context.rulebook.process(run.process)
    policy = _policy(process, task)
    if run.stage != task.stage or policy is None or not clock.is_running_on_clock(task, policy) \
            or task.sla_resumed_at is None:
        task.next_check_at = None  # paused, stopped or no SLA: nothing to watch
        return
    schedule = sla_schedule(policy, context.rulebook.calendar, task.sla_resumed_at, task.sla_consumed_minutes)
    done = set(session.execute(select(SlaEvent.rule, SlaEvent.occurrence).where(SlaEvent.task_id == task.id)))
    card = session.get(Card, task.card_id)
    writer = NoticeWriter(session, context, card, now)
    for item in schedule:
        if item.at > now:
            break
        if (item.rule, item.occurrence) in done:
            continue
        _perform(session, writer, run, card, task, item, now)
        counts[item.kind] += 1
    task.next_check_at = next((item.at for item in schedule if item.at > now), None)


def _policy(process, task: Task):
    try:
        return process.stage(task.stage).sla
    except KeyError:
        return None


def _perform(session: Session, writer: NoticeWriter, run: ProcessRun, card: Card, task: Task, item,
             now: dt.datetime) -> None:
    """Record one scheduled SLA item; a reminder or escalation also notifies its recipient."""
    assignee = session.get(User, task.assignee_id)
    recipient = assignee
    if item.kind != "check":
        initiator = session.get(User, card.initiator_id)
        recipient = assignees.resolve(session, item.to, initiator, assignee=assignee)
    session.add(SlaEvent(task_id=task.id, card_id=card.id, stage=task.stage, kind=item.kind, rule=item.rule,
                         occurrence=item.occurrence, due_at=item.at, recorded_at=now,
                         recipient_id=recipient.id if recipient else None))
    if item.kind == "check":
        return
    event = "reminder_sent" if item.kind == "reminder" else "escalated"
    writer.timeline(run, None, event, task=task, data={"to": recipient.login if recipient else None,
                                                        "rule": item.rule, "due_at": item.at.isoformat()})
    if recipient is not None:
        writer.send(recipient.id, item.kind, f"sla:{task.id}:{item.rule}:{item.occurrence}", task=task,
                    since=task.created_at, assignee=assignee.name)
