"""The analytics reports: cycle time, stages, approvers and rework, read from `durations` only.

A report is about one process (its terminal stage and `analytics:` settings come from its rule
file) and a period of filing dates (or, for the weekly message, of end dates), seen by one
user: finance, accounting, ops and the admin see everything, a head his departments, anyone
else nothing (PermissionDenied). Times are working minutes of the business calendar; a working
day is the calendar's standard day (8 hours), an hour 60 minutes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, cast, select
from sqlalchemy.orm import Session

from soglasie.analytics.figures import grouped, quantile, scaled
from soglasie.analytics.tally import tally
from soglasie.errors import PermissionDenied
from soglasie.i18n import _
from soglasie.models import CostItem, Counterparty, Department, Duration, User
from soglasie.process.permissions import SEES_EVERYTHING, headed_departments
from soglasie.rulebook.model import ProcessDefinition, RuleBook

GROUPS = ("month", "department", "cost_item", "counterparty")
_GROUP_COLUMNS = {"month": Duration.filed_month, "department": Duration.department_id,
                  "cost_item": Duration.cost_item_id, "counterparty": Duration.counterparty_id}
DECIDED = ("approved", "rejected", "completed")


@dataclass(frozen=True)
class Query:
    """What a report is asked about: a process, a period [start, end] of dates, whose view."""

    process: ProcessDefinition
    start: dt.date
    end: dt.date
    departments: tuple[int, ...] | None  # None: every department (the viewer sees all)
    by_end: bool = False  # the period is of end dates (the weekly message), not filing dates


def scope(session: Session, user: User) -> tuple[int, ...] | None:
    """The departments `user`'s analytics cover (None: all); PermissionDenied when none."""
    if user.active and user.has_role(*SEES_EVERYTHING):
        return None
    departments = headed_departments(session, user) if user.active else []
    if not departments:
        raise PermissionDenied(_("Analytics are for finance, accounting, operations and department heads."))
    return tuple(departments)


def _where(query: Query, rulebook: RuleBook, kind: str) -> ColumnElement[bool]:
    tz = rulebook.calendar.tz
    low = dt.datetime.combine(query.start, dt.time(), tz)
    high = dt.datetime.combine(query.end + dt.timedelta(days=1), dt.time(), tz)
    column = Duration.ended_at if query.by_end else Duration.filed_at
    clauses = [Duration.process == query.process.id, Duration.kind == kind, column >= low, column < high]
    if query.departments is not None:
        clauses.append(Duration.department_id.in_(query.departments))
    return and_(*clauses)


def cycle_time(session: Session, rulebook: RuleBook, query: Query, group_by: str = "month") -> dict:
    """Working days from filing to the terminal stage, per group: count, median, p90, mean, share on target."""
    day = rulebook.calendar.minutes_per_day
    spec = query.process.analytics
    key = _GROUP_COLUMNS[group_by]
    groups = grouped(tally(session, (key, Duration.total_minutes),
                           and_(_where(query, rulebook, "run"), Duration.stage == query.process.terminal)))
    labels = _labels(session, group_by, [k for k in groups if k is not None])
    target = spec.target_wd * day
    items = [{"key": labels[k][0] if k in labels else k, "label": labels[k][1] if k in labels else k,
              **_summary(counts, day, target)}
             for k, counts in sorted(groups.items(), key=lambda item: (item[0] is None, str(item[0])))]
    overall = _summary(sorted((v, n) for counts in groups.values() for v, n in counts), day, target)
    return {"items": items, "overall": overall, "target_wd": spec.target_wd,
            "baseline_wd": list(spec.baseline_wd) if spec.baseline_wd else None}


def _summary(counts: list[tuple[int, int]], day: int, target: float) -> dict:
    """Count, median, p90 and mean in working days, and the share within `target` minutes."""
    count = sum(n for _, n in counts)
    if not count:
        return {"count": 0, "median_wd": None, "p90_wd": None, "mean_wd": None, "within_target": None}
    within = 0
    for value, n in counts:  # sorted: the values on target come first
        if value > target:
            break
        within += n
    return {"count": count, "median_wd": scaled(quantile(counts, 0.5, count), day),
            "p90_wd": scaled(quantile(counts, 0.9, count), day),
            "mean_wd": scaled(sum(v * n for v, n in counts) / count, day), "within_target": round(within / count, 3)}


def _labels(session: Session, group_by: str, ids: list) -> dict:
    """{id: (key, name)} for departments, cost items, counterparties; months are their own key."""
    model = {"department": (Department, Department.code), "cost_item": (CostItem, CostItem.code),
             "counterparty": (Counterparty, Counterparty.inn)}.get(group_by)
    if model is None or not ids:
        return {}
    table, code = model
    return {row.id: (row.code, row.name) for row in session.execute(
        select(table.id, code.label("code"), table.name).where(table.id.in_(ids)))}


