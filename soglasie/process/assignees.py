"""Who gets a task: the rule-file assignee rules resolved against the org structure."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from soglasie.models import OPEN_STATUSES, Department, Task, User, UserRole
from soglasie.rulebook.model import AssigneeRule

# Guards against a corrupted department tree (a cycle) when walking up to find a head.
MAX_TREE_DEPTH = 64
# The assignee's roles are not needed to give him a task: loaded only if someone asks (not one SELECT per task).
_WITHOUT_ROLES = (lazyload(User.role_rows),)


def department_head(session: Session, department_id: int | None) -> User | None:
    """The nearest active head walking up from `department_id`; None when nobody heads it."""
    seen: set[int] = set()
    while department_id is not None and department_id not in seen and len(seen) < MAX_TREE_DEPTH:
        seen.add(department_id)
        department = session.get(Department, department_id)
        if department is None:
            return None
        if department.head_id is not None:
            head = session.get(User, department.head_id, options=_WITHOUT_ROLES)
            if head is not None and head.active:
                return head
        department_id = department.parent_id
    return None


def least_loaded_with_role(session: Session, role: str, excluded: Collection[int] = ()) -> User | None:
    """The active user with `role`, not in `excluded`, who has the fewest open tasks (ties: the oldest account)."""
    open_tasks = (
        select(func.count(Task.id))
        .where(Task.assignee_id == User.id, Task.status.in_(OPEN_STATUSES))
        .correlate(User)
        .scalar_subquery()
    )
    return session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role, User.active.is_(True), User.id.not_in(list(excluded)))
        .order_by(open_tasks, User.id)
        .limit(1)
        .options(*_WITHOUT_ROLES)
    ).first()


def resolve(session: Session, rule: AssigneeRule, initiator: User, assignee: User | None = None) -> User | None:
    """The user `rule` names for a card filed by `initiator`, or None when nobody fits.

    `initiator_head` falls back to the operations manager (the head rule: "if none, the operations
    manager"); `assignee` is the assignee of the task an SLA rule is attached to.
    """
    if rule.kind == "initiator_head":
        return department_head(session, initiator.department_id) or least_loaded_with_role(
            session, "ops_manager"
        )
    if rule.kind == "role":
        return least_loaded_with_role(session, rule.value or "")
    if rule.kind == "user":
        user = session.scalars(select(User).where(User.login == rule.value)).first()
        return user if user is not None and user.active else None
    if rule.kind == "initiator":
        return initiator if initiator.active else None
    if rule.kind == "assignee":
        return assignee
    raise ValueError(f"unknown assignee rule {rule.kind!r}")


def fallback(session: Session, rule: AssigneeRule, initiator: User, excluded: Collection[int]) -> User | None:
    """Who takes a task of `rule` when its assignee is away and his deputies cannot: None when nobody.

    Heads fall back to the operations manager (the head rule), a role to another holder of it;
    a named user, the initiator or an SLA assignee has no substitute.
    """
    if rule.kind == "initiator_head":
        return least_loaded_with_role(session, "ops_manager", excluded)
    if rule.kind == "role":
        return least_loaded_with_role(session, rule.value or "", excluded)
    return None


def resolve_login(
    session: Session, rule: AssigneeRule, initiator_login: str, stage_id: str | None = None
) -> str | None:
    """`resolve` by logins (the CLI's `rules simulate`); None when nobody fits."""
    initiator = session.scalars(select(User).where(User.login == initiator_login)).first()
    if initiator is None:
        raise LookupError(f"no user with login {initiator_login!r}")
    user = resolve(session, rule, initiator)
    return user.login if user is not None else None
