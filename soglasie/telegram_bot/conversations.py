"""Questions the bot asked in a chat and waits an answer to (the reason to reject a task, a comment).

A question is asked with a forced reply; only a reply to that very prompt answers it (or
/cancel closes it). Any other text in the chat is not an answer, however soon it comes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from soglasie.core import Core
from soglasie.models import TelegramConversation

ANSWER_WITHIN = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Question:
    """An open question: who must answer, about which task, and the messages involved."""

    id: int
    user_id: int
    task_id: int | None
    action: str
    source_message_id: int | None


def ask(core: Core, chat_id: int, user_id: int, task_id: int, action: str, prompt_message_id: int,
        source_message_id: int | None, now: dt.datetime) -> None:
    """Remember that the bot asked `user_id` in `chat_id` for input to `action` on `task_id`."""
    with core.db.write() as session:
        session.add(TelegramConversation(
            chat_id=chat_id, user_id=user_id, task_id=task_id, action=action, prompt_message_id=prompt_message_id,
            source_message_id=source_message_id, created_at=now, expires_at=now + ANSWER_WITHIN))


def pending(core: Core, chat_id: int, user_id: int, reply_to_message_id: int | None,
            now: dt.datetime) -> Question | None:
    """The open question whose prompt the text replies to; None for a text that replies to no prompt."""
    if reply_to_message_id is None:
        return None
    with core.db.read() as session:
        row = session.scalars(_open(chat_id, user_id, now).where(
            TelegramConversation.prompt_message_id == reply_to_message_id)).first()
        return _question(row) if row is not None else None


def has_open(core: Core, chat_id: int, user_id: int, now: dt.datetime) -> bool:
    """True when a question in the chat still waits for its reply."""
    with core.db.read() as session:
        return session.scalars(_open(chat_id, user_id, now).limit(1)).first() is not None


def _open(chat_id: int, user_id: int, now: dt.datetime):
    return select(TelegramConversation).where(
        TelegramConversation.chat_id == chat_id, TelegramConversation.user_id == user_id,
        TelegramConversation.closed_at.is_(None), TelegramConversation.expires_at > now)


def close(core: Core, conversation_id: int, now: dt.datetime) -> bool:
    """Close one question; False when it was already closed (a duplicate answer)."""
    with core.db.write() as session:
        return bool(session.execute(update(TelegramConversation).where(
            TelegramConversation.id == conversation_id, TelegramConversation.closed_at.is_(None),
        ).values(closed_at=now)).rowcount)


def close_all(core: Core, chat_id: int, now: dt.datetime) -> int:
    """Close every open question in the chat (/cancel, /stop); returns how many."""
    with core.db.write() as session:
        return session.execute(update(TelegramConversation).where(
            TelegramConversation.chat_id == chat_id, TelegramConversation.closed_at.is_(None),
        ).values(closed_at=now)).rowcount


def _question(row: TelegramConversation) -> Question:
    return Question(row.id, row.user_id, row.task_id, row.action, row.source_message_id)
