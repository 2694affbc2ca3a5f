"""The user's own account: language, password, API tokens, Telegram link status, display names."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from soglasie import tokens
from soglasie.core import Core
from soglasie.errors import NotFound, ValidationError
from soglasie.i18n import _
from soglasie.models import ApiToken, Department, OutboxMessage, User
from soglasie.notifications.outbox import INBOX
from soglasie.passwords import check_password, hash_password
from soglasie.services.common import load_actor
from soglasie.validation import clean_text

LOCALES = ("ru", "en")
MIN_PASSWORD_LENGTH = 8
MAX_ACTIVE_TOKENS = 20


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at else None


def get_profile(core: Core, actor_id: int) -> dict:
    """What the profile page shows about the actor."""
    with core.db.read() as session:
        user = load_actor(session, actor_id)
        headed = session.scalars(select(Department.name).where(Department.head_id == user.id).order_by(Department.name))
        return {
            "id": user.id, "login": user.login, "name": user.name, "email": user.email,
            "roles": sorted(user.roles), "locale": user.locale,
            "department": user.department.name if user.department else None,
            "heads": list(headed),
            "telegram_linked": user.telegram_chat_id is not None,
            "telegram_error": user.telegram_error,
        }


def set_locale(core: Core, actor_id: int, locale: str) -> None:
    """Save the actor's language (also used for his notifications)."""
    if locale not in LOCALES:
        raise ValidationError(_("Unknown language."), "locale")
    with core.db.write() as session:
        load_actor(session, actor_id).locale = locale


def change_password(core: Core, actor_id: int, current: str | None, new: str | None) -> None:
    """Replace the actor's password after checking the current one (ends his other sessions)."""
    if not new or len(new) < MIN_PASSWORD_LENGTH or len(new) > 200:
        raise ValidationError(_("The password must be %(min)s to 200 characters long.", min=MIN_PASSWORD_LENGTH),
                              "new_password")
    with core.db.write() as session:
        user = load_actor(session, actor_id)
        if not check_password(user.password_hash, current or ""):
            raise ValidationError(_("The current password is wrong."), "current_password")
        user.password_hash = hash_password(new)


def list_tokens(core: Core, actor_id: int) -> list[dict]:
    """The actor's API tokens, newest first (their secrets are never shown again)."""
    with core.db.read() as session:
        load_actor(session, actor_id)
        rows = session.scalars(select(ApiToken).where(ApiToken.user_id == actor_id).order_by(ApiToken.id.desc()))
        return [{"id": row.id, "name": row.name, "created_at": _iso(row.created_at),
                 "last_used_at": _iso(row.last_used_at), "revoked_at": _iso(row.revoked_at),
                 "active": row.revoked_at is None} for row in rows]


def create_api_token(core: Core, actor_id: int, now: dt.datetime, name: str | None) -> str:
    """A new API token for the actor; the plain token is returned once."""
    label = clean_text(name, "name", required=True, max_length=100)
    with core.db.write() as session:
        user = load_actor(session, actor_id)
        active = session.scalars(select(ApiToken.id).where(ApiToken.user_id == user.id,
                                                           ApiToken.revoked_at.is_(None))).all()
        if len(active) >= MAX_ACTIVE_TOKENS:
            raise ValidationError(_("At most %(count)s active tokens: revoke the ones you do not use.",
                                    count=MAX_ACTIVE_TOKENS), "name")
        return tokens.create_token(session, user.login, now, label)


def revoke_token(core: Core, actor_id: int, token_id: int, now: dt.datetime) -> None:
    """Revoke one of the actor's tokens (someone else's does not exist for him)."""
    with core.db.write() as session:
        load_actor(session, actor_id)
        row = session.get(ApiToken, token_id)
        if row is None or row.user_id != actor_id:
            raise NotFound(_("Token not found."), "token")
        if row.revoked_at is None:
            row.revoked_at = now


def unlink_telegram(core: Core, actor_id: int) -> None:
    """Stop Telegram messages to the actor (he may link a chat again from the profile)."""
    with core.db.write() as session:
        user = load_actor(session, actor_id)
        user.telegram_chat_id = None
        user.telegram_error = None


def display_names(core: Core, logins) -> dict[str, str]:
    """Full names by login, for showing people in timelines and lists."""
    wanted = sorted({login for login in logins if login})
    if not wanted:
        return {}
    with core.db.read() as session:
        return dict(session.execute(select(User.login, User.name).where(User.login.in_(wanted))).all())


def open_notification(core: Core, actor_id: int, note_id: int, now: dt.datetime) -> dict:
    """Mark one of the actor's inbox messages read; returns its `request_id` and `task_id`."""
    with core.db.write() as session:
        load_actor(session, actor_id)
        note = session.get(OutboxMessage, note_id)
        if note is None or note.recipient_id != actor_id or note.channel != INBOX:
            raise NotFound(_("Notification not found."))
        if note.read_at is None:
            note.read_at = now
        return {"request_id": note.card_id, "task_id": note.task_id}


def unread_count(core: Core, actor_id: int) -> int:
    """The actor's unread inbox messages, counted exactly (the badge on every page).

    Read through the covering index ix_outbox_unread (recipient_id, channel, read_at): only
    the unread entries are visited, however long the inbox (bench/README.md, "Portal").
    """
    with core.db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient_id == actor_id, OutboxMessage.channel == INBOX,
            OutboxMessage.read_at.is_(None))) or 0


def inbox(core: Core, actor_id: int, limit: int = 50, unread_only: bool = False) -> dict:
    """The actor's inbox, newest first (read through the recipient index), with the unread count."""
    with core.db.read() as session:
        load_actor(session, actor_id)
        query = select(OutboxMessage).where(OutboxMessage.recipient_id == actor_id, OutboxMessage.channel == INBOX)
        if unread_only:
            query = query.where(OutboxMessage.read_at.is_(None))
        rows = session.scalars(query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit))
        tz = core.rulebook.calendar.tz
        items = [{"id": row.id, "at": row.created_at.astimezone(tz).isoformat(), "kind": row.kind, "text": row.text,
                  "request_id": row.card_id, "task_id": row.task_id, "read": row.read_at is not None}
                 for row in rows]
    return {"items": items, "unread": unread_count(core, actor_id)}
