"""bank_statement_import: bank statements dropped in the inbox folder confirm payments, every 10 minutes."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

from soglasie_airflow.dag_defaults import COMPANY_TZ, START_DATE, TAGS, default_args

DOC = """
### Bank statement import

Every 10 minutes during working hours (08:00–19:50, Monday–Friday), runs the core's
`soglasie.services.bank_inbox.import_inbox` at the run's `data_interval_end` over the folder
`SOGLASIE_BANK_INBOX` (default `SOGLASIE_DATA_DIR/bank/inbox`). Each statement (1C exchange
format) confirms the requests it pays, exactly as an upload on the Bank page does, and is moved
to `processed/` — or to `failed/` when it is malformed — with its JSON report beside it.

**Returns** (XCom `return_value`): `files`, `processed`, `failed`, `matched`, `unmatched`,
`ambiguous`, `already_confirmed`.

**Idempotent:** a statement imported twice changes nothing (its requests are already confirmed).

The application database comes from the Airflow connection `soglasie_db`, else `DATABASE_URL`.
"""


@dag(
    dag_id="bank_statement_import",
    schedule=CronTriggerTimetable("*/10 8-19 * * 1-5", timezone=COMPANY_TZ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=15),
    default_args=default_args(),
    tags=[*TAGS, "accounting", "bank"],
    doc_md=DOC,
)
def bank_statement_import():
    """Wire the one task."""

    @task(execution_timeout=timedelta(minutes=10))
    def import_statements(data_interval_end=None, dag_run=None) -> dict[str, int]:
        """Import the inbox's statements at the run's instant; returns the counts."""
        from soglasie.services.bank_inbox import import_inbox
        from soglasie_airflow.runtime import core_for_task, run_instant

        with core_for_task() as core:
            return import_inbox(core, core.settings.bank_inbox_dir, run_instant(data_interval_end, dag_run))

    import_statements()


bank_statement_import()
