"""What a DAG task needs to call a core service: the settings, the core, and the run's instant."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Iterator

from soglasie.core import Core
from soglasie.settings import Settings
from soglasie_airflow.database import soglasie_database_url


def task_settings() -> Settings:
    """Settings built once per task from the environment; the `soglasie_db` connection wins."""
    settings = Settings.from_env()
    url = soglasie_database_url()
    return settings.with_overrides(database_url=url) if url else settings


@contextmanager
def core_for_task() -> Iterator[Core]:
    """The core for one task; its connections are closed when the task is done."""
    core = Core.from_settings(task_settings())
    try:
        yield core
    finally:
        core.db.dispose()


def run_instant(data_interval_end=None, dag_run=None) -> dt.datetime:
    """The instant a run stands for: its interval end (the schedule tick), never the wall clock.

    A manual run triggered without a logical date has no interval; it stands for the moment
    it was triggered (`run_after`), which stays the same when the task is retried.
    """
    instant = data_interval_end or getattr(dag_run, "run_after", None)
    if instant is None:
        raise ValueError("the run has neither a data interval nor run_after: nothing to take `now` from")
    # A plain tz-aware datetime: pendulum's subclass leaks its arithmetic into the core otherwise.
    return dt.datetime.fromisoformat(instant.isoformat())
