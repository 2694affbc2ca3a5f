"""Fixtures that compose: database (SQLite and PostgreSQL) → core → users → a filed request.

Every test that takes `core` runs twice, once on a SQLite file and once on a database of a
throwaway PostgreSQL cluster; each test gets a fresh copy of a migrated template holding the
demo company. PostgreSQL is never skipped silently: if it cannot start, those tests fail
(set SOGLASIE_TESTS_WITHOUT_POSTGRES=1 to deselect them knowingly on a machine without it).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from soglasie import schema
from soglasie.core import Core
from soglasie.db import Database
from soglasie.demo import load_demo
from soglasie.models import User
from soglasie.settings import Settings
from tests.support.files import pdf_bytes
from tests.support.postgres import PostgresCluster
from tests.support.rules import RULES_DIR

MSK = ZoneInfo("Europe/Moscow")
# A Tuesday morning, working time: most tests start here and pass time explicitly.
T0 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=MSK)
WITHOUT_POSTGRES = os.environ.get("SOGLASIE_TESTS_WITHOUT_POSTGRES") == "1"
BACKENDS = ["sqlite"] if WITHOUT_POSTGRES else ["sqlite", "postgresql"]
_counter = itertools.count()
SECRET_KEY = "test-secret-key-of-32-bytes-or-more"  # the portal refuses keys under 32 bytes


def _prepare(database_url: str) -> None:
    database = Database.from_url(database_url)
    schema.upgrade(database)
    with database.write() as session:
        load_demo(session, T0)
    database.dispose()


@pytest.fixture(scope="session")
def postgres_cluster():
    """One PostgreSQL server for the whole run, with a migrated demo template database."""
    cluster = PostgresCluster()
    cluster.start()
    try:
        cluster.admin_sql("CREATE DATABASE soglasie_template")
        _prepare(cluster.url("soglasie_template"))
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file with the demo company, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    _prepare(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:  # fold the WAL into the file before copying it
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh database holding the demo company, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "soglasie.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    cluster = request.getfixturevalue("postgres_cluster")
    name = f"test_{os.getpid()}_{next(_counter)}"
    cluster.admin_sql(f"CREATE DATABASE {name} TEMPLATE soglasie_template")
    yield cluster.url(name)
    cluster.admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    """Settings for one test: its own database and data directory, the repo's rules."""
    return Settings(database_url=database_url, data_dir=tmp_path / "data", rules_dir=RULES_DIR,
                    secret_key=SECRET_KEY)


@pytest.fixture
def core(settings):
    """The runtime the services take."""
    runtime = Core.from_settings(settings)
    yield runtime
    runtime.db.dispose()


@pytest.fixture
def users(core) -> dict[str, int]:
    """Demo user ids by login."""
    with core.db.read() as session:
        return {user.login: user.id for user in session.scalars(select(User))}


@pytest.fixture
def invoice():
    """A valid PDF invoice upload."""
    from soglasie.services.common import Upload

    return Upload(pdf_bytes("invoice 42"), "invoice-42.pdf")
