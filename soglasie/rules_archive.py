"""The rules versions that went live, kept in the database (`rules_versions`): the last good rules across restarts.

Broken-file rule (docs/rules.md, "When a file is broken"): the last good rules stay in force.
Inside a running process the provider keeps them in memory; a process that *starts* while the
files are broken has nothing in memory, so every version that passed the check and was loaded
is stored here (its files, when it went live, by which process) and such a process loads the
newest stored one instead (soglasie/rulebook/provider.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sys
from dataclasses import dataclass
from typing import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from soglasie.db import Database
from soglasie.models import RulesVersion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredRules:
    """One stored rules version: its hash, its files' bytes by name, when it went live and by which process."""

    version: str
    files: dict[str, bytes]
    went_live_at: dt.datetime
    loaded_by: str


def this_process() -> str:
    """How a stored version names the process that loaded it: host, pid and program."""
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    return f"{socket.gethostname()} pid {os.getpid()} ({program})"[:200]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class RulesArchive:
    """Stores and reads the rules versions of one database; never fails its caller (a missing table is logged)."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime] = _utc_now, process: str | None = None):
        """`clock` gives the wall-clock instant a version goes live (the entry point's clock)."""
        self.db = db
        self.clock = clock
        self.process = process or this_process()

    def record(self, version: str, texts: Mapping[str, bytes]) -> None:
        """Store `version` as live now, unless it is already the newest stored version."""
        try:
            files = {name: data.decode("utf-8") for name, data in texts.items()}
        except UnicodeDecodeError:
            log.warning("rules version %s is not UTF-8 text: not stored in the database", version)
            return
        try:
            if self._newest_version() == version:
                return
            with self.db.write() as session:
                newest = session.scalar(select(RulesVersion.version).order_by(RulesVersion.id.desc()).limit(1))
                if newest != version:
                    session.add(RulesVersion(version=version, files=files, went_live_at=self.clock(),
                                             loaded_by=self.process))
            log.info("rules version %s stored in the database as the version in force", version)
        except SQLAlchemyError as error:
            log.info("rules version %s not stored in the database: %s", version, _first_line(error))

    def last_good(self) -> StoredRules | None:
        """The newest stored version, or None (none stored, or no database to read)."""
        try:
            with self.db.read() as session:
                row = session.scalar(select(RulesVersion).order_by(RulesVersion.id.desc()).limit(1))
                return _stored(row) if row is not None else None
        except SQLAlchemyError as error:
            log.warning("no stored rules version could be read: %s", _first_line(error))
            return None

    def history(self) -> list[StoredRules]:
        """Every stored version, newest first (raises when the database cannot be read)."""
        with self.db.read() as session:
            return [_stored(row) for row in session.scalars(select(RulesVersion).order_by(RulesVersion.id.desc()))]

    def _newest_version(self) -> str | None:
        with self.db.read() as session:
            return session.scalar(select(RulesVersion.version).order_by(RulesVersion.id.desc()).limit(1))


def _stored(row: RulesVersion) -> StoredRules:
    return StoredRules(row.version, {name: text.encode("utf-8") for name, text in row.files.items()},
                       row.went_live_at, row.loaded_by)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
