"""Backfill `durations` from the history a database holds (migration 0011): the same figures as live.

Works on table constructs of its own (not the ORM models), so that later model changes do not
change what the migration does. Held spans (frozen, waiting for documents) come from the
timeline; a task's start, taking into work and decision from its row; SLA breaches from
`sla_events`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from soglasie.business_calendar import BusinessCalendar
from soglasie.models.base import UTCDateTime
from soglasie.rulebook.model import DOCUMENTS_REQUESTED, REJECTED
_HOLD_STARTS = {"frozen": "frozen", "documents_requested": "documents"}
_INSTANTS = {"created_at", "started_at", "finished_at", "decided_at", "at", "filed_at", "taken_at", "ended_at"}


def _table(name: str, *columns: str) -> sa.TableClause:
    """A table construct of its own: instants typed (aware UTC on both databases), the rest as stored."""
    return sa.table(name, *(sa.column(c, UTCDateTime()) if c in _INSTANTS else sa.column(c) for c in columns))


CARDS = _table("cards", "id", "created_at", "department_id", "cost_item_id", "counterparty_id")
RUNS = _table("process_runs", "id", "card_id", "number", "process", "stage", "started_at", "finished_at")
TASKS = _table("tasks", "id", "run_id", "stage", "kind", "assignee_id", "status", "outcome", "created_at",
               "started_at", "decided_at")
TIMELINE = _table("timeline_events", "id", "run_id", "task_id", "at", "event", "stage", "on_behalf_of_id")
SLA = _table("sla_events", "task_id", "kind")
DURATIONS = _table("durations", "kind", "process", "card_id", "run_id", "task_id", "stage", "task_kind", "assignee_id",
                   "on_behalf", "outcome", "department_id", "cost_item_id", "counterparty_id", "filed_at",
                   "filed_month", "started_at", "taken_at", "ended_at", "wait_minutes", "work_minutes",
                   "held_minutes", "total_minutes", "reminders", "escalations")


def backfill(connection: Connection, calendar: BusinessCalendar) -> int:
    """Insert a row for every ended task and run that has none; returns how many."""
    cards = {row.id: row for row in connection.execute(sa.select(CARDS))}
    runs = {row.id: row for row in connection.execute(sa.select(RUNS))}
    spans = _held_spans(connection)
    on_behalf = set(connection.execute(sa.select(TIMELINE.c.task_id).where(
        TIMELINE.c.on_behalf_of_id.is_not(None), TIMELINE.c.task_id.is_not(None))).scalars())
    breaches = _breaches(connection)
    later = {(run.card_id, run.number - 1) for run in runs.values()}
    done = set(connection.execute(sa.select(DURATIONS.c.task_id).where(DURATIONS.c.task_id.is_not(None))).scalars())
    rows = []
    shared: dict[int, dict] = {}  # per run, the columns its tasks' rows share
    for task in connection.execute(sa.select(TASKS).where(TASKS.c.status.in_(("done", "cancelled")))):
        run = runs[task.run_id]
        end = task.decided_at or run.finished_at  # a cancelled task ended with its run
        if task.id in done or end is None:
            continue
        common = shared.get(run.id) or shared.setdefault(run.id, _common(calendar, cards[run.card_id], run))
        row = _task_row(calendar, common, task, end, spans[run.id], breaches[task.id])
        rows.append({**row, "on_behalf": task.id in on_behalf})
    finished = set(connection.execute(sa.select(DURATIONS.c.run_id).where(DURATIONS.c.kind == "run")).scalars())
    for run in runs.values():
        if run.finished_at is not None and run.id not in finished:
            revised = run.stage != REJECTED and (run.card_id, run.number) in later
            rows.append(_run_row(calendar, cards[run.card_id], run, spans[run.id], revised))
    if rows:
        _insert(connection, rows)
    return len(rows)


def _insert(connection: Connection, rows: list[dict]) -> None:
    """All rows in one executemany of the driver's, the values made ready here.

    Half a million rows through SQLAlchemy's per-value bind processing cost more than computing
    them; the values are stored exactly as `UTCDateTime` stores them (naive UTC text on SQLite,
    aware datetimes on PostgreSQL).
    """
    columns = [column.name for column in DURATIONS.columns]
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = f"INSERT INTO durations ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    instant = _sqlite_instant if connection.dialect.name == "sqlite" else _utc
    plain = [c for c in columns if c not in _INSTANTS]
    times = [c for c in columns if c in _INSTANTS]
    order = [(plain + times).index(c) for c in columns]
    ready = []
    for row in rows:
        values = [row[c] for c in plain] + [instant(row[c]) for c in times]
        ready.append(tuple(values[i] for i in order))
    connection.exec_driver_sql(statement, ready)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.timezone.utc)


def _sqlite_instant(value: dt.datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite DATETIME writes for a UTCDateTime value ("2026-03-02 07:00:00.000000")."""
    if value is None:
        return None
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


