"""Names of the core's ids (events, statuses, roles, side stages) in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from webapp.processes import process_of
from webapp.wording import worded

EVENTS = {
    "stage_entered": _l("stage started"),
    "taken_into_work": _l("took the task into work"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "completed": _l("completed the task"),
    "documents_requested": _l("requested documents"),
    "documents_provided": _l("provided documents"),
    "attachment_added": _l("attached a file"),
    "finished": _l("process finished"),
    "no_assignee": _l("nobody can take the task"),
    "reminder_sent": _l("reminder sent"),
    "escalated": _l("escalated to the operations manager"),
    "delegated": _l("task passed to the deputy"),
    "returned": _l("task back from the deputy"),
    "version_added": _l("uploaded a new version of the document"),
    "revised": _l("approvals start over"),
    "duplicate_acknowledged": _l("acknowledged the possible duplicate"),
    "commented": _l("commented"),
    "payment_order_exported": _l("exported the payment order"),
}

# Events told about the card itself, worded with the process's nouns (see webapp.wording).
CARD_EVENTS = {
    "created": _l("filed the %(acc)s"),
    "restarted": _l("restarted the %(acc)s after rejection"),
    "frozen": _l("froze the %(acc)s"),
    "unfrozen": _l("unfroze the %(acc)s"),
}

TASK_STATUSES = {
    "open": _l("waiting"),
    "started": _l("in work"),
    "done": _l("done"),
    "cancelled": _l("cancelled"),
}

# A task's result ("approved" the event reads differently in Russian: согласовал(а) / согласовано).
OUTCOMES = {
    "approved": lazy_pgettext("task outcome", "approved"),
    "rejected": lazy_pgettext("task outcome", "rejected"),
    "completed": lazy_pgettext("task outcome", "completed"),
    "cancelled": lazy_pgettext("task outcome", "cancelled"),
}

ROLES = {
    "employee": _l("Employee"),
    "finance_manager": _l("Finance manager"),
    "ops_manager": _l("Operations manager"),
    "chief_accountant": _l("Chief accountant"),
    "junior_accountant": _l("Junior accountant"),
    "signer": _l("Signer"),
    "admin": _l("Administrator"),
}

SIDE_STAGES = {
    "rejected": _l("Rejected"),
    "frozen": _l("Frozen"),
    "documents_requested": _l("Documents requested"),
    "draft": _l("Draft"),
}

ATTACHMENT_PURPOSES = {
    "provide_documents": _l("Documents"),
    "approval": _l("Approver's file"),
}

NOTIFICATION_KINDS = {
    "task_assigned": _l("New task"),
    "rejected": _l("Rejected"),
    "documents_requested": _l("Documents requested"),
    "documents_provided": _l("Documents provided"),
    "frozen": _l("Frozen"),
    "unfrozen": _l("Unfrozen"),
    "approved_on_behalf": _l("Approved on your behalf"),
    "finished": _l("Finished"),
    "no_assignee": _l("No assignee"),
    "reminder": _l("Reminder"),
    "escalation": _l("Escalation"),
    "task_delegated_to_you": _l("New task as deputy"),
    "task_delegated": _l("Task passed to your deputy"),
    "task_passed_on": _l("Task passed on"),
    "task_returned": _l("Task back with you"),
    "task_returned_from_you": _l("Task returned"),
    "calendar_missing": _l("Production calendar"),
    "version_added": _l("New version"),
    "weekly_kpi": _l("Weekly KPI"),
}

SORTS = {
    "-created": _l("Newest first"),
    "created": _l("Oldest first"),
    "-amount": _l("Largest amount"),
    "amount": _l("Smallest amount"),
    "-updated": _l("Recently changed"),
    "updated": _l("Longest without change"),
}

LANGUAGES = {"ru": "Русский", "en": "English"}


def label(table: dict, key: str | None) -> str:
    """The translated name of `key`, or the key itself when the table does not know it."""
    if key is None:
        return ""
    value = table.get(key)
    return str(value) if value is not None else key


def event_label(event: str, kind: str) -> str:
    """What a timeline event says, worded with the nouns of process `kind`."""
    if event in CARD_EVENTS:
        return worded(CARD_EVENTS[event], process_of(kind))
    return label(EVENTS, event)
