"""morning_digest: one message per approver listing what waits for them, 09:00 MSK on working days."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

from soglasie_airflow.dag_defaults import COMPANY_TZ, START_DATE, TAGS, default_args

DOC = """
### Morning digest

At 09:00 Europe/Moscow, Monday to Saturday, runs the core's
`soglasie.services.digest.morning_digest` at the run's `data_interval_end`: each person with
open tasks gets one message listing them with their age in working hours and whether they
are overdue. Whether a day is a working day is the business calendar's call (`rules/`), not
the schedule's: public holidays and ordinary Saturdays return `skipped_day_off: 1`, while a
working Saturday (an official transfer) gets its digest.

From 1 November, while next year's production calendar is not known (no transfer decree in
the `holidays` package, no imported `rules/calendar-YYYY.yaml`), the admins are also told, once
per ISO week and on days off too, with the command that imports it
(`soglasie calendar import FILE`).

**Returns** (XCom `return_value`): `recipients`, `tasks`, `skipped_day_off`, `calendar_warnings`.

**Idempotent:** the digest's key is the local day and the calendar warning's the ISO week, so
a retry or a rerun of the same day writes nothing new.

The application database comes from the Airflow connection `soglasie_db`, else `DATABASE_URL`.
"""


@dag(
    dag_id="morning_digest",
    # Saturdays too: only the calendar knows the working Saturdays; the service skips days off.
    schedule=CronTriggerTimetable("0 9 * * 1-6", timezone=COMPANY_TZ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=default_args(retry_delay=timedelta(minutes=1)),
    tags=[*TAGS, "digest"],
    doc_md=DOC,
)
def morning_digest():
    """Wire the one task."""

    @task(execution_timeout=timedelta(minutes=30))
    def send_digests(data_interval_end=None, dag_run=None) -> dict[str, int]:
        """Write today's digests at the run's instant; returns the counts."""
        from soglasie.services.digest import morning_digest as write_digests
        from soglasie_airflow.runtime import core_for_task, run_instant

        with core_for_task() as core:
            return write_digests(core, run_instant(data_interval_end, dag_run))

    send_digests()


morning_digest()
