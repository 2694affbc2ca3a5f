"""Absences: a user away for some days, and the deputy his tasks go to meanwhile."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soglasie.models.base import Base, UTCDateTime
from soglasie.models.org import User


class Absence(Base):
    """`user` is away from `start` to `end` (both inclusive, dates in the calendar's time zone).

    During it his tasks of `processes` (None: every process) go to `deputy`. A cancelled
    absence keeps its row (`cancelled_at`), so the timeline's "set by" stays explainable.
    """

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        Index("ix_absences_user_id_start_date", "user_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    processes: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    def covers(self, process_id: str, day: dt.date) -> bool:
        """True when the absence applies to a task of `process_id` on `day`."""
        return (self.cancelled_at is None and self.start_date <= day <= self.end_date
                and (self.processes is None or process_id in self.processes))
