"""Airflow fixtures: a throwaway AIRFLOW_HOME (set before anything imports airflow), the DagBag,
an in-process metadata DB, and `run_dag` — `dag.test()` of one DAG against the test's database.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass

import pytest

from soglasie.settings import REPO_ROOT

DAGS_DIR = REPO_ROOT / "dags"
PLUGINS_DIR = REPO_ROOT / "plugins"
DAG_IDS = ("sla_sweep", "accounting_tasks", "notification_dispatch", "morning_digest", "backup", "weekly_kpi",
           "bank_statement_import")
# A DATABASE_URL no task can use: a test that passes with it proves the connection was used.
NOWHERE = "sqlite:////nonexistent-soglasie-dir/nowhere.db"
# Third-party warnings raised inside Airflow (ours stay errors, see pyproject.toml): the task runner
# imports fastapi.testclient, which warns about httpx (a UserWarning subclass); loading plugins/ reads
# its .airflowignore through pathspec's deprecated pattern class.
AIRFLOW_WARNINGS = [
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient` is deprecated:UserWarning"),
    pytest.mark.filterwarnings("ignore:GitWildMatchPattern:DeprecationWarning"),
]
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="soglasie-airflow-home-")
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
# Without AIRFLOW_HOME, `import airflow` writes ~/airflow. Not AIRFLOW__CORE__UNIT_TEST_MODE: it changes
# the timetables' defaults, and the tests must see the production ones.
AIRFLOW_ENV = {
    "AIRFLOW_HOME": _AIRFLOW_HOME,
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_DIR),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
}
os.environ.update(AIRFLOW_ENV)


@pytest.fixture(scope="session")
def dagbag():
    """Every DAG file of dags/, parsed once (after the imports every DAG file shares, see warm_shared_imports)."""
    from airflow.models import DagBag

    from tests.dags.parse_probe import warm_shared_imports

    warm_shared_imports()
    return DagBag(dag_folder=str(DAGS_DIR))


@pytest.fixture(scope="session")
def airflow_db():
    """Airflow's metadata database (SQLite in the temp home), created in-process like `airflow db migrate`."""
    from airflow.utils import db

    db.initdb()


@pytest.fixture
def task_env(monkeypatch, settings):
    """What a worker gives a task: `soglasie_db` points at the test's database, DATABASE_URL nowhere."""
    monkeypatch.setenv("AIRFLOW_CONN_SOGLASIE_DB", settings.database_url)
    monkeypatch.setenv("DATABASE_URL", NOWHERE)
    monkeypatch.setenv("SOGLASIE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SOGLASIE_RULES_DIR", str(settings.rules_dir))
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return monkeypatch


@dataclass(frozen=True)
class DagResult:
    """What one `dag.test()` run left behind."""

    state: str
    counts: dict | None
    try_number: int
    data_interval_end: dt.datetime | None


@pytest.fixture
def run_dag(dagbag, airflow_db, task_env):
    """`run_dag(dag_id, now, retries=0)`: run the DAG's one task in-process for the tick `now`."""
    import pendulum

    def run(dag_id: str, now: dt.datetime, retries: int = 0) -> DagResult:
        dag = dagbag.dags[dag_id]
        (task,) = dag.tasks
        # dag.test() really sleeps through retry delays: keep the retries asked for, drop the waiting.
        task.retries, task.retry_delay = retries, dt.timedelta(0)
        # Trigger timetables: a manual run at a logical date has data_interval_end == that date.
        run = dag.test(logical_date=pendulum.instance(now))
        ti = run.get_task_instance(task.task_id)
        return DagResult(state=run.state, counts=ti.xcom_pull(task_ids=task.task_id), try_number=ti.try_number,
                         data_interval_end=run.data_interval_end)

    return run
