"""The deputy step of the periodic jobs: open tasks move to deputies when absences start and back when they end.

Each open, not-yet-started task of an absent user (or already with a deputy) is routed again
by the deputy rule (soglasie.process.deputies) for today; when the answer differs from its
assignee the task moves, the timeline says so and both people are told. Running it twice
changes nothing: a task already where the rule puts it is left alone. A task the deputy
took into work stays with him until he decides it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.models import Absence, Card, ProcessRun, Task, User
from soglasie.process import deputies
from soglasie.process.commands import ProcessContext
from soglasie.process.definitions import find_task_definition
from soglasie.process.notices import NoticeWriter
from soglasie.process.stages import assignee_rule
from soglasie.services.common import process_context


def move_tasks(core: Core, now: dt.datetime) -> dict[str, int]:
    """Reconcile every open task touched by an absence with today's deputies; returns the counts."""
    with core.db.write() as session:
        return dict(reconcile(session, process_context(core), now, _candidates(session, core, now)))


def reconcile_user(session: Session, context: ProcessContext, user_id: int, now: dt.datetime) -> Counter:
    """Reconcile the open tasks of `user_id`, and those delegated from him, in the caller's transaction."""
    ids = session.scalars(select(Task.id).where(
        Task.status == "open", or_(Task.assignee_id == user_id, Task.delegated_from_id == user_id)))
    return reconcile(session, context, now, sorted(ids))


def _candidates(session: Session, core: Core, now: dt.datetime) -> list[int]:
    """Open tasks of users away today, and tasks with a deputy: the cost follows the absences."""
    today = deputies.calendar_day(core.rulebook.calendar.tz, now)
    away = select(Absence.user_id).where(Absence.cancelled_at.is_(None), Absence.start_date <= today,
                                         Absence.end_date >= today)
    ids = session.scalars(select(Task.id).where(
        Task.status == "open", or_(Task.assignee_id.in_(away), Task.absence_id.is_not(None))).order_by(Task.id))
    return list(ids)


def reconcile(session: Session, context: ProcessContext, now: dt.datetime, task_ids: list[int]) -> Counter:
    """Move each of `task_ids` where the deputy rule puts it today; counts delegated and returned."""
    counts: Counter[str] = Counter({"delegated": 0, "returned": 0})
    if not task_ids:
        return counts
    run_ids = sorted(set(session.scalars(select(Task.run_id).where(Task.id.in_(task_ids)))))
    # Lock the runs (in id order) so no transition interleaves with a move.
    runs = {run.id: run for run in session.scalars(
        select(ProcessRun).where(ProcessRun.id.in_(run_ids)).order_by(ProcessRun.id).with_for_update())}
    day = deputies.calendar_day(context.rulebook.calendar.tz, now)
    for task in session.scalars(select(Task).where(Task.id.in_(task_ids)).order_by(Task.id)):
        moved = _reconcile_task(session, context, runs[task.run_id], task, now, day)
        if moved:
            counts[moved] += 1
    return counts


def _reconcile_task(session: Session, context: ProcessContext, run: ProcessRun, task: Task, now: dt.datetime,
                    day: dt.date) -> str | None:
    """Route one open task again; returns "delegated"/"returned" when it moved, else None."""
    card = session.get(Card, task.card_id)
    process = context.rulebook.process(card.kind)
    definition = find_task_definition(process, task)
    if task.status != "open" or run.stage != task.stage or definition is None:
        return None
    original = session.get(User, task.delegated_from_id or task.assignee_id)
    delegation = deputies.route(session, original, assignee_rule(run, process.stage(task.stage), definition),
                                session.get(User, card.initiator_id), process.id, day)
    previous = session.get(User, task.assignee_id)
    deputies.record(task, delegation)
    if delegation.assignee.id == previous.id:
        return None  # already with the right person (maybe under a renewed absence)
    writer = NoticeWriter(session, context, card, now)
    writer.task_moved(run, task, previous, original, session.get(Absence, task.absence_id) if task.absence_id else None)
    return "delegated" if task.delegated_from_id else "returned"
