"""Questions the bot asked in a chat and waits an answer to (the reason to reject a task)."""

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
    """The question a text answers: the prompt it replies to, else the chat's latest open one."""
    with core.db.read() as session:
        query = select(TelegramConversation).where(
            TelegramConversation.chat_id == chat_id, TelegramConversation.user_id == user_id,
            TelegramConversation.closed_at.is_(None), TelegramConversation.expires_at > now)
        if reply_to_message_id is not None:
            row = session.scalars(query.where(TelegramConversation.prompt_message_id == reply_to_message_id)).first()
            if row is not None:
                return _question(row)
        row = session.scalars(query.order_by(TelegramConversation.id.desc())).first()
        return _question(row) if row is not None else None


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
