"""Database engine and transactions: SQLite (WAL, busy timeout, IMMEDIATE writes) or PostgreSQL."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from soglasie.private_files import create_private

# How long a SQLite writer waits for another writer before giving up ("database is locked").
SQLITE_BUSY_TIMEOUT_MS = 30_000
_WRITE = "soglasie_write"


def is_sqlite(engine_or_url) -> bool:
    """True when the URL or engine points at SQLite."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(database_url: str, **kwargs) -> Engine:
    """An engine configured for Soglasie's transaction discipline on either database."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if url.database not in (None, "", ":memory:") and not url.database.startswith("file:"):
        create_private(Path(url.database))  # the database holds password hashes: owner only (0600)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE for write transactions.

    pysqlite's own implicit transactions are switched off so that we issue BEGIN ourselves:
    a write transaction takes the write lock up front (BEGIN IMMEDIATE), which makes
    concurrent transitions queue on the busy timeout instead of failing halfway with
    SQLITE_BUSY when a reader tries to upgrade to a writer.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One engine and its sessions; `write()` and `read()` are the only ways in."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, database_url: str, **kwargs) -> "Database":
        """Build from a SQLAlchemy URL."""
        return cls(make_engine(database_url, **kwargs))

    @property
    def is_sqlite(self) -> bool:
        """True on SQLite (no row locks: the write lock serialises writers)."""
        return is_sqlite(self.engine)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on error."""
        with self._sessions() as session:
            session.connection(execution_options={_WRITE: True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; whatever it changes is rolled back."""
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    def lock_names(self, session: Session, names) -> None:
        """Serialise write transactions on `names` until this one ends (login throttling's counters).

        PostgreSQL: transaction-level advisory locks, taken in a fixed order (no deadlocks).
        SQLite: nothing to do, a write transaction already holds the database's write lock.
        """
        if self.is_sqlite:
            return
        for name in sorted(set(names)):
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
