"""Cards (of any process in the rule files), their process runs, tasks, attachments and timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soglasie.models.base import Base, Money, UTCDateTime
from soglasie.models.directory import CostItem, Counterparty
from soglasie.models.org import Department, User

TASK_STATUSES = ("open", "started", "done", "cancelled")
OPEN_STATUSES = ("open", "started")


class Card(Base):
    """One request of some process (a payment request, a contract, …), with everything about it in one place.

    `kind` is the id of the process in the rule files (checked against them when a card is
    filed); which of the optional columns a card uses is declared there too. `stage` mirrors
    the current run's stage so that lists and the board need no join; it is
    written only by the process engine's transition function, with the run.
    """

    __tablename__ = "cards"
    __table_args__ = (
        Index("ix_cards_kind_stage", "kind", "stage"),
        Index("ix_cards_department_kind", "department_id", "kind"),
        Index("ix_cards_department_cost_item", "department_id", "cost_item_id"),  # budget lines
        Index("ix_cards_initiator_kind", "initiator_id", "kind"),
        # The duplicate-invoice check: one indexed lookup by number, one by amount (soglasie.process.duplicates).
        Index("ix_cards_counterparty_invoice_key", "counterparty_id", "invoice_key", "invoice_year"),
        Index("ix_cards_counterparty_amount", "counterparty_id", "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    initiator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The initiator's department when the card was filed: what a head's visibility uses.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("counterparties.id"), index=True)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    cost_item_id: Mapped[int | None] = mapped_column(ForeignKey("cost_items.id"), index=True)
    hard_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    subject: Mapped[str | None] = mapped_column(String(500))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    # The invoice (cards filed before migration 0007 have none): as written, its date, VAT, and
    # the normalised number with the invoice year (or filing year) that duplicates are found by.
    invoice_number: Mapped[str | None] = mapped_column(String(100))
    invoice_date: Mapped[dt.date | None] = mapped_column(Date)
    vat_rate: Mapped[str | None] = mapped_column(String(8))  # "22", "10", "0", "exempt"
    vat_amount: Mapped[Decimal | None] = mapped_column(Money)
    invoice_key: Mapped[str | None] = mapped_column(String(100))
    invoice_year: Mapped[int | None] = mapped_column()
    stage: Mapped[str] = mapped_column(String(40))
    current_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_runs.id", use_alter=True, name="fk_cards_current_run_id_process_runs")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    initiator: Mapped[User] = relationship(foreign_keys=[initiator_id])
    department: Mapped[Department | None] = relationship()
    counterparty: Mapped[Counterparty | None] = relationship()
    cost_item: Mapped[CostItem | None] = relationship()
    current_run: Mapped["ProcessRun | None"] = relationship(foreign_keys=[current_run_id])


class ProcessRun(Base):
    """One pass of a card through its process; a restart after rejection starts a new run.

    `route` is the list of stage ids the routing rules chose when the run started, so a
    rule change never reroutes a run in flight. `resume_stage` is where `frozen` returns to;
    `asking_stage` is where `documents_requested` returns to.
    """

    __tablename__ = "process_runs"
    __table_args__ = (UniqueConstraint("card_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", name="fk_process_runs_card_id_cards"))
    number: Mapped[int] = mapped_column()
    process: Mapped[str] = mapped_column(String(32))
    rules_version: Mapped[str] = mapped_column(String(40))
    route: Mapped[list] = mapped_column(JSON)
    assignee_overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    stage: Mapped[str] = mapped_column(String(40))
    resume_stage: Mapped[str | None] = mapped_column(String(40))
    asking_stage: Mapped[str | None] = mapped_column(String(40))
    stage_entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    # Analytics: working minutes spent frozen or waiting for documents, and since when it is held now.
    held_minutes: Mapped[int] = mapped_column(default=0)
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    card: Mapped[Card] = relationship(foreign_keys=[card_id])
    tasks: Mapped[list["Task"]] = relationship(back_populates="run", order_by="Task.id")


class Task(Base):
    """Work for one person at one stage: approve, pay, attach, sign, provide documents.

    The SLA clock: `sla_consumed_minutes` working minutes used before `sla_resumed_at`;
    NULL `sla_resumed_at` means the clock is paused (or stopped). `next_check_at` is when
    the sweep must next look at the task (NULL: never again) — the sweep selects only
    `next_check_at <= now`, so its cost follows the due tasks, not the open ones.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("run_id", "stage", "kind", "seq"),
        CheckConstraint("status IN ('open', 'started', 'done', 'cancelled')", name="known_status"),
        Index("ix_tasks_assignee_status", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("process_runs.id"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(default=1)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    next_check_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    sla_consumed_minutes: Mapped[int] = mapped_column(default=0)
    sla_resumed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    # Deputies: the assignee the rules chose, while the task is with his deputy, and the absence why.
    delegated_from_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    absence_id: Mapped[int | None] = mapped_column(ForeignKey("absences.id"), index=True)
    # Analytics: frozen/documents time before and after taking into work, and since when it is held now.
    held_wait_minutes: Mapped[int] = mapped_column(default=0)
    held_work_minutes: Mapped[int] = mapped_column(default=0)
    held_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}

    run: Mapped[ProcessRun] = relationship(back_populates="tasks")
    card: Mapped[Card] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    delegated_from: Mapped[User | None] = relationship(foreign_keys=[delegated_from_id])

    @property
    def is_open(self) -> bool:
        """True while somebody still has to act on the task."""
        return self.status in OPEN_STATUSES


class Attachment(Base):
    """A file on a card or task; the bytes live under the data dir, named by their SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    comment: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    uploaded_by: Mapped[User] = relationship()


class TimelineEvent(Base):
    """One line of a card's history; rows are only ever inserted (the database refuses UPDATE and DELETE).

    `prev_hash` and `hash` chain a card's rows (soglasie/process/chain.py): `hash` covers the
    row's content and `prev_hash`, the hash of the card's previous row.
    """

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("process_runs.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # NULL only in a row written around the one writer (NoticeWriter.timeline): `audit verify` names it.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])


class ContractVersion(Base):
    """One version of a contract's document; versions are only ever added, never replaced."""

    __tablename__ = "contract_versions"
    __table_args__ = (UniqueConstraint("card_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    number: Mapped[int] = mapped_column()
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    attachment: Mapped[Attachment] = relationship()
    uploaded_by: Mapped[User] = relationship()
