"""Parse dags/ in a fresh interpreter with every way to a database or a connection blocked.

Run by test_dag_bag.py (not a test itself). Prints one JSON report: import errors, parse
times, the DAG ids, the blocked attempts, and which Soglasie modules got imported.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import sys
import time

ATTEMPTS: list[str] = []


def _blocker(what: str):
    def blocked(*args, **kwargs):
        ATTEMPTS.append(what)
        raise RuntimeError(f"parse-time access: {what}")
    return blocked


def block_databases_and_network() -> None:
    """Make every database connect, socket connect and connection lookup fail loudly (and record it)."""
    import psycopg

    socket.socket.connect = _blocker("socket.connect")
    socket.create_connection = _blocker("socket.create_connection")
    sqlite3.connect = sqlite3.dbapi2.connect = _blocker("sqlite3.connect")  # SQLAlchemy calls dbapi2's
    psycopg.connect = psycopg.Connection.connect = _blocker("psycopg.connect")
    from airflow.sdk import BaseHook, Connection, Variable

    BaseHook.get_connection = _blocker("BaseHook.get_connection")
    Connection.get = _blocker("Connection.get")
    Variable.get = _blocker("Variable.get")


def warm_shared_imports() -> None:
    """Import what every DAG file imports first, so that no file's parse time carries them.

    The dag-processor has Airflow's SDK and the plugin's defaults loaded once for all files; without
    this, whichever file happened to be parsed first paid for them, and a loaded machine pushed that
    one file over the budget. The budget is about each file's own top-level cost.
    """
    from airflow.sdk import CronTriggerTimetable, dag, task  # noqa: F401
    from soglasie_airflow.dag_defaults import COMPANY_TZ, START_DATE, TAGS, default_args  # noqa: F401


def main(dags_dir: str) -> None:
    """Parse and report."""
    block_databases_and_network()
    from airflow.models import DagBag

    warm_shared_imports()

    started = time.perf_counter()
    bag = DagBag(dag_folder=dags_dir)
    print(json.dumps({
        "import_errors": bag.import_errors,
        "warnings": {path: list(lines) for path, lines in bag.captured_warnings.items()},
        "parse_seconds": {stat.file: stat.duration.total_seconds() for stat in bag.dagbag_stats},
        "total_seconds": time.perf_counter() - started,
        "dag_ids": sorted(bag.dag_ids),
        "attempts": ATTEMPTS,
        "soglasie_modules": sorted(name for name in sys.modules if name == "soglasie" or name.startswith("soglasie.")),
    }))


if __name__ == "__main__":
    main(sys.argv[1])