def stages(session: Session, rulebook: RuleBook, query: Query) -> dict:
    """Per stage of the route: tasks decided, median and p90 waiting and in-work hours, breaches, on behalf."""
    where = and_(_where(query, rulebook, "task"), Duration.outcome.in_(DECIDED),
                 Duration.stage.in_([stage.id for stage in query.process.stages]))
    sums = _breaches(session, Duration.stage, where)
    figures = {name: grouped(tally(session, (Duration.stage, column), where))
               for name, column in (("wait", Duration.wait_minutes), ("work", Duration.work_minutes),
                                    ("total", Duration.total_minutes))}
    items = []
    for stage in query.process.stages:
        row = sums.get(stage.id)
        if row is None:
            continue
        wait, work, total = (figures[name].get(stage.id, []) for name in ("wait", "work", "total"))
        items.append({"stage": stage.id, "title": stage.title, "count": row.count,
                      "median_wait_wh": scaled(quantile(wait, 0.5), 60), "p90_wait_wh": scaled(quantile(wait, 0.9), 60),
                      "median_work_wh": scaled(quantile(work, 0.5), 60), "p90_work_wh": scaled(quantile(work, 0.9), 60),
                      "p90_total_wh": scaled(quantile(total, 0.9), 60), "reminders": int(row.reminders or 0),
                      "escalations": int(row.escalations or 0), "on_behalf": int(row.on_behalf or 0),
                      "breaches_per_100": round(100 * ((row.reminders or 0) + (row.escalations or 0)) / row.count, 1)})
    return {"items": items}


def approvers(session: Session, rulebook: RuleBook, query: Query) -> dict:
    """Per assignee: tasks decided, median hours to take into work and to decide, breaches, decided on behalf."""
    if not query.process.analytics.approvers:
        raise PermissionDenied(_("The approver report is switched off in the rules."), "process",
                               code="approvers_off")
    where = and_(_where(query, rulebook, "task"), Duration.outcome.in_(DECIDED), Duration.assignee_id.is_not(None),
                 Duration.stage.in_([stage.id for stage in query.process.stages]))
    sums = _breaches(session, Duration.assignee_id, where)
    wait = grouped(tally(session, (Duration.assignee_id, Duration.wait_minutes), where))
    total = grouped(tally(session, (Duration.assignee_id, Duration.total_minutes), where))
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(list(sums))))} if sums else {}
    items = [{"approver": users[uid].login, "name": users[uid].name, "decided": row.count,
              "median_wait_wh": scaled(quantile(wait.get(uid, []), 0.5), 60),
              "median_decide_wh": scaled(quantile(total.get(uid, []), 0.5), 60),
              "reminders": int(row.reminders or 0), "escalations": int(row.escalations or 0),
              "on_behalf": int(row.on_behalf or 0)}
             for uid, row in sums.items() if uid in users]
    items.sort(key=lambda item: (-(item["median_decide_wh"] or 0), item["approver"]))
    return {"items": items}


def _breaches(session: Session, key: ColumnElement, where: ColumnElement[bool]) -> dict:
    """{key: (count, reminders, escalations, on behalf)} of the tasks matching `where`."""
    return {row[0]: _Sums(*row[1:]) for row in tally(
        session, (key,), where, (Duration.reminders, Duration.escalations, cast(Duration.on_behalf, Integer)))}


@dataclass(frozen=True)
class _Sums:
    count: int
    reminders: int
    escalations: int
    on_behalf: int


def rework(session: Session, rulebook: RuleBook, query: Query) -> dict:
    """Cards rejected or revised at least once: how many, their share, and the working days that cost them."""
    day = rulebook.calendar.minutes_per_day
    runs = tally(session, (Duration.card_id, Duration.outcome, Duration.stage,
                           Duration.total_minutes - Duration.work_minutes), _where(query, rulebook, "run"))
    cards = len({card for card, *_ in runs})
    reworked_ids = {card for card, outcome, *_ in runs if outcome in ("rejected", "revised")}
    lost: dict[int, int] = defaultdict(int)
    for card, _outcome, stage, minutes, count in runs:
        if stage == query.process.terminal and card in reworked_ids:
            lost[minutes] += count
    reworked = len(reworked_ids)
    return {"cards": cards, "reworked": reworked, "share": round(reworked / cards, 3) if cards else None,
            "median_lost_wd": scaled(quantile(sorted(lost.items()), 0.5), day)}
