"""Durations recorded as tasks and runs end: what the analytics read (never the timeline at request time)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from soglasie.models.base import Base, UTCDateTime

# A row is about one task (`task`) or one whole run of a card (`run`, written when the run ends).
DURATION_KINDS = ("task", "run")


class Duration(Base):
    """How long one task or run took, in working minutes of the business calendar.

    For a task: `wait_minutes` from assignment until taken into work, `work_minutes` from then
    until decided, `total_minutes` their sum; time the card spent frozen or waiting for the
    initiator's documents is `held_minutes`, kept apart and counted in neither. For a run:
    `total_minutes` from the card's filing to the run's end (the cycle time, rework included),
    `work_minutes` the run itself, `held_minutes` its frozen and documents spans. The card's
    department, cost item and counterparty and its filing month are copied so that the
    reports group without joins.
    """

    __tablename__ = "durations"
    __table_args__ = (
        # Every column a report reads, after its filter: the reports scan this index only, never the table.
        Index("ix_durations_report", "process", "kind", "filed_at", "stage", "outcome", "filed_month",
              "department_id", "cost_item_id", "counterparty_id", "assignee_id", "card_id", "wait_minutes",
              "work_minutes", "total_minutes", "reminders", "escalations", "on_behalf"),
        Index("ix_durations_process_kind_ended", "process", "kind", "ended_at"),
        Index("ix_durations_card", "card_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    process: Mapped[str] = mapped_column(String(32))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("process_runs.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), unique=True)
    stage: Mapped[str] = mapped_column(String(40))
    task_kind: Mapped[str | None] = mapped_column(String(40))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    cost_item_id: Mapped[int | None] = mapped_column(ForeignKey("cost_items.id"))
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("counterparties.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    filed_month: Mapped[str] = mapped_column(String(7))  # "2026-03" in the calendar's time zone
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    wait_minutes: Mapped[int] = mapped_column(default=0)
    work_minutes: Mapped[int] = mapped_column(default=0)
    held_minutes: Mapped[int] = mapped_column(default=0)
    total_minutes: Mapped[int] = mapped_column(default=0)
    reminders: Mapped[int] = mapped_column(default=0)
    escalations: Mapped[int] = mapped_column(default=0)
