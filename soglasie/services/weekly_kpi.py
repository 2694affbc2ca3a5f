"""The weekly KPI message: last week's days to the terminal stage, the slowest stage, the cards stuck longest.

Sent on the first working day of each ISO week (Monday, or the first working day after a
Monday holiday — the business calendar decides) to the operations and finance managers, in
the inbox and Telegram through the outbox. The week's figures are read from `durations` by
end date (what was paid last week); stuck cards are the open ones filed longest ago. The
message's key is the ISO week, so a retry or a second run that week sends nothing new.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from soglasie.analytics.reports import Query, cycle_time, stages
from soglasie.core import Core
from soglasie.i18n import _
from soglasie.models import Card, ProcessRun, User, UserRole
from soglasie.notifications.outbox import Notice, enqueue
from soglasie.rulebook.model import ProcessDefinition

RECIPIENT_ROLES = ("ops_manager", "finance_manager")
STUCK = 3  # cards listed per process
HEADER = _("Week %(week)s (%(start)s–%(end)s): how long requests took")
LINE = _("%(Many)s: %(count)s reached «%(terminal)s», median %(median)s and p90 %(p90)s working days "
         "(target %(target)s).")
NOTHING = _("%(Many)s: nothing reached «%(terminal)s» last week.")
SLOWEST = _("  Slowest stage: «%(stage)s», p90 %(hours)s working hours.")
STUCK_LINE = _("  Waiting longest: #%(card)s at «%(stage)s», %(days)s working days since filing.")


def weekly_kpi(core: Core, now: dt.datetime) -> dict[str, int]:
    """Send last ISO week's KPI if `now` falls on this week's first working day; returns counts."""
    calendar = core.rulebook.calendar
    today = now.astimezone(calendar.tz).date()
    monday = today - dt.timedelta(days=today.weekday())
    first = next((monday + dt.timedelta(days=n) for n in range(7)
                  if calendar.is_working_day(monday + dt.timedelta(days=n))), None)
    if first != today:
        return {"recipients": 0, "skipped_not_first_working_day": 1}
    start, end = monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    year, week, _day = start.isocalendar()
    with core.db.write() as session:
        label = f"{year}-W{week:02d}"
        texts = {locale: _text(session, core, start, end, label, now, locale) for locale in ("ru", "en")}
        recipients = session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
            UserRole.role.in_(RECIPIENT_ROLES), User.active.is_(True)).distinct().order_by(User.id)).all()
        for user in recipients:
            enqueue(session, Notice(user, "weekly_kpi", f"weekly_kpi:{label}", texts), core.channels, now)
    return {"recipients": len(recipients), "skipped_not_first_working_day": 0}


def _text(session, core: Core, start: dt.date, end: dt.date, week: str, now: dt.datetime, locale: str) -> str:
    lines = [HEADER.format(week=week, start=start.strftime("%d.%m"), end=end.strftime("%d.%m")).get(locale)]
    for process in core.rulebook.processes.values():
        lines.extend(_process_lines(session, core, process, Query(process, start, end, None, by_end=True), now,
                                    locale))
    return "\n".join(lines)


def _process_lines(session, core: Core, process: ProcessDefinition, query: Query, now: dt.datetime,
                   locale: str) -> list[str]:
    rulebook = core.rulebook
    nouns = {"Many": process.nouns.get(locale).capitalized("short_many") if process.nouns else process.id,
             "terminal": process.terminal_title.get(locale)}
    kpi = cycle_time(session, rulebook, query)["overall"]
    if not kpi["count"]:
        lines = [NOTHING.format(**nouns).get(locale)]
    else:
        lines = [LINE.format(**nouns, count=kpi["count"], median=kpi["median_wd"], p90=kpi["p90_wd"],
                             target=f"{process.analytics.target_wd:g}").get(locale)]
    slowest = max(stages(session, rulebook, query)["items"], key=lambda item: item["p90_total_wh"] or 0, default=None)
    if slowest is not None:
        lines.append(SLOWEST.format(stage=slowest["title"].get(locale), hours=slowest["p90_total_wh"]).get(locale))
    # Stuck: in progress at a stage of the route (a frozen card or one waiting for documents is paused).
    stuck = session.execute(select(Card.id, Card.stage, Card.created_at).join(
        ProcessRun, ProcessRun.id == Card.current_run_id).where(
        Card.kind == process.id, ProcessRun.finished_at.is_(None), Card.stage.in_([s.id for s in process.stages]))
        .order_by(Card.created_at, Card.id).limit(STUCK))
    day = rulebook.calendar.minutes_per_day
    for card_id, stage, created_at in stuck:
        days = round(rulebook.calendar.working_minutes_between(created_at, now) / day, 1)
        lines.append(STUCK_LINE.format(card=card_id, stage=process.stage(stage).title.get(locale), days=days)
                     .get(locale))
    return lines
