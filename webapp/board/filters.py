"""The board's and the list's filters, read from the query string into the core's CardFilter."""

from __future__ import annotations

import datetime as dt
import re

from flask import request

from soglasie.services import directory
from soglasie.services.board import board_stages
from soglasie.services.queries import SORTS, CardFilter
from webapp.processes import default_process, kind_arg, process_of
from webapp.runtime import core

ARGS = ("kind", "search", "stage", "department", "counterparty", "cost_item", "mine", "sort", "filed_from", "filed_to",
        "approver")


def _arg(name: str, limit: int = 100) -> str:
    return (request.args.get(name) or "").strip()[:limit]


def _counterparty_id(value: str) -> int | None:
    """The picker sends an INN (or a name); anything that matches no counterparty matches no card."""
    if not value:
        return None
    matches = directory.list_counterparties(core(), value, limit=2)
    exact = [item for item in matches if item["inn"] == value or item["name"] == value]
    chosen = exact or (matches if len(matches) == 1 else [])
    return chosen[0]["id"] if chosen else -1


def _date(value: str) -> dt.date | None:
    """A YYYY-MM-DD filter value; anything else is no filter (the form's date input sends this shape)."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def current_filter(with_stage: bool = True) -> tuple[CardFilter, dict]:
    """The CardFilter the query string asks for, and the cleaned arguments to rebuild links."""
    args = {name: _arg(name) for name in ARGS}
    # No `kind` is the default process; a kind the rules do not declare is a 404 naming `kind`.
    process = process_of(args["kind"]) if args["kind"] else default_process(core().rulebook)
    kind = process.id
    args["kind"] = kind_arg(process)
    if args["stage"] not in board_stages(core(), kind) or not with_stage:
        args["stage"] = ""
    if not process.card.uses("cost_item"):
        args["cost_item"] = ""
    if args["sort"] not in SORTS:
        args["sort"] = ""
    if not re.fullmatch(r"[A-Za-z0-9_.-]*", args["department"] + args["cost_item"]):
        args["department"] = args["cost_item"] = ""
    args["mine"] = "1" if args["mine"] in ("1", "on", "true") else ""
    filed = {name: _date(args[name]) for name in ("filed_from", "filed_to")}
    args.update({name: value.isoformat() if value else "" for name, value in filed.items()})
    if not re.fullmatch(r"[A-Za-z0-9_.@-]*", args["approver"]):
        args["approver"] = ""
    spec = CardFilter(kind=kind, stage=args["stage"] or None, mine=bool(args["mine"]),
                      search=args["search"] or None, department=args["department"] or None,
                      counterparty_id=_counterparty_id(args["counterparty"]),
                      cost_item=args["cost_item"] or None, sort=args["sort"] or "-created",
                      filed_from=filed["filed_from"], filed_to=filed["filed_to"], approver=args["approver"] or None)
    return spec, {key: value for key, value in args.items() if value}
