"""accounting_tasks: the accountants' tasks for requests that reached payment, every 5 minutes."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

from soglasie_airflow.dag_defaults import COMPANY_TZ, START_DATE, TAGS, default_args

DOC = """
### Accounting tasks

Every 5 minutes, runs the core's `soglasie.services.accounting.create_accounting_tasks` at the
run's `data_interval_end`. A request that reached `payment` normally gets the chief
accountant's "Make payment" task and the junior accountant's "Attach the payment order"
subtask at once; when that was impossible (nobody held the role), this job creates them as
soon as someone can take them. The deadline is counted from the moment the request
**reached** `payment` (lunch cut-off rule), not from this run.

**Returns** (XCom `return_value`): `runs_missing_tasks`, `tasks_created`.

**Idempotent:** a task is unique per run, stage and kind, so reruns and retries create
nothing twice.

The application database comes from the Airflow connection `soglasie_db`, else `DATABASE_URL`.
"""


@dag(
    dag_id="accounting_tasks",
    schedule=CronTriggerTimetable("*/5 * * * *", timezone=COMPANY_TZ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=15),
    default_args=default_args(),
    tags=[*TAGS, "accounting"],
    doc_md=DOC,
)
def accounting_tasks():
    """Wire the one task."""

    @task(execution_timeout=timedelta(minutes=10))
    def create_missing_tasks(data_interval_end=None, dag_run=None) -> dict[str, int]:
        """Create the missing accounting tasks at the run's instant; returns the counts."""
        from soglasie.services.accounting import create_accounting_tasks
        from soglasie_airflow.runtime import core_for_task, run_instant

        with core_for_task() as core:
            return create_accounting_tasks(core, run_instant(data_interval_end, dag_run))

    create_missing_tasks()


accounting_tasks()
