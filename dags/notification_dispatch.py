"""notification_dispatch: deliver pending notifications every minute (the bot's safety net)."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

from soglasie_airflow.dag_defaults import COMPANY_TZ, START_DATE, TAGS, default_args

DOC = """
### Notification dispatch

Every minute, runs one round of the core's `soglasie.services.dispatch.dispatch` for what is due
at the run's `data_interval_end`, through the external channels switched on in the settings (Telegram
when `TELEGRAM_BOT_TOKEN` is set; the portal inbox needs no delivery). The bot process
(`soglasie bot` / `soglasie dispatch`) normally delivers within seconds; this DAG is the
safety net when no such process runs.

**Returns** (XCom `return_value`): `claimed`, `sent`, `retry`, `failed` (and `lost_claim`
when another dispatcher took a message over).

**Idempotent:** messages are claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and
a result is recorded only while the claim is still ours, so several dispatchers and retries
never deliver a message twice. The lease is the one thing here on the wall clock, not on the
tick: it says how long this task may hold a row, so a run that starts late holds its rows as long
as the bot would, and it sends only before the lease's send deadline (what is left goes back to
the outbox for the next claimer). Temporary failures back off exponentially inside the core.

The application database comes from the Airflow connection `soglasie_db`, else `DATABASE_URL`.
"""


@dag(
    dag_id="notification_dispatch",
    schedule=CronTriggerTimetable("* * * * *", timezone=COMPANY_TZ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=10),
    # The next run comes a minute later anyway: retry soon, and not for long.
    default_args=default_args(retry_delay=timedelta(seconds=10), retries=2),
    tags=[*TAGS, "notifications"],
    doc_md=DOC,
)
def notification_dispatch():
    """Wire the one task."""

    @task(execution_timeout=timedelta(minutes=5))
    def dispatch_pending(data_interval_end=None, dag_run=None) -> dict[str, int]:
        """Deliver one batch per channel at the run's instant; returns the counts."""
        from soglasie.notifications.registry import external_channels
        from soglasie.services.dispatch import dispatch
        from soglasie_airflow.runtime import core_for_task, run_instant

        with core_for_task() as core:
            return dispatch(core, run_instant(data_interval_end, dag_run), external_channels(core.settings))

    dispatch_pending()


notification_dispatch()
