"""/analytics: the KPI, the monthly trend, the stages and the approvers of a process, with exports and drill-down."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Callable

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from soglasie.process.permissions import SEES_EVERYTHING
from soglasie.services import analytics
from webapp.analytics import charts
from webapp.auth import require_login
from webapp.board.export import safe_cell
from webapp.processes import default_process, kind_arg
from webapp.runtime import actor_id, core, locale, now

bp = Blueprint("analytics", __name__)
bp.before_request(require_login)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def analytics_link() -> dict:
    """Whether the header shows "Analytics": finance, accounting, ops, the admin and department heads."""
    user = current_user
    allowed = bool(user and user.is_authenticated and (user.heads_department or user.has_role(*SEES_EVERYTHING)))
    return {"may_see_analytics": allowed}


def _params() -> dict:
    args = {name: request.args.get(name, "") for name in ("process", "from", "to", "group_by")}
    args["process"] = args["process"] or default_process(core().rulebook).id
    return args


def _overview() -> dict:
    return analytics.overview(core(), actor_id(), _params(), now())


@bp.get("/analytics")
def page():
    """The page: KPI against the baseline, the trend by month, stages, groups, approvers, rework."""
    result = _overview()
    process = result["process"]
    for index, item in enumerate(result["trend"]):
        item["month_label"] = _month_label(item["key"], with_year=index == 0 or item["key"].endswith("-01"))
    return render_template(
        "analytics/page.html", result=result, process=process, params=_params(),
        groups=analytics.GROUPS,
        trend=charts.trend(result["trend"], result["target_wd"]), stage_chart=charts.stage_bars(result["stages"]),
        drill=_drill(result), exports=("trend", "groups", "stages", "approvers"))


def _month_label(key: str, with_year: bool = True) -> str:
    """"июнь 26", or just "июль" for the bars after the first of the year (short enough for 375 px)."""
    year, month = key.split("-")
    return format_date(dt.date(int(year), int(month), 1), "LLL yy" if with_year else "LLL")


def _month_bounds(key: str) -> tuple[str, str]:
    year, month = (int(part) for part in key.split("-"))
    first = dt.date(year, month, 1)
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
    return first.isoformat(), last.isoformat()


def _drill(result: dict) -> Callable[..., str]:
    """A function building the list's URL for the cards behind a number (the list's own filters)."""
    process = result["process"]
    period = {"filed_from": result["from"].isoformat(), "filed_to": result["to"].isoformat()}

    def url(group: str | None = None, key=None, finished: bool = True, approver: str | None = None) -> str:
        args = {"kind": kind_arg(process) or None, **period}
        if finished:
            args["stage"] = process.terminal
        if group == "month" and key:
            args["filed_from"], args["filed_to"] = _month_bounds(key)
        elif group in ("department", "cost_item", "counterparty") and key:
            args[group] = key
        if approver:
            args["approver"] = approver
        return url_for("board.listing", **args)
    return url


# --- exports ---------------------------------------------------------------------------------


def _table(result: dict, name: str) -> tuple[list[str], list[list]]:
    """One table of the page as (headers, rows), in the user's language."""
    cycle = [_("Count"), _("Median, working days"), _("p90, working days"), _("Mean, working days"),
             _("Within target")]
    if name in ("trend", "groups"):
        rows = [[item["label"] or _("None"), item["count"], item["median_wd"], item["p90_wd"], item["mean_wd"],
                 item["within_target"]] for item in result[name]]
        return [_("Month") if name == "trend" else _("Group")] + cycle, rows
    if name == "stages":
        headers = [_("Stage"), _("Tasks"), _("Waiting, median h"), _("Waiting, p90 h"), _("In work, median h"),
                   _("In work, p90 h"), _("Total, p90 h"), _("Reminders"), _("Escalations"), _("On behalf")]
        rows = [[item["title"].get(locale()), item["count"], item["median_wait_wh"], item["p90_wait_wh"],
                 item["median_work_wh"], item["p90_work_wh"], item["p90_total_wh"], item["reminders"],
                 item["escalations"], item["on_behalf"]] for item in result["stages"]]
        return headers, rows
    if name == "approvers" and result["approvers"] is not None:
        headers = [_("Approver"), _("Login"), _("Decided"), _("To take into work, median h"),
                   _("To decide, median h"), _("Reminders"), _("Escalations"), _("On behalf")]
        rows = [[item["name"], item["approver"], item["decided"], item["median_wait_wh"], item["median_decide_wh"],
                 item["reminders"], item["escalations"], item["on_behalf"]] for item in result["approvers"]]
        return headers, rows
    abort(404)


@bp.get("/analytics/<any(trend, groups, stages, approvers):name>.<any(csv, xlsx):extension>")
def export(name: str, extension: str):
    """One table as CSV (";" and a decimal comma in Russian) or XLSX; formula-like cells defused."""
    result = _overview()
    headers, rows = _table(result, name)
    rows = [[safe_cell(value) for value in row] for row in rows]
    stamp = now().astimezone(core().rulebook.calendar.tz).strftime("%Y-%m-%d")
    filename = f"soglasie-analytics-{result['process'].id}-{name}-{stamp}.{extension}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if extension == "xlsx":
        return Response(_xlsx(name, headers, rows), mimetype=XLSX, headers=disposition)
    return Response(_csv(headers, rows), mimetype="text/csv", headers=disposition)


def _csv(headers: list[str], rows: list[list]) -> str:
    russian = locale() == "ru"
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";" if russian else ",", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([str(value).replace(".", ",") if russian and isinstance(value, float) else
                         ("" if value is None else value) for value in row])
    return buffer.getvalue()


def _xlsx(name: str, headers: list[str], rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(name)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
