"""Every DAG file parses quickly, without errors, and touches no database or connection while parsing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dags.conftest import DAG_IDS, DAGS_DIR, NOWHERE

pytestmark = pytest.mark.airflow
PARSE_BUDGET_S = 0.5


def test_every_file_is_one_dag_named_after_it(dagbag):
    assert dagbag.import_errors == {}
    assert dagbag.captured_warnings == {}
    assert sorted(dagbag.dag_ids) == sorted(DAG_IDS)
    assert sorted(path.stem for path in DAGS_DIR.glob("*.py")) == sorted(DAG_IDS)
    for dag_id in DAG_IDS:
        assert Path(dagbag.dags[dag_id].fileloc).stem == dag_id


def test_each_file_parses_within_budget(dagbag):
    slow = {stat.file: stat.duration.total_seconds() for stat in dagbag.dagbag_stats
            if stat.duration.total_seconds() >= PARSE_BUDGET_S}
    assert slow == {}
    assert {stat.file for stat in dagbag.dagbag_stats} == {f"{dag_id}.py" for dag_id in DAG_IDS}


@pytest.fixture(scope="module")
def cold_parse() -> dict:
    """A DagBag in a fresh interpreter with databases, sockets and connection lookups blocked."""
    env = {**os.environ, "DATABASE_URL": "postgresql+psycopg://nobody@db.invalid:1/nowhere",
           "AIRFLOW_CONN_SOGLASIE_DB": NOWHERE}
    probe = Path(__file__).with_name("parse_probe.py")
    done = subprocess.run([sys.executable, str(probe), str(DAGS_DIR)], env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_parsing_touches_no_database_or_connection(cold_parse):
    assert cold_parse["attempts"] == []
    assert cold_parse["import_errors"] == {}
    assert cold_parse["dag_ids"] == sorted(DAG_IDS)


def test_parsing_imports_no_soglasie_module(cold_parse):
    # The core (SQLAlchemy models, rules engine) is imported inside the task bodies only.
    assert cold_parse["soglasie_modules"] == []


def test_each_file_parses_within_budget_in_a_fresh_interpreter(cold_parse):
    assert {name: seconds for name, seconds in cold_parse["parse_seconds"].items() if seconds >= PARSE_BUDGET_S} == {}


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_dag_follows_the_house_rules(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    (task,) = dag.tasks
    assert dag.catchup is False and dag.max_active_runs == 1
    assert dag.start_date.tzinfo is not None and "soglasie" in dag.tags
    assert dag.doc_md and "Returns" in dag.doc_md and "Idempotent" in dag.doc_md
    assert task.retries >= 2 and task.retry_exponential_backoff and task.max_retry_delay
    assert task.execution_timeout is not None


@pytest.mark.parametrize(("dag_id", "cron", "tz"), [
    ("sla_sweep", "*/15 * * * *", "Europe/Moscow"),
    ("accounting_tasks", "*/5 * * * *", "Europe/Moscow"),
    ("notification_dispatch", "* * * * *", "Europe/Moscow"),
    ("morning_digest", "0 9 * * 1-6", "Europe/Moscow"),
    ("backup", "30 2 * * *", "Europe/Moscow"),
    ("weekly_kpi", "0 9 * * 1-5", "Europe/Moscow"),
    ("bank_statement_import", "*/10 8-19 * * 1-5", "Europe/Moscow"),
])
def test_schedules(dagbag, dag_id, cron, tz):
    from airflow.sdk import CronTriggerTimetable

    timetable = dagbag.dags[dag_id].timetable
    assert isinstance(timetable, CronTriggerTimetable)
    assert timetable.expression == cron and str(timetable.timezone) == tz
