"""The data model: every table Soglasie owns (typed SQLAlchemy 2 declarative classes)."""

from soglasie.models.base import Base, Money, UTCDateTime
from soglasie.models.directory import CostItem, Counterparty
from soglasie.models.notifications import OutboxMessage, SlaEvent
from soglasie.models.org import ApiToken, Department, User, UserRole
from soglasie.models.process import (
    OPEN_STATUSES,
    Attachment,
    Card,
    ProcessRun,
    Task,
    TimelineEvent,
)

__all__ = [
    "OPEN_STATUSES",
    "ApiToken",
    "Attachment",
    "Base",
    "Card",
    "CostItem",
    "Counterparty",
    "Department",
    "Money",
    "OutboxMessage",
    "ProcessRun",
    "SlaEvent",
    "Task",
    "TimelineEvent",
    "UTCDateTime",
    "User",
    "UserRole",
]
