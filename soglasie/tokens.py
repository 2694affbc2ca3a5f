"""API tokens: random secrets shown once, stored as SHA-256 hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.errors import NotFound
from soglasie.i18n import _
from soglasie.models import ApiToken, User

PREFIX = "sgl_"


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


def user_for_token(session: Session, token: str, now: dt.datetime) -> User | None:
    """The active user a valid, unrevoked token belongs to (and note its use), else None."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    row.last_used_at = now
    return row.user
