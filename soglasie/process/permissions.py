"""Who may see a card and who may do what to it — denied unless a rule allows it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlalchemy.orm import Session

from soglasie.errors import NotFound, PermissionDenied
from soglasie.i18n import _
from soglasie.models import Card, Department, Task, User
from soglasie.rulebook.model import ProcessDefinition, TaskDefinition

# Visibility rule: finance, accounting and operations (and the admin) see every card.
SEES_EVERYTHING = ("finance_manager", "ops_manager", "chief_accountant", "junior_accountant", "admin")


def headed_departments(session: Session, user: User) -> list[int]:
    """Ids of the departments the user heads, with all their sub-departments."""
    frontier = list(session.scalars(select(Department.id).where(Department.head_id == user.id)))
    seen = set(frontier)
    while frontier:
        children = session.scalars(select(Department.id).where(Department.parent_id.in_(frontier)))
        frontier = [child for child in children if child not in seen]
        seen.update(frontier)
    return sorted(seen)


def visible_cards_clause(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the cards `user` may see.

    An employee sees own cards, a head his departments' (sub-departments included),
    anyone the cards he has or had a task on; finance, accounting, ops and admin see all.
    """
    if not user.active:
        return false()
    if user.has_role(*SEES_EVERYTHING):
        return Card.id.is_not(None)
    clauses = [Card.initiator_id == user.id]
    departments = headed_departments(session, user)
    if departments:
        clauses.append(Card.department_id.in_(departments))
    # Cards with a task of his, tested last: the cheap column tests above settle most cards
    # first (OR short-circuits), so the EXISTS is probed only for the rest. (An IN over his
    # task ids instead made a head's board five times slower: a head has thousands of tasks.)
    clauses.append(exists().where(Task.card_id == Card.id, Task.assignee_id == user.id))
    return or_(*clauses)


def can_view(session: Session, user: User, card: Card) -> bool:
    """True when `user` may see `card`."""
    return bool(
        session.scalar(select(Card.id).where(Card.id == card.id, visible_cards_clause(session, user)))
    )


def require_view(session: Session, user: User, card: Card) -> None:
    """NotFound unless `user` may see `card` (a card you may not see does not exist for you)."""
    if not can_view(session, user, card):
        raise NotFound(_("Request not found."))


def task_refusal(user: User, task: Task, definition: TaskDefinition, action: str) -> PermissionDenied | None:
    """Why `user` may not do `action` on `task` (deny by default); None when he may."""
    if action not in definition.actions:
        return PermissionDenied(_("This action is not available for this task."), code="not_available")
    if task.assignee_id == user.id or on_behalf_of(user, task, definition, action) is not None:
        return None
    return PermissionDenied(_("This task is not assigned to you."), code="not_your_task")


def on_behalf_of(user: User, task: Task, definition: TaskDefinition, action: str) -> int | None:
    """The assignee's id when `user` takes `action` on `task` on his behalf (an `on_behalf` role), else None."""
    if task.assignee_id == user.id:
        return None
    for role, actions in definition.on_behalf.items():
        if user.has_role(role) and action in actions:
            return task.assignee_id
    return None


def may_card_action(user: User, card: Card, process: ProcessDefinition, action: str) -> bool:
    """True when the process's `card_actions` let `user` do `action` to `card`."""
    allowed = process.card_actions.get(action, ())
    if "initiator" in allowed and card.initiator_id == user.id:
        return True
    return user.has_role(*(role for role in allowed if role != "initiator"))


def card_refusal(user: User, card: Card, process: ProcessDefinition, action: str) -> PermissionDenied | None:
    """Why `user` may not do `action` to `card`: unless `may_card_action`, denied."""
    if may_card_action(user, card, process, action):
        return None
    return PermissionDenied(_("You may not do this."))
