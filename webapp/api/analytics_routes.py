"""REST API: analytics — cycle time, stages and approvers of a process over a period (docs/api.md)."""

from __future__ import annotations

from flask import jsonify, request

from soglasie.services import analytics
from webapp.api.routes import bp
from webapp.runtime import actor_id, core, now

# The keys each report's items carry in the API (the page shows more).
_ITEM_KEYS = {
    "cycle-time": ("key", "count", "median_wd", "p90_wd", "mean_wd", "within_target"),
    "stages": ("stage", "count", "median_wait_wh", "median_work_wh", "p90_total_wh", "reminders", "escalations"),
    "approvers": ("approver", "name", "decided", "median_wait_wh", "median_decide_wh", "reminders", "escalations",
                  "on_behalf"),
}


def _report(name: str):
    result = analytics.report(core(), actor_id(), name, request.args, now())
    keys = _ITEM_KEYS[name]
    body = {"items": [{key: item[key] for key in keys} for item in result["items"]]}
    if name == "cycle-time":
        body.update(target_wd=result["target_wd"], baseline_wd=result["baseline_wd"])
    return jsonify(body)


@bp.get("/analytics/cycle-time")
def analytics_cycle_time():
    """Working days from filing to the terminal stage per group: {items, target_wd, baseline_wd}."""
    return _report("cycle-time")


@bp.get("/analytics/stages")
def analytics_stages():
    """Per stage: median waiting and in-work hours, p90 total, reminders, escalations: {items}."""
    return _report("stages")


@bp.get("/analytics/approvers")
def analytics_approvers():
    """Per approver: tasks decided, median hours to take into work and to decide, breaches: {items}."""
    return _report("approvers")
