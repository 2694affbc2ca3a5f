"""The organisation: departments (a tree with heads), users, their roles and API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soglasie.models.base import Base, UTCDateTime
from soglasie.rulebook.model import ROLES

_ROLE_LIST = ", ".join(f"'{role}'" for role in ROLES)


class Department(Base):
    """A department; `head` approves its requests, sub-departments fall back to the parent's."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_departments_head_id_users")
    )

    parent: Mapped["Department | None"] = relationship(remote_side=[id])
    head: Mapped["User | None"] = relationship(foreign_keys=[head_id])


class User(Base):
    """A person who logs into the portal and/or is linked to a Telegram chat."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # Telegram chat ids exceed 32 bits (groups and newer accounts).
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # Last permanent delivery error (bot blocked, chat not found), shown on the profile.
    telegram_error: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Carried in the session cookie; bumped on logout, deactivation and a password reset so that
    # every cookie issued before no longer logs anyone in (not even after a reactivation).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        """The user's roles (department headship is not a role: it comes from departments)."""
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        """True when the user has any of `roles`."""
        return not self.roles.isdisjoint(roles)


class UserRole(Base):
    """One role of one user."""

    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_LIST})", name="known_role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class ApiToken(Base):
    """A Bearer token for the REST API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """A portal login attempt, for throttling guessing (shared by every portal process)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # "login:<login>" or "ip:<address>"
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
