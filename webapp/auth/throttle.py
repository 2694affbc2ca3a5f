"""Password login with throttling kept in the database, so every portal process shares it.

A login name is locked after SOGLASIE_LOGIN_LIMIT failures within the window (counted since
its last success). An address with SOGLASIE_LOGIN_IP_LIMIT failures in the window, whatever
names it tried, is slowed down rather than locked: one attempt every
SOGLASIE_LOGIN_IP_DELAY_SECONDS (429 with Retry-After in between). Behind a proxy or an office
NAT one address is everyone, so locking it would lock the right password out too.

Each attempt is admitted and recorded in one write transaction that holds a lock on its keys,
before the password is checked: parallel guesses queue on that lock and every one of them counts.
The row is recorded as a failure and turned into a success only once the password matched.
"""

from __future__ import annotations

import datetime as dt
import functools
import math

from flask import current_app
from sqlalchemy import delete, func, select, update

from soglasie.models import LoginAttempt, User
from soglasie.passwords import check_password, hash_password
from webapp.auth.identity import PortalUser, snapshot
from webapp.runtime import core


@functools.cache
def _dummy_hash() -> str:
    """Checked when the login is unknown, so that the answer takes as long as for a real user."""
    return hash_password("not a password")


class LoginRefused(Exception):
    """Wrong credentials, or too many attempts (`retry_seconds` set; `per_address` for the slow-down)."""

    def __init__(self, retry_seconds: int | None = None, per_address: bool = False):
        super().__init__("login refused")
        self.retry_seconds = retry_seconds
        self.per_address = per_address

    @property
    def retry_minutes(self) -> int | None:
        """The wait in whole minutes, rounded up (for the locked login's message)."""
        return max(1, math.ceil(self.retry_seconds / 60)) if self.retry_seconds else None


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["SOGLASIE_LOGIN_WINDOW_MINUTES"])


def _seconds(delta: dt.timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _failures(session, key: str, since: dt.datetime, limit: int) -> list[dt.datetime]:
    """The newest `limit` failures of `key` after `since`, newest first."""
    return list(session.scalars(
        select(LoginAttempt.at).where(LoginAttempt.key == key, LoginAttempt.success.is_(False),
                                      LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc()).limit(limit)))


def _login_wait(session, key: str, limit: int, now: dt.datetime) -> int | None:
    """Seconds until the login name `key` may try again, or None when it is not locked."""
    since = now - _window()
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.key == key, LoginAttempt.success.is_(True), LoginAttempt.at > since))
    failures = _failures(session, key, last_success or since, limit)
    if len(failures) < limit:
        return None
    return _seconds(failures[-1] + _window() - now)


def _address_wait(session, key: str, limit: int, now: dt.datetime) -> int | None:
    """Seconds until the address `key` may try again: None below its limit or once the delay passed."""
    if len(_failures(session, key, now - _window(), limit)) < limit:
        return None
    last = session.scalar(select(func.max(LoginAttempt.at)).where(LoginAttempt.key == key))
    delay = dt.timedelta(seconds=current_app.config["SOGLASIE_LOGIN_IP_DELAY_SECONDS"])
    return _seconds(last + delay - now) if last is not None and now < last + delay else None


def _admit(keys: tuple[str, str], now: dt.datetime) -> list[int]:
    """Record the attempt (as a failure) under both keys, or LoginRefused when one must wait."""
    database = core().db
    with database.write() as session:
        database.lock_names(session, ("login-throttle:" + key for key in keys))
        login_wait = _login_wait(session, keys[0], current_app.config["SOGLASIE_LOGIN_LIMIT"], now)
        if login_wait:
            raise LoginRefused(login_wait)
        address_wait = _address_wait(session, keys[1], current_app.config["SOGLASIE_LOGIN_IP_LIMIT"], now)
        if address_wait:
            raise LoginRefused(address_wait, per_address=True)
        session.execute(delete(LoginAttempt).where(LoginAttempt.key.in_(keys),
                                                   LoginAttempt.at < now - dt.timedelta(days=1)))
        rows = [LoginAttempt(key=key, at=now, success=False) for key in keys]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def authenticate(login: str, password: str, address: str, now: dt.datetime) -> PortalUser:
    """The user whose login and password match, or LoginRefused; every attempt is recorded first."""
    login = (login or "").strip()[:64]
    attempt_ids = _admit((f"login:{login.lower()}", f"ip:{address}"[:200]), now)
    with core().db.read() as session:
        user = session.scalars(select(User).where(User.login == login)).first()
        ok = check_password(user.password_hash if user else _dummy_hash(), password or "")
        ok = ok and user is not None and user.active
        result = snapshot(session, user) if ok else None
    if result is None:
        raise LoginRefused()
    with core().db.write() as session:
        session.execute(update(LoginAttempt).where(LoginAttempt.id.in_(attempt_ids)).values(success=True))
    return result
