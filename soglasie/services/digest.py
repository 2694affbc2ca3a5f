"""The morning digest: one message per person listing what waits for them, with ages."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from soglasie.core import Core
from soglasie.models import OPEN_STATUSES, Card, ProcessRun, Task, User
from soglasie.notifications import messages
from soglasie.notifications.outbox import Notice, enqueue
from soglasie.process.definitions import task_definition

HEADER = {"ru": "Доброе утро! Ждут вашего решения: {count}.", "en": "Good morning! Waiting for you: {count}."}
LINE = {"ru": "• №{card} {counterparty}, {amount} — «{task}», ждёт {age} раб. ч{overdue}",
        "en": "• #{card} {counterparty}, {amount} — \"{task}\", waiting {age} working h{overdue}"}
# A contract is named as one, with its subject (the amount is its limit).
CONTRACT_LINE = {"ru": "• Договор №{card} «{subject}», {counterparty}, {amount} — «{task}», ждёт {age} раб. ч{overdue}",
                 "en": "• Contract #{card} \"{subject}\", {counterparty}, {amount} — \"{task}\", "
                       "waiting {age} working h{overdue}"}
OVERDUE = {"ru": ", просрочено", "en": ", overdue"}


def morning_digest(core: Core, now: dt.datetime) -> dict[str, int]:
    """Send each assignee of open tasks one digest for the local day (skipped on days off)."""
    rulebook = core.rulebook
    calendar = rulebook.calendar
    local_day = now.astimezone(calendar.tz).date()
    if not calendar.is_working_day(local_day):
        return {"recipients": 0, "tasks": 0, "skipped_day_off": 1}
    counts = {"recipients": 0, "tasks": 0, "skipped_day_off": 0}
    with core.db.write() as session:
        by_user: dict[int, list[Task]] = defaultdict(list)
        waiting = session.scalars(
            select(Task).join(ProcessRun, ProcessRun.id == Task.run_id)
            .where(Task.status.in_(OPEN_STATUSES), ProcessRun.stage == Task.stage).order_by(Task.created_at))
        for task in waiting:
            by_user[task.assignee_id].append(task)
        for user_id, tasks in by_user.items():
            user = session.get(User, user_id)
            if user is None or not user.active:
                continue
            texts = {locale: _text(session, rulebook, tasks, locale, now) for locale in ("ru", "en")}
            notice = Notice(user, "digest", f"digest:{local_day.isoformat()}", texts)
            enqueue(session, notice, core.channels, now)
            counts["recipients"] += 1
            counts["tasks"] += len(tasks)
    return counts


def _text(session, rulebook, tasks: list[Task], locale: str, now: dt.datetime) -> str:
    lines = [HEADER[locale].format(count=len(tasks))]
    for task in tasks:
        card = session.get(Card, task.card_id)
        definition = task_definition(rulebook.process(card.kind), task)
        hours = rulebook.calendar.working_minutes_between(task.created_at, now) // 60
        line = CONTRACT_LINE if card.kind == "contract" else LINE
        lines.append(line[locale].format(
            card=card.id, subject=card.subject or "", counterparty=card.counterparty.name,
            amount=messages.format_amount(card.amount, locale),
            task=definition.title.get(locale), age=hours,
            overdue=OVERDUE[locale] if task.deadline and task.deadline < now else ""))
    return "\n".join(lines)
