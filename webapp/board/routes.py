"""The board (Kanban by stage) and the list with search, sorting, pagination and exports."""

from __future__ import annotations

import math

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context

from soglasie.services import directory, worklists
from soglasie.services.board import board, board_stages, departments
from webapp.auth import require_login
from webapp.board import export
from webapp.board.filters import current_filter
from webapp.processes import process_of
from webapp.runtime import actor_id, core, locale, now

bp = Blueprint("board", __name__)
bp.before_request(require_login)
PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _options(kind: str) -> dict:
    """What the filter form offers for cards of `kind` (the fields its `card:` spec uses)."""
    process = process_of(kind)
    return {"departments": departments(core()), "stages": board_stages(core(), kind), "kind": kind,
            "process": process,
            "cost_items": directory.list_cost_items(core()) if process.card.uses("cost_item") else []}


@bp.get("/board", endpoint="board")
def board_view():
    """Columns by stage with counts for one process (`kind`, else the default); overdue and stuck stand out."""
    spec, args = current_filter(with_stage=False)
    columns = board(core(), actor_id(), spec, now(), current_app.config["SOGLASIE_BOARD_PER_COLUMN"])
    return render_template("board/board.html", board=columns, args=args, **_options(spec.kind))


@bp.get("/list")
def listing():
    """The filtered, sorted, paginated list of one process's cards (`kind`, else the default)."""
    spec, args = current_filter()
    page = max(1, min(_page(), 1_000_000))
    result = worklists.list_page(core(), actor_id(), spec, page, PER_PAGE)
    pages = max(1, math.ceil(result["total"] / PER_PAGE))
    if result["capped"]:
        pages = max(pages, page + 1)  # more rows than counted: there is at least a next page
    return render_template("board/list.html", result=result, page=page, pages=pages, args=args, **_options(spec.kind))


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 8 else 1


@bp.get("/list.csv")
def export_csv():
    """The filtered list as CSV (";" and a decimal comma for Russian spreadsheets)."""
    spec, _args = current_filter()
    rows = worklists.export_rows(core(), actor_id(), spec)
    body = stream_with_context(export.csv_chunks(rows, spec.kind, ";" if locale() == "ru" else ","))
    return Response(body, mimetype="text/csv", headers=_download_headers("csv", spec.kind))


@bp.get("/list.xlsx")
def export_xlsx():
    """The filtered list as an Excel workbook."""
    spec, _args = current_filter()
    data = export.xlsx_bytes(worklists.export_rows(core(), actor_id(), spec), spec.kind)
    return Response(data, mimetype=XLSX, headers=_download_headers("xlsx", spec.kind))


def _download_headers(extension: str, kind: str) -> dict:
    stamp = now().astimezone(core().rulebook.calendar.tz).strftime("%Y-%m-%d_%H%M")
    name = process_of(kind).portal_path  # "soglasie-requests-…" for payment requests, as before
    return {"Content-Disposition": f'attachment; filename="soglasie-{name}-{stamp}.{extension}"'}
