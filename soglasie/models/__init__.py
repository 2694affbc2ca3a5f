"""The data model: every table Soglasie owns (typed SQLAlchemy 2 declarative classes)."""

from soglasie.models.absence import Absence
from soglasie.models.analytics import Duration
from soglasie.models.budget import Budget
from soglasie.models.base import Base, Money, UTCDateTime
from soglasie.models.company import Company, CompanyAccount, PaymentOrder
from soglasie.models.directory import CostItem, Counterparty
from soglasie.models.notifications import OutboxMessage, SlaEvent, TelegramConversation, TelegramLink
from soglasie.models.org import ApiToken, Department, LoginAttempt, User, UserRole
from soglasie.models.process import (
    OPEN_STATUSES,
    Attachment,
    Card,
    ContractVersion,
    ProcessRun,
    Task,
    TimelineEvent,
)
from soglasie.models.rules_version import RulesVersion

__all__ = [
    "OPEN_STATUSES",
    "Absence",
    "ApiToken",
    "Attachment",
    "Base",
    "Budget",
    "Card",
    "Company",
    "CompanyAccount",
    "ContractVersion",
    "CostItem",
    "Counterparty",
    "Department",
    "Duration",
    "LoginAttempt",
    "Money",
    "OutboxMessage",
    "PaymentOrder",
    "ProcessRun",
    "RulesVersion",
    "SlaEvent",
    "Task",
    "TelegramConversation",
    "TelegramLink",
    "TimelineEvent",
    "UTCDateTime",
    "User",
    "UserRole",
]
