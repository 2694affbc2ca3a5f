"""Password login with throttling kept in the database, so every portal process shares it.

A login name is locked after SOGLASIE_LOGIN_LIMIT failures within the window (counted since
its last success), and an address after SOGLASIE_LOGIN_IP_LIMIT failures, whatever names it
tried — guessing one password for many users is throttled too.
"""

from __future__ import annotations

import datetime as dt
import functools
import math

from flask import current_app
from sqlalchemy import delete, func, select

from soglasie.models import LoginAttempt, User
from soglasie.passwords import check_password, hash_password
from webapp.auth.identity import PortalUser, snapshot
from webapp.runtime import core


@functools.cache
def _dummy_hash() -> str:
    """Checked when the login is unknown, so that the answer takes as long as for a real user."""
    return hash_password("not a password")


class LoginRefused(Exception):
    """Wrong credentials, or too many attempts (`retry_minutes` set)."""

    def __init__(self, retry_minutes: int | None = None):
        super().__init__("login refused")
        self.retry_minutes = retry_minutes


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["SOGLASIE_LOGIN_WINDOW_MINUTES"])


def _retry_minutes(session, key: str, limit: int, now: dt.datetime) -> int | None:
    """Minutes until `key` may try again, or None when it is not locked."""
    since = now - _window()
    last_success = None
    if key.startswith("login:"):  # a success clears a name's failures, never an address's
        last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
            LoginAttempt.key == key, LoginAttempt.success.is_(True), LoginAttempt.at > since))
    failures = list(session.scalars(
        select(LoginAttempt.at).where(LoginAttempt.key == key, LoginAttempt.success.is_(False),
                                      LoginAttempt.at > (last_success or since))
        .order_by(LoginAttempt.at.desc()).limit(limit)))
    if len(failures) < limit:
        return None
    unlock_at = failures[-1] + _window()
    return max(1, math.ceil((unlock_at - now).total_seconds() / 60))


def authenticate(login: str, password: str, address: str, now: dt.datetime) -> PortalUser:
    """The user whose login and password match, or LoginRefused; every attempt is recorded."""
    login = (login or "").strip()[:64]
    keys = (f"login:{login.lower()}", f"ip:{address}"[:200])
    limits = (current_app.config["SOGLASIE_LOGIN_LIMIT"], current_app.config["SOGLASIE_LOGIN_IP_LIMIT"])
    with core().db.read() as session:
        waits = [_retry_minutes(session, key, limit, now) for key, limit in zip(keys, limits)]
        if any(waits):
            raise LoginRefused(max(wait or 0 for wait in waits))
        user = session.scalars(select(User).where(User.login == login)).first()
        ok = check_password(user.password_hash if user else _dummy_hash(), password or "")
        ok = ok and user is not None and user.active
        result = snapshot(session, user) if ok else None
    _record(keys, ok, now)
    if result is None:
        raise LoginRefused()
    return result


def _record(keys: tuple[str, str], success: bool, now: dt.datetime) -> None:
    """Note the attempt under both keys; old rows of these keys are pruned on the way."""
    with core().db.write() as session:
        session.execute(delete(LoginAttempt).where(LoginAttempt.key.in_(keys),
                                                   LoginAttempt.at < now - dt.timedelta(days=1)))
        session.add_all(LoginAttempt(key=key, at=now, success=success) for key in keys)
