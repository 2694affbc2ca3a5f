"""Ending a user's sessions and access: logout, deactivation and a password reset.

A user's `session_epoch` travels in his session cookie (webapp.auth.identity); bumping it ends
every cookie issued before. Deactivation and a password reset also revoke his API tokens, unlink
his Telegram chat and spend his unused Telegram deep links, so that reactivating him later brings
none of the old credentials back (docs/operations.md, "Sessions and tokens").
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.models import ApiToken, TelegramLink, User


def end_sessions(user: User) -> None:
    """Every session cookie of `user` issued so far stops working."""
    user.session_epoch = (user.session_epoch or 0) + 1


def cut_off(session: Session, user: User, now: dt.datetime) -> None:
    """End the sessions, revoke the API tokens, unlink Telegram and spend the open deep links of `user`."""
    end_sessions(user)
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now))
    session.execute(update(TelegramLink).where(TelegramLink.user_id == user.id, TelegramLink.used_at.is_(None))
                    .values(used_at=now))
    user.telegram_chat_id = None
    user.telegram_error = None


def log_out(core: Core, user_id: int) -> None:
    """Logging out ends every session of the user, including copies of the cookie made before."""
    with core.db.write() as session:
        user = session.get(User, user_id)
        if user is not None:
            end_sessions(user)
