"""The Alembic migrations build exactly the tables the models declare, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from soglasie import schema
from soglasie.models import Base


def test_migrations_match_the_models(core):
    with core.db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_downgrade_and_upgrade_again(core):
    schema.upgrade(core.db, "base")
    schema.upgrade(core.db)
    with core.db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_sqlite_runs_in_wal_mode(core):
    if not core.db.is_sqlite:
        pytest.skip("a SQLite setting")
    with core.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
