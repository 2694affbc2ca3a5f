"""Analytics for the surfaces: parse a report's parameters, check who asks, read the durations.

The API, the portal page, the CLI and the weekly message call these, so they give the same
figures. Bad parameters are a ValidationError naming the field; an employee without a
department to head gets PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping

from soglasie.analytics import reports
from soglasie.analytics.reports import GROUPS, Query
from soglasie.core import Core
from soglasie.errors import ValidationError
from soglasie.i18n import _
from soglasie.services.common import load_actor

DEFAULT_MONTHS = 6  # without `from`, a report covers the six months up to `to`
REPORTS = {"cycle-time": reports.cycle_time, "stages": reports.stages, "approvers": reports.approvers}


def parse_query(core: Core, params: Mapping[str, str | None], today: dt.date,
                departments: tuple[int, ...] | None) -> Query:
    """`process` (required, declared in the rules), `from`/`to` (ISO dates, from ≤ to)."""
    name = (params.get("process") or "").strip()
    if not name:
        raise ValidationError(_("Choose a process."), "process")
    if name not in core.rulebook.processes:
        raise ValidationError(_("Unknown process: %(name)s.", name=name[:40]), "process")
    end = _date(params.get("to"), "to") or today
    start = _date(params.get("from"), "from") or _months_before(end, DEFAULT_MONTHS)
    if start > end:
        raise ValidationError(_("The period starts after it ends."), "from")
    return Query(core.rulebook.process(name), start, end, departments)


def _date(raw: str | None, field: str) -> dt.date | None:
    if raw is None or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(_("Invalid date (YYYY-MM-DD expected)."), field) from None


def _months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months - 1` months before `day`'s (six months: five back, this one)."""
    index = day.year * 12 + day.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def group_by(params: Mapping[str, str | None]) -> str:
    """`group_by`: month (default), department, cost_item or counterparty."""
    value = (params.get("group_by") or "month").strip()
    if value not in GROUPS:
        raise ValidationError(_("Group by one of: %(choices)s.", choices=", ".join(GROUPS)), "group_by")
    return value


def report(core: Core, actor_id: int, name: str, params: Mapping[str, str | None], now: dt.datetime) -> dict:
    """One report (`cycle-time`, `stages`, `approvers`) as the API returns it, for `actor_id`'s view."""
    rulebook = core.rulebook
    with core.db.read() as session:
        departments = reports.scope(session, load_actor(session, actor_id))
        query = parse_query(core, params, now.astimezone(rulebook.calendar.tz).date(), departments)
        if name == "cycle-time":
            return reports.cycle_time(session, rulebook, query, group_by(params))
        return REPORTS[name](session, rulebook, query)


def overview(core: Core, actor_id: int | None, params: Mapping[str, str | None], now: dt.datetime) -> dict:
    """Everything the page and `soglasie analytics kpi` show: KPI, trend, groups, stages, approvers, rework.

    `actor_id` None is the operator at the command line, who sees the whole company.
    """
    rulebook = core.rulebook
    with core.db.read() as session:
        departments = reports.scope(session, load_actor(session, actor_id)) if actor_id is not None else None
        query = parse_query(core, params, now.astimezone(rulebook.calendar.tz).date(), departments)
        grouping = group_by(params)
        trend = reports.cycle_time(session, rulebook, query, "month")
        result = {"process": query.process, "from": query.start, "to": query.end, "group_by": grouping,
                  "kpi": trend["overall"], "target_wd": trend["target_wd"], "baseline_wd": trend["baseline_wd"],
                  "trend": trend["items"], "stages": reports.stages(session, rulebook, query)["items"],
                  "rework": reports.rework(session, rulebook, query),
                  "approvers": reports.approvers(session, rulebook, query)["items"]
                  if query.process.analytics.approvers else None}
        result["groups"] = trend["items"] if grouping == "month" else reports.cycle_time(
            session, rulebook, query, grouping)["items"]
        result["faster"] = faster(result["kpi"]["median_wd"], result["baseline_wd"])
        return result


def faster(median_wd: float | None, baseline_wd: list | None) -> float | None:
    """How many times faster than the baseline's middle the median is now (None without either)."""
    if not median_wd or not baseline_wd:
        return None
    return round((baseline_wd[0] + baseline_wd[1]) / 2 / median_wd, 1)