def _held_spans(connection: Connection) -> dict[int, list]:
    """Per run, the spans it was held [(start, end or None, "frozen" | "documents")], from the timeline."""
    spans: dict[int, list] = defaultdict(list)
    open_: dict[int, tuple] = {}
    events = connection.execute(sa.select(TIMELINE).where(TIMELINE.c.event.in_(
        ("frozen", "unfrozen", "documents_requested", "documents_provided"))).order_by(TIMELINE.c.at, TIMELINE.c.id))
    for event in events:
        if event.event in _HOLD_STARTS:
            open_.setdefault(event.run_id, (event.at, _HOLD_STARTS[event.event]))
        elif event.run_id in open_ and not (event.event == "unfrozen" and event.stage == DOCUMENTS_REQUESTED):
            start, why = open_.pop(event.run_id)
            spans[event.run_id].append((start, event.at, why))
    for run_id, (start, why) in open_.items():
        spans[run_id].append((start, None, why))
    return spans


def _breaches(connection: Connection) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = defaultdict(dict)
    query = sa.select(SLA.c.task_id, SLA.c.kind, sa.func.count()).where(
        SLA.c.kind.in_(("reminder", "escalation"))).group_by(SLA.c.task_id, SLA.c.kind)
    for task_id, kind, count in connection.execute(query):
        result[task_id][kind] = count
    return result


def _overlap(calendar: BusinessCalendar, spans, start: dt.datetime, end: dt.datetime, skip: str = "") -> int:
    """Working minutes of the held spans inside [start, end)."""
    total = 0
    for a, b, why in spans:
        lo, hi = max(a, start), min(b or end, end)
        if why != skip and lo < hi:
            total += calendar.working_minutes_between(lo, hi)
    return total


def _task_row(calendar: BusinessCalendar, common: dict, task, end: dt.datetime, spans, fired) -> dict:
    taken = task.started_at if task.started_at is not None and task.started_at <= end else None
    # The initiator's own answer task is not held by the documents request it answers.
    skip = "documents" if task.stage == DOCUMENTS_REQUESTED else ""
    held_wait = _overlap(calendar, spans, task.created_at, taken or end, skip)
    held_work = _overlap(calendar, spans, taken, end, skip) if taken else 0
    wait = max(calendar.working_minutes_between(task.created_at, taken or end) - held_wait, 0)
    work = max(calendar.working_minutes_between(taken, end) - held_work, 0) if taken else 0
    return {**common, "kind": "task", "task_id": task.id, "stage": task.stage,
            "task_kind": task.kind, "assignee_id": task.assignee_id, "on_behalf": False,
            "outcome": task.outcome or "cancelled", "started_at": task.created_at, "taken_at": taken, "ended_at": end,
            "wait_minutes": wait, "work_minutes": work, "held_minutes": held_wait + held_work,
            "total_minutes": wait + work, "reminders": fired.get("reminder", 0),
            "escalations": fired.get("escalation", 0)}


def _run_row(calendar: BusinessCalendar, card, run, spans, revised: bool) -> dict:
    end = run.finished_at
    outcome = "rejected" if run.stage == REJECTED else ("revised" if revised else "finished")
    return {**_common(calendar, card, run), "kind": "run", "task_id": None, "stage": run.stage, "task_kind": None,
            "assignee_id": None, "on_behalf": False, "outcome": outcome, "started_at": run.started_at,
            "taken_at": None, "ended_at": end, "wait_minutes": 0,
            "work_minutes": calendar.working_minutes_between(run.started_at, end),
            "held_minutes": _overlap(calendar, spans, run.started_at, end),
            "total_minutes": calendar.working_minutes_between(card.created_at, end), "reminders": 0,
            "escalations": 0}


def _common(calendar: BusinessCalendar, card, run) -> dict:
    return {"process": run.process, "card_id": card.id, "run_id": run.id, "department_id": card.department_id,
            "cost_item_id": card.cost_item_id, "counterparty_id": card.counterparty_id,
            "filed_at": card.created_at, "filed_month": card.created_at.astimezone(calendar.tz).strftime("%Y-%m")}
