"""The SLA sweep: checks, reminders and escalations for tasks nobody acted on (docs/rules.md, "SLA").

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
from soglasie.services.delegation import move_tasks

BATCH_SIZE = 500


def sweep(core: Core, now: dt.datetime, batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Do everything due at `now`; returns counts (tasks moved to/from deputies, looked at, checks, ...).

    Deputies first (the deputy rule): a task that moves today is reminded about to its new assignee.
    """
    counts: Counter[str] = Counter({"due_tasks": 0, "check": 0, "reminder": 0, "escalation": 0, "batches": 0})
    counts.update(move_tasks(core, now))
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
    runs = {run.id: run for run in session.scalars(
        select(ProcessRun).where(ProcessRun.id.in_(run_ids)).order_by(ProcessRun.id).with_for_update()
        .execution_options(populate_existing=True))}
    tasks = list(session.scalars(select(Task).where(Task.id.in_(due)).order_by(Task.id)
                                 .execution_options(populate_existing=True)))
    batch = _Batch.load(session, context, runs, tasks)
    with session.no_autoflush:
        for task in tasks:
            counts["due_tasks"] += 1
            sweep_task(batch, task, now, counts)
    return due[-1]


class _Batch:
    """What a batch of due tasks needs, loaded in a few queries instead of per task."""

    def __init__(self, session: Session, context: ProcessContext, runs: dict[int, ProcessRun],
                 cards: dict[int, Card], users: dict[int, User], done: set[tuple[int, str, int]]):
        self.session, self.context, self.runs, self.cards, self.users = session, context, runs, cards, users
        self.done = done
        self._by_rule: dict[tuple, User | None] = {}

    @classmethod
    def load(cls, session: Session, context: ProcessContext, runs: dict[int, ProcessRun], tasks: list[Task]):
        """Cards, the users involved and the SLA items already done, for these tasks."""
        cards = {card.id: card for card in session.scalars(select(Card).where(Card.id.in_({t.card_id for t in tasks})))}
        user_ids = {t.assignee_id for t in tasks} | {card.initiator_id for card in cards.values()}
        users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}
        done = {tuple(row) for row in session.execute(select(SlaEvent.task_id, SlaEvent.rule, SlaEvent.occurrence)
                                                      .where(SlaEvent.task_id.in_([t.id for t in tasks])))}
        return cls(session, context, runs, cards, users, done)

    def recipient(self, rule, card: Card, assignee: User) -> User | None:
        """Who an SLA item goes to; role rules are resolved once per batch (same answer)."""
        if rule.kind == "assignee":
            return assignee
        key = (rule.kind, rule.value) if rule.kind in ("role", "user") else (rule.kind, rule.value, card.id)
        if key not in self._by_rule:
            self._by_rule[key] = assignees.resolve(self.session, rule, self.users[card.initiator_id], assignee)
        return self._by_rule[key]


def sweep_task(batch: _Batch, task: Task, now: dt.datetime, counts: Counter) -> None:
    """Record what is due for one task, send its reminders/escalations, schedule the next look."""
    run = batch.runs[task.run_id]
    policy = _policy(batch.context.rulebook.process(run.process), task)
    if run.stage != task.stage or policy is None or not clock.is_running_on_clock(task, policy) \
            or task.sla_resumed_at is None:
        task.next_check_at = None  # paused, stopped or no SLA: nothing to watch
        return
    schedule = sla_schedule(policy, batch.context.rulebook.calendar, task.sla_resumed_at, task.sla_consumed_minutes)
    card = batch.cards[task.card_id]
    writer = None
    for item in schedule:
        if item.at > now:
            break
        if (task.id, item.rule, item.occurrence) in batch.done:
            continue
        writer = writer or NoticeWriter(batch.session, batch.context, card, now)
        _perform(batch, writer, run, card, task, item, now)
        counts[item.kind] += 1
    task.next_check_at = next((item.at for item in schedule if item.at > now), None)


def _policy(process, task: Task):
    try:
        return process.stage(task.stage).sla
    except KeyError:
        return None


def _perform(batch: _Batch, writer: NoticeWriter, run: ProcessRun, card: Card, task: Task, item,
             now: dt.datetime) -> None:
    """Record one scheduled SLA item; a reminder or escalation also notifies its recipient."""
    assignee = batch.users[task.assignee_id]
    recipient = batch.recipient(item.to, card, assignee)
    batch.session.add(SlaEvent(task_id=task.id, card_id=card.id, stage=task.stage, kind=item.kind, rule=item.rule,
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
