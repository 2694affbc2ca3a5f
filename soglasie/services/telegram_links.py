"""Linking a Telegram chat to a user: one-time deep links, `/start <token>`, `/stop`.

The portal issues `https://t.me/<bot>?start=<token>`; only the token's SHA-256 is stored, it
expires after LINK_TTL and works once. The bot's username comes from TELEGRAM_BOT_USERNAME,
else from one `getMe` call per process (cached), so the portal needs no extra setting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import DomainError
from soglasie.i18n import _
from soglasie.models import TelegramLink, User
from soglasie.services.common import load_actor
from soglasie.settings import Settings

LINK_TTL = dt.timedelta(minutes=15)
GET_ME_TIMEOUT_S = 5.0
DEFAULT_API_ROOT = "https://api.telegram.org"
_usernames: dict[str, str] = {}  # bot token → username: getMe's answer never changes for a token
_usernames_lock = threading.Lock()


class TelegramUnavailable(DomainError):
    """Telegram is switched off (no TELEGRAM_BOT_TOKEN) or its API cannot be reached."""

    http_status = 409


def api_root(settings: Settings) -> str:
    """The Bot API server root (TELEGRAM_API_BASE_URL, with or without a trailing "/bot")."""
    root = (settings.telegram_api_base_url or DEFAULT_API_ROOT).rstrip("/")
    return root[: -len("/bot")] if root.endswith("/bot") else root


def _digest(token: str) -> str:
    # Tokens carry 192 random bits, so a plain hash is enough (no slow KDF needed).
    return hashlib.sha256(token.encode()).hexdigest()


def bot_username(settings: Settings) -> str:
    """The bot's @username: the setting, else `getMe` once per process."""
    if not settings.telegram_enabled:
        raise TelegramUnavailable(_("Telegram is not configured on this installation."), code="telegram_disabled")
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    token = settings.telegram_bot_token
    with _usernames_lock:
        if token not in _usernames:
            _usernames[token] = _ask_username(settings)
        return _usernames[token]


def _ask_username(settings: Settings) -> str:
    # A plain synchronous call: the portal is synchronous, and this happens once per process.
    url = f"{api_root(settings)}/bot{settings.telegram_bot_token}/getMe"
    try:
        answer = httpx.post(url, timeout=GET_ME_TIMEOUT_S).json()
        return answer["result"]["username"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        raise TelegramUnavailable(_("Telegram cannot be reached now; try again later."),
                                  code="telegram_unreachable") from None


def create_link(core: Core, actor_id: int, now: dt.datetime) -> str:
    """A new one-time deep link for the actor; earlier unused links of his stop working."""
    username = bot_username(core.settings)
    token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]: what /start accepts
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        session.execute(update(TelegramLink).where(
            TelegramLink.user_id == actor.id, TelegramLink.used_at.is_(None), TelegramLink.expires_at > now,
        ).values(expires_at=now))
        session.add(TelegramLink(user_id=actor.id, token_hash=_digest(token), created_at=now,
                                 expires_at=now + LINK_TTL))
    return f"https://t.me/{username}?start={token}"


def link_chat(core: Core, token: str, chat_id: int, now: dt.datetime) -> User | None:
    """Link `chat_id` to the user of a valid token (once); None for a bad, used or expired one.

    A chat linked to somebody else is moved to the token's user: only a fresh token from the
    portal, i.e. the user logged in there, can re-point a chat.
    """
    if not token or len(token) > 64:
        return None
    with core.db.write() as session:
        link = session.scalars(select(TelegramLink).where(TelegramLink.token_hash == _digest(token))
                               .with_for_update()).first()
        if link is None or link.used_at is not None or link.expires_at <= now:
            return None
        user = session.get(User, link.user_id)
        if user is None or not user.active:
            return None
        link.used_at = now
        previous = session.scalars(select(User).where(User.telegram_chat_id == chat_id, User.id != user.id)).first()
        if previous is not None:
            previous.telegram_chat_id = None
            session.flush()  # the chat id is unique: free it before giving it to the new user
        user.telegram_chat_id = chat_id
        user.telegram_error = None
        return user


def unlink_chat(core: Core, chat_id: int) -> User | None:
    """Unlink the chat (`/stop`); returns the user it was linked to, or None."""
    with core.db.write() as session:
        user = user_for_chat(session, chat_id)
        if user is not None:
            user.telegram_chat_id = None
        return user


def user_for_chat(session: Session, chat_id: int) -> User | None:
    """The active user linked to `chat_id`, or None (an unknown chat may do nothing)."""
    user = session.scalars(select(User).where(User.telegram_chat_id == chat_id)).first()
    return user if user is not None and user.active else None
