"""Who is logged in: a small immutable snapshot of the user, loaded once per request."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_login import UserMixin
from sqlalchemy import select

from soglasie.models import Department, User
from webapp.runtime import core


@dataclass(frozen=True)
class PortalUser(UserMixin):
    """The user as the portal needs him; never a live ORM object outside its session."""

    id: int
    login: str
    name: str
    roles: frozenset[str]
    locale: str
    department_id: int | None
    heads_department: bool
    session_key: str

    def get_id(self) -> str:
        """Flask-Login's session id "<id>:<epoch>.<key>": a new epoch or password ends old sessions."""
        return f"{self.id}:{self.session_key}"

    def has_role(self, *roles: str) -> bool:
        """True when the user has any of `roles`."""
        return not self.roles.isdisjoint(roles)

    @property
    def is_admin(self) -> bool:
        """The admin sees the admin pages."""
        return "admin" in self.roles


def session_key(user: User) -> str:
    """The user's session epoch and a short fingerprint of his password hash.

    Both travel in the session cookie and are compared on every request: logging out,
    deactivation or a password reset bumps the epoch (docs/operations.md, "Sessions"), and
    changing one's password changes the fingerprint, so every cookie issued before stops working.
    """
    fingerprint = hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
    return f"{user.session_epoch or 0}.{fingerprint}"


def snapshot(session, user: User) -> PortalUser:
    """A PortalUser from an ORM user inside an open session."""
    heads = session.scalar(select(Department.id).where(Department.head_id == user.id).limit(1)) is not None
    return PortalUser(user.id, user.login, user.name, user.roles, user.locale or "ru", user.department_id,
                      heads, session_key(user))


def load_user(session_id: str) -> PortalUser | None:
    """Flask-Login's user_loader: the active user whose id and key match the session."""
    user_id, _, key = (session_id or "").partition(":")
    if not user_id.isdigit() or len(user_id) > 9:
        return None
    with core().db.read() as session:
        user = session.get(User, int(user_id))
        if user is None or not user.active or session_key(user) != key:
            return None
        return snapshot(session, user)


def reload_user(user_id: int) -> PortalUser:
    """A fresh snapshot of a user (after he changed his own password or language)."""
    with core().db.read() as session:
        return snapshot(session, session.get(User, user_id))
