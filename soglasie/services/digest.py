"""The morning digest: one message per person listing what waits for them, with ages.

From 1 November, while next year's production calendar is not known, the admins are also told,
once per ISO week, with the command that imports it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from soglasie.calendar_year import IMPORT_COMMAND, missing_next_year
from soglasie.core import Core
from soglasie.models import OPEN_STATUSES, Card, ProcessRun, Task, User, UserRole
from soglasie.notifications import messages
from soglasie.notifications.outbox import Notice, enqueue
from soglasie.i18n import _
from soglasie.process.definitions import task_definition

HEADER = _("Good morning! Waiting for you: %(count)s.")
# A card with a subject is named by its noun and subject ("• Договор №7 «Поставка банок», …"),
# one without by its number alone ("• №5 ООО «Ромашка», 150 000,00 ₽ — …").
LINE = _('• #%(card)s%(space_details)s — "%(task)s", waiting %(age)s working h%(overdue)s')
LINE_WITH_SUBJECT = _('• %(Noun)s #%(card)s%(subject)s%(comma_details)s — "%(task)s", '
                      'waiting %(age)s working h%(overdue)s')
OVERDUE = _(", overdue")
CALENDAR_MISSING = _("The production calendar of %(year)s is not known yet: its transfer decree is neither in the "
                     "holidays package nor imported, so deadlines and reminders in %(year)s would be counted "
                     "without it. Import the published calendar (the XML production calendar or a date,type CSV) "
                     "on the server: %(command)s")


def morning_digest(core: Core, now: dt.datetime) -> dict[str, int]:
    """Send each assignee of open tasks one digest for the local day (skipped on days off)."""
    rulebook = core.rulebook
    calendar = rulebook.calendar
    local_day = now.astimezone(calendar.tz).date()
    warned = calendar_warning(core, now)
    if not calendar.is_working_day(local_day):
        return {"recipients": 0, "tasks": 0, "skipped_day_off": 1, "calendar_warnings": warned}
    counts = {"recipients": 0, "tasks": 0, "skipped_day_off": 0, "calendar_warnings": warned}
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


def calendar_warning(core: Core, now: dt.datetime) -> int:
    """Tell every active admin that next year's calendar is missing (from 1 November), once per ISO week.

    The outbox key names the year and the ISO week of `now`, so a retry, a rerun or an overlapping
    run in the same week writes nothing new (the key is unique); returns the admins told now.
    """
    calendar = core.rulebook.calendar
    local_day = now.astimezone(calendar.tz).date()
    year = missing_next_year(calendar, local_day)
    if year is None:
        return 0
    week = local_day.isocalendar()
    key = f"calendar_missing:{year}:{week.year}-W{week.week:02d}"
    texts = {locale: CALENDAR_MISSING.format(year=year, command=IMPORT_COMMAND).get(locale) for locale in ("ru", "en")}
    told = 0
    with core.db.write() as session:
        admins = session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                 .where(UserRole.role == "admin", User.active.is_(True)).order_by(User.id))
        for admin in admins:
            told += enqueue(session, Notice(admin, "calendar_missing", key, texts), core.channels, now) > 0
    return told


def _text(session, rulebook, tasks: list[Task], locale: str, now: dt.datetime) -> str:
    lines = [HEADER.format(count=len(tasks)).get(locale)]
    for task in tasks:
        card = session.get(Card, task.card_id)
        process = rulebook.process(card.kind)
        definition = task_definition(process, task)
        hours = rulebook.calendar.working_minutes_between(task.created_at, now) // 60
        line = LINE_WITH_SUBJECT if card.subject else LINE
        lines.append(line.format(
            **messages.card_params(process, card), task=definition.title, age=hours,
            overdue=OVERDUE if task.deadline and task.deadline < now else "").get(locale))
    return "\n".join(lines)
