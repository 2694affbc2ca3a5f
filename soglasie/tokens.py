"""API tokens: random secrets shown once, stored as SHA-256 hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from soglasie.errors import NotFound
from soglasie.i18n import _
from soglasie.models import ApiToken, User

PREFIX = "sgl_"
# `last_used_at` is noted at most this often: a Bearer read must not take SQLite's write lock
# on every call (docs/operations.md, "Sessions and tokens").
USE_NOTE_INTERVAL = dt.timedelta(minutes=5)


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a plain hash is enough (no slow KDF needed).
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, login: str, now: dt.datetime, name: str = "") -> str:
    """A new token for the user `login`; the plain token is returned once and never stored."""
    user = session.scalars(select(User).where(User.login == login)).first()
    if user is None or not user.active:
        raise NotFound(_("User not found or disabled."), "login")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), name=name, created_at=now))
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a valid, unrevoked token belongs to, else None (reads only)."""
    row = token_row(session, token)
    return row.user if row is not None else None


def token_row(session: Session, token: str) -> ApiToken | None:
    """The valid, unrevoked token row of an active user, else None (reads only)."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row


def is_use_stale(row: ApiToken, now: dt.datetime) -> bool:
    """True when the token's noted last use is older than USE_NOTE_INTERVAL (or never noted)."""
    return row.last_used_at is None or row.last_used_at <= now - USE_NOTE_INTERVAL


def note_use(session: Session, token_id: int, now: dt.datetime) -> None:
    """Note the token's use, only when the noted one is stale (a no-op when another call just did)."""
    session.execute(update(ApiToken).where(
        ApiToken.id == token_id,
        or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - USE_NOTE_INTERVAL),
    ).values(last_used_at=now))
