"""Accounting tasks for runs that reached a stage without all of its tasks (docs/operations.md, "Airflow").

Entering the payment stage creates the chief accountant's and the junior accountant's
tasks at once; when that was impossible (nobody had the role then), this job creates them
as soon as someone can take them, with the deadline counted from the moment the run
*reached* the stage, not from the job's run. The unique (run, stage, kind) key keeps it
at one task of each kind per run, however often the job runs.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select

from soglasie.core import Core
from soglasie.models import Card, ProcessRun, Task
from soglasie.process.notices import NoticeWriter
from soglasie.process.stages import create_missing_tasks
from soglasie.services.common import process_context


def create_accounting_tasks(core: Core, now: dt.datetime) -> dict[str, int]:
    """Create the missing tasks of runs sitting at a stage with deadline-bearing tasks."""
    context = process_context(core)
    counts = {"runs_missing_tasks": 0, "tasks_created": 0}
    stages = [(process.id, stage.id, len(stage.tasks)) for process in context.rulebook.processes.values()
              for stage in process.stages if any(task.deadline for task in stage.tasks)]
    if not stages:
        return counts
    with core.db.write() as session:
        task_count = (select(func.count(Task.id)).where(Task.run_id == ProcessRun.id, Task.stage == ProcessRun.stage)
                      .correlate(ProcessRun).scalar_subquery())
        at_stage = or_(*(and_(ProcessRun.process == process_id, ProcessRun.stage == stage_id,
                              task_count < expected) for process_id, stage_id, expected in stages))
        run_ids = list(session.scalars(select(ProcessRun.id).where(ProcessRun.finished_at.is_(None), at_stage)
                                       .order_by(ProcessRun.id)))
        for run_id in run_ids:
            run = session.scalars(select(ProcessRun).where(ProcessRun.id == run_id).with_for_update()).one()
            process = context.rulebook.process(run.process)
            writer = NoticeWriter(session, context, session.get(Card, run.card_id), now)
            counts["runs_missing_tasks"] += 1
            counts["tasks_created"] += create_missing_tasks(session, context, writer, process, run, now)
    return counts
