"""sla_sweep: checks, reminders and escalations for approvals nobody acted on, every 15 minutes."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

from soglasie_airflow.dag_defaults import COMPANY_TZ, START_DATE, TAGS, default_args

DOC = """
### SLA sweep

Every 15 minutes, runs the core's `soglasie.services.sweep.sweep` at the run's
`data_interval_end` (the schedule tick, never the wall clock). It first moves open,
not-yet-started tasks to the deputies of users whose absence has started and back when it
has ended (`soglasie.services.delegation`), then reads only the tasks whose next check is
due and, by the SLA rules in `rules/` (docs/rules.md, "SLA"):

- records the 4-working-hour **checks** at `head_approval`;
- sends the **reminder** to an approver who has not acted within 2 working days;
- **escalates** to the operations manager one working hour later (`finance_review`: after 2 days).

**Returns** (XCom `return_value`): `delegated`, `returned`, `due_tasks`, `check`, `reminder`, `escalation`, `batches`.

**Idempotent:** each check/reminder/escalation is a unique row per task, rule and occurrence,
and each notification has an idempotency key, so a retry, an overlapping run or a rerun of
an old tick never sends anything twice. Batches commit one by one: a run killed mid-way
keeps the finished batches and the retry continues with what is still due.

The application database comes from the Airflow connection `soglasie_db`, else `DATABASE_URL`.
"""


@dag(
    dag_id="sla_sweep",
    schedule=CronTriggerTimetable("*/15 * * * *", timezone=COMPANY_TZ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=30),
    default_args=default_args(),
    tags=[*TAGS, "sla"],
    doc_md=DOC,
)
def sla_sweep():
    """Wire the one task."""

    @task(execution_timeout=timedelta(minutes=20))
    def sweep_due_tasks(data_interval_end=None, dag_run=None) -> dict[str, int]:
        """Sweep what is due at the run's instant; returns the counts."""
        from soglasie.services.sweep import sweep
        from soglasie_airflow.runtime import core_for_task, run_instant

        with core_for_task() as core:
            return sweep(core, run_instant(data_interval_end, dag_run))

    sweep_due_tasks()


sla_sweep()
