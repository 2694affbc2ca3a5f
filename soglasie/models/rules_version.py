"""The rules versions that went live: what a process falls back on when the files are broken at its start."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from soglasie.models.base import Base, UTCDateTime


class RulesVersion(Base):
    """One going-live of a rules version that passed the check: its files (name → text), when, and by whom.

    A row is added when a process loads a version that differs from the newest row, so the
    table reads as the history of what was in force; rows are never changed.
    """

    __tablename__ = "rules_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict] = mapped_column(JSON)
    went_live_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    loaded_by: Mapped[str] = mapped_column(String(200))  # "<host> pid <pid> (<program>)"
