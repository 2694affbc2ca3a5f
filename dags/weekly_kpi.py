"""weekly_kpi: last week's days to paid (and to signed), the slowest stage and the cards stuck longest."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

from soglasie_airflow.dag_defaults import COMPANY_TZ, START_DATE, TAGS, default_args

DOC = """
### Weekly KPI

At 09:00 Europe/Moscow, Monday to Friday, runs the core's
`soglasie.services.weekly_kpi.weekly_kpi` at the run's `data_interval_end`. Only on the first
working day of the ISO week — Monday, or after a Monday holiday the first working day, as the
business calendar (`rules/`) says — does it send the operations and finance managers, in the
inbox and Telegram, last week's median and p90 working days from filing to each process's
terminal stage, the slowest stage and the requests waiting longest. Other days return
`skipped_not_first_working_day: 1`.

**Returns** (XCom `return_value`): `recipients`, `skipped_not_first_working_day`.

**Idempotent:** the message's key is the ISO week, so a retry or a rerun sends nothing new.

The application database comes from the Airflow connection `soglasie_db`, else `DATABASE_URL`.
"""


@dag(
    dag_id="weekly_kpi",
    # Every weekday: only the calendar knows whether Monday is a holiday; the service skips the rest.
    schedule=CronTriggerTimetable("0 9 * * 1-5", timezone=COMPANY_TZ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=1),
    default_args=default_args(retry_delay=timedelta(minutes=1)),
    tags=[*TAGS, "analytics"],
    doc_md=DOC,
)
def weekly_kpi():
    """Wire the one task."""

    @task(execution_timeout=timedelta(minutes=30))
    def send_weekly_kpi(data_interval_end=None, dag_run=None) -> dict[str, int]:
        """Write last week's KPI message at the run's instant; returns the counts."""
        from soglasie.services.weekly_kpi import weekly_kpi as write_kpi
        from soglasie_airflow.runtime import core_for_task, run_instant

        with core_for_task() as core:
            return write_kpi(core, run_instant(data_interval_end, dag_run))

    send_weekly_kpi()


weekly_kpi()
