"""What /tasks and /card read and queue: a page of my open tasks, and a task or card sent through the outbox.

Opening a task or a card writes a Telegram-only outbox row (`OPEN_KIND`) that the drain
delivers like any task message — summary, document and the buttons the user may use now —
so it is exactly-once too (keyed on the Telegram update, so a redelivered update sends
nothing more). Visibility is the portal's: a card the user may not see is "not found".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.models import Card, Task, User
from soglasie.notifications import messages
from soglasie.notifications.outbox import OPEN_KIND, enqueue_telegram
from soglasie.process import permissions
from soglasie.process.definitions import task_definition
from soglasie.services.worklists import open_tasks_select

PER_PAGE = 5


@dataclass(frozen=True)
class TaskRow:
    """One line of /tasks: the task, its card, its title in the user's language, its deadline."""

    task_id: int
    card_id: int
    title: str
    deadline: str


@dataclass(frozen=True)
class TasksPage:
    """One page of /tasks."""

    rows: list[TaskRow]
    total: int
    page: int
    pages: int


def tasks_page(core: Core, user_id: int, page: int, locale: str) -> TasksPage:
    """The user's open tasks, the latest deadline first (no deadline last), `PER_PAGE` a page."""
    with core.db.read() as session:
        mine = open_tasks_select(user_id)
        total = session.scalar(select(func.count()).select_from(mine.subquery()))
        pages = max(1, math.ceil(total / PER_PAGE))
        page = min(max(page, 1), pages)
        tasks = session.scalars(mine.order_by(Task.deadline.is_(None), Task.deadline.desc(), Task.id.desc())
                                .offset((page - 1) * PER_PAGE).limit(PER_PAGE))
        tz = core.rulebook.calendar.tz
        rows = [TaskRow(task.id, task.card_id,
                        task_definition(core.rulebook.process(task.card.kind), task).title.get(locale),
                        messages.format_time(task.deadline, locale, tz)) for task in tasks]
        return TasksPage(rows, total, page, pages)


def open_task(core: Core, user_id: int, task_id: int, update_id: int, now: dt.datetime) -> bool:
    """Queue the task's message (summary, document, actions) for the user; False when he may not see it."""
    with core.db.write() as session:
        user = session.get(User, user_id)
        task = session.get(Task, task_id)
        if user is None or task is None or not (task.assignee_id == user.id or
                                                permissions.can_view(session, user, task.card)):
            return False
        return _queue(session, user, task.card, task, update_id, now)


def open_card(core: Core, user_id: int, card_id: int, update_id: int, now: dt.datetime) -> bool:
    """Queue the card's message for the user, with his open task on it if he has one; False: not found."""
    with core.db.write() as session:
        user = session.get(User, user_id)
        card = session.get(Card, card_id)
        if user is None or card is None or not permissions.can_view(session, user, card):
            return False
        task = session.scalars(open_tasks_select(user.id).where(Task.card_id == card.id)
                               .order_by(Task.id)).first()
        return _queue(session, user, card, task, update_id, now)


def _queue(session, user: User, card: Card, task: Task | None, update_id: int, now: dt.datetime) -> bool:
    key = f"{OPEN_KIND}:{user.id}:{card.id}:{task.id if task else 0}:{update_id}"
    enqueue_telegram(session, user, OPEN_KIND, key, "", now, card_id=card.id, task_id=task.id if task else None)
    return True

