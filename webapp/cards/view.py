"""What a card page shows, derived from the core's card dict: progress, names, the viewer's work."""

from __future__ import annotations

from soglasie.rulebook.model import DOCUMENTS_REQUESTED, FROZEN, REJECTED
from soglasie.services import profile
from webapp.runtime import core

# Events written by the system itself, shown quieter on the timeline.
SYSTEM_EVENTS = ("stage_entered", "finished", "no_assignee", "reminder_sent", "escalated", "delegated", "returned")


def progress(card: dict) -> list[dict]:
    """The run's route plus the final stage, each step done / current / todo (or stopped there)."""
    process = core().rulebook.process(card["kind"])
    run = card.get("run") or {}
    route = list(run.get("route") or []) + [process.terminal]
    stage = card["stage"]
    where, state = stage, "current"
    if stage == FROZEN:
        where, state = run.get("resume_stage"), "frozen"
    elif stage == DOCUMENTS_REQUESTED:
        where, state = run.get("asking_stage"), "waiting"
    elif stage == REJECTED:
        where, state = rejected_at(card), "rejected"
    position = route.index(where) if where in route else len(route)
    steps = []
    for index, stage_id in enumerate(route):
        if stage == process.terminal or index < position:
            status = "done"
        elif index == position:
            status = state
        else:
            status = "todo"
        steps.append({"stage": stage_id, "status": status})
    return steps


def rejected_at(card: dict) -> str | None:
    """The stage where the current run was rejected."""
    run_number = (card.get("run") or {}).get("number")
    for event in reversed(card["timeline"]):
        if event["event"] == "rejected" and event["run"] == run_number:
            return event["stage"]
    return None


def rejection(card: dict) -> dict | None:
    """The last rejection of the current run (who, why), for the banner on a rejected card."""
    if card["stage"] != REJECTED:
        return None
    run_number = (card.get("run") or {}).get("number")
    return next((event for event in reversed(card["timeline"])
                 if event["event"] == "rejected" and event["run"] == run_number), None)


def names_for(card: dict) -> dict[str, str]:
    """Full names of everybody the card mentions, by login."""
    logins = {card["initiator"]}
    logins.update(task["assignee"] for task in card["tasks"])
    logins.update(task["decided_by"] for task in card["tasks"])
    for event in card["timeline"]:
        data = event.get("data") or {}
        deputy = data.get("deputy") or {}  # a deputy's decision: for whom, and who recorded the absence
        logins.update((event["actor"], event["on_behalf_of"], data.get("to"), deputy.get("for"), deputy.get("set_by")))
    logins.update(item["uploaded_by"] for item in card["attachments"])
    logins.update(version["uploaded_by"] for version in card.get("versions") or ())
    return profile.display_names(core(), logins)


def my_tasks(card: dict, viewer_login: str) -> list[dict]:
    """The current tasks the viewer may act on, with whether he would act for someone else."""
    result = []
    for task in card["tasks"]:
        if task["actions"]:
            result.append({**task, "on_behalf": task["assignee"] != viewer_login})
    return result


def approved_in_round(card: dict) -> bool:
    """True when someone approved (or signed) in the current round: a new version then restarts the approvals."""
    return any(task["outcome"] in ("approved", "completed") and task["kind"] != "provide_documents"
               for task in card["tasks"])


def version_extras(card: dict) -> dict:
    """A versioned document's history (newest first) and the card's files other than the versions."""
    document = core().rulebook.process(card["kind"]).card.document
    if document is None or not document.versioned:
        return {}
    return {
        "versions": list(reversed(card["versions"])),
        "files": [item for item in card["attachments"] if item["purpose"] != document.purpose],
        "approved_in_round": approved_in_round(card),
    }


def context(card: dict, viewer_login: str) -> dict:
    """Everything the card template needs."""
    return {
        **version_extras(card),
        "card": card,
        "process": core().rulebook.process(card["kind"]),
        "referencing": core().rulebook.referencing(card["kind"]),  # "file a payment against it" at the end
        "steps": progress(card),
        "names": names_for(card),
        "actionable": my_tasks(card, viewer_login),
        "rejection": rejection(card),
        "own_request": card["initiator"] == viewer_login,
        "system_events": SYSTEM_EVENTS,
    }
