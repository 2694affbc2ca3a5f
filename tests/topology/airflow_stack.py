"""Airflow 3 with the CeleryExecutor for the topology: `airflow db migrate` (compose's init job), then the
api-server, scheduler, dag-processor and Celery workers of the process table, on the topology's PostgreSQL
(database `airflow`) and Redis. What compose's image provides by its layout is set here as LOCAL variables.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from tests.support.postgres import _free_port

REPO = Path(__file__).resolve().parents[2]
# FAB's auth manager (compose's choice) ships in the official image, not in requirements.txt: the
# simple one, every user an admin, serves the test (the variable is the same, its value differs).
SIMPLE_AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
# A killed worker's task: the scheduler fails it after this many seconds without a heartbeat and retries it
# on another worker (compose: AIRFLOW_TASK_HEARTBEAT_TIMEOUT, Airflow's default 300).
HEARTBEAT_TIMEOUT_S = 20


def airflow_values(topology, api_port: int) -> dict[str, str]:
    """compose's x-airflow-common variables for this machine."""
    postgres = topology.postgres
    metadata = f"postgresql+psycopg://postgres@127.0.0.1:{postgres.port}/airflow"
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__AUTH_MANAGER": SIMPLE_AUTH_MANAGER,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata}",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{topology.redis_port}/0",
        "AIRFLOW__CORE__FERNET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "false",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "true",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT_S),
        "AIRFLOW_CONN_SOGLASIE_DB": topology.database_url,
        "DUMB_INIT_SETSID": "0",
    }


def local_values(topology, api_port: int) -> dict[str, str]:
    """What the image's layout and the container network give each component in compose."""
    home = topology.workdir / "airflow"
    home.mkdir(exist_ok=True)
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        # The official image has asyncpg for Airflow's async engine; requirements.txt has psycopg 3 (async too).
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC":
            f"postgresql+psycopg_async://postgres@127.0.0.1:{topology.postgres.port}/airflow",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(_free_port()),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
    }


def migrate(env: dict[str, str], log: Path) -> None:
    """compose's init job: `airflow db migrate`."""
    with log.open("ab") as out:
        subprocess.run(["airflow", "db", "migrate"], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                       check=True, timeout=600)


class AirflowApi:
    """The api-server's REST API with a token of the simple auth manager (every user an admin)."""

    def __init__(self, base_url: str):
        import requests

        self.base_url, self.http = base_url, requests.Session()
        token = self.http.get(f"{base_url}/auth/token", timeout=30).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def trigger(self, dag_id: str, at, run_id: str) -> dict:
        """A manual run standing for the instant `at` (its data interval ends there), to run now.

        The scheduler refuses to start a run whose logical date is in the future ("Logical date is in
        future"), so the logical date is the moment of the trigger and the chosen instant is the interval's end.
        """
        logical = datetime.now(timezone.utc).isoformat()
        body = {"dag_run_id": run_id, "logical_date": logical, "data_interval_start": at.isoformat(),
                "data_interval_end": at.isoformat()}
        answer = self.http.post(f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.http.get(f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns/{run_id}", timeout=30).json()

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        answer = self.http.get(f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", timeout=30)
        return answer.json()["task_instances"]

    def dag_ids(self) -> set[str]:
        answer = self.http.get(f"{self.base_url}/api/v2/dags", timeout=30)
        return {dag["dag_id"] for dag in answer.json().get("dags", [])} if answer.status_code == 200 else set()
