"""backup: a nightly snapshot of the database and the attachments, the newest few kept."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

from soglasie_airflow.dag_defaults import COMPANY_TZ, START_DATE, TAGS, default_args

DOC = """
### Backup

Every night at 02:30 (company time), runs the core's `soglasie.services.backup.nightly` at the
run's `data_interval_end`: the same snapshot as `soglasie backup --to DIR` — SQLite through its
online backup API, PostgreSQL through `pg_dump` — plus every attachment and a `manifest.json`
of SHA-256 sums, into `SOGLASIE_BACKUP_DIR/<run instant, UTC>` (default `<data dir>/backups`).
The portal and the sweeps keep running meanwhile. Then only the newest `SOGLASIE_BACKUP_KEEP`
backups (default 7) are kept. Restore drill: docs/operations.md, "Backups".

**Returns** (XCom `return_value`): `backup` (the directory name), `bytes` (0 when this run's
backup was already there), `kept`, `pruned`.

**Idempotent:** the directory is named by the run's instant; a retry finds it complete (its
manifest verifies) and writes nothing; a half-written attempt is replaced.

The application database comes from the Airflow connection `soglasie_db`, else `DATABASE_URL`.
"""


@dag(
    dag_id="backup",
    schedule=CronTriggerTimetable("30 2 * * *", timezone=COMPANY_TZ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=3),
    default_args=default_args(),
    tags=[*TAGS, "backup"],
    doc_md=DOC,
)
def backup():
    """Wire the one task."""

    @task(execution_timeout=timedelta(hours=2))
    def write_backup(data_interval_end=None, dag_run=None) -> dict:
        """Back up at the run's instant and prune; returns what was written and kept."""
        from soglasie.services.backup import nightly
        from soglasie_airflow.runtime import run_instant, task_settings

        settings = task_settings()
        return nightly(settings, settings.backups_dir, run_instant(data_interval_end, dag_run), settings.backup_keep)

    write_backup()


backup()
