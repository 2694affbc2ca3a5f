"""The board: counts per stage and the most urgent cards per column, built for 100,000 cards.

Work in progress is counted exactly: the active stages hold few cards, read through the
(kind, stage) index. The finished columns (paid, rejected) grow forever, so they count the
requests filed in the last FINISHED_DAYS days — counting years of history on every visit
would cost what the whole rest of the page does. Each column reads at most `per_column`
cards in index order (oldest first where work waits, newest first where it is over), and
everything a tile shows is loaded in a few batched queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.models import OPEN_STATUSES, Card, Counterparty, Department, SlaEvent, Task, User
from soglasie.process.duplicates import duplicates_among
from soglasie.rulebook.model import DOCUMENTS_REQUESTED, FROZEN, REJECTED
from soglasie.services.common import load_actor
from soglasie.services.queries import CardFilter
from soglasie.services.cards import find_process
from soglasie.services.queries import filtered_cards  # the one definition of filters + visibility
from soglasie.services.views import iso, money

FINISHED_DAYS = 14  # a Kanban "done" column: the last two weeks
# Plain rows rather than ORM objects: a board page shows about a hundred tiles.
TILE_COLUMNS = (Card.id, Card.kind, Card.subject, Card.stage, Card.amount, Card.currency, Card.counterparty_id,
                Card.initiator_id, Card.current_run_id, Card.created_at, Card.updated_at,
                Card.invoice_number, Card.invoice_date, Card.invoice_key, Card.invoice_year)


def board_stages(core: Core, kind: str) -> list[str]:
    """Column order: the process's stages, the side stages where work waits, then the outcomes."""
    process = find_process(core.rulebook, kind, "kind")
    return [stage.id for stage in process.stages] + [DOCUMENTS_REQUESTED, FROZEN, process.terminal, REJECTED]


def _counts(session, base, active: list[str], finished: tuple[str, ...], since: dt.datetime) -> dict[str, int]:
    """Exact counts of the active stages; of the finished ones, the cards filed since `since`."""
    per_stage = base.with_only_columns(Card.stage, func.count(Card.id)).group_by(Card.stage)
    counts = dict(session.execute(per_stage.where(Card.stage.in_(active))).all())
    # The window's ids come from the created_at index; the (kind, stage) index then counts them.
    recent = select(Card.id).where(Card.created_at >= since)
    counts.update(session.execute(per_stage.where(Card.stage.in_(finished), Card.id.in_(recent))).all())
    return counts


def board(core: Core, actor_id: int, spec: CardFilter, now: dt.datetime, per_column: int = 12) -> dict:
    """Columns by stage with the number of visible cards and the top `per_column` cards of each."""
    process = find_process(core.rulebook, spec.kind, "kind")
    finished = (process.terminal, REJECTED)
    stages = board_stages(core, spec.kind)
    # Columns that would only take room while empty: optional stages and the pauses.
    hide_empty = {stage.id for stage in process.stages if stage.optional} | {DOCUMENTS_REQUESTED, FROZEN}
    since = now - dt.timedelta(days=FINISHED_DAYS)
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        base = filtered_cards(session, actor, CardFilter(**{**spec.__dict__, "stage": None}), core.rulebook)
        counts = _counts(session, base, [s for s in stages if s not in finished], finished, since)
        columns = []
        for stage in stages:
            if stage in hide_empty and not counts.get(stage):
                continue
            order = Card.id.desc() if stage in finished else Card.id
            query = base.with_only_columns(*TILE_COLUMNS).where(Card.stage == stage).order_by(order).limit(per_column)
            cards = list(session.execute(query)) if counts.get(stage) else []
            columns.append({"stage": stage, "count": counts.get(stage, 0), "finished": stage in finished,
                            "cards": cards})
        details = card_details(session, [card for column in columns for card in column["cards"]], now,
                               core.rulebook.calendar.tz)
        # "Possible duplicate of №…" on the tiles where work waits (one query for them all).
        waiting = [card for column in columns if not column["finished"] for card in column["cards"]]
        for card_id, others in duplicates_among(session, core.rulebook, process.id, waiting).items():
            details[card_id]["possible_duplicates"] = [other.id for other in others]
        for column in columns:
            column["cards"] = [details[card.id] for card in column["cards"]]
        in_work = sum(count for stage, count in counts.items() if stage not in finished)
        return {"columns": columns, "in_work": in_work, "finished_days": FINISHED_DAYS}


def card_details(session, cards, now: dt.datetime, tz) -> dict[int, dict]:
    """What a board tile shows, for all tiles (rows of TILE_COLUMNS) at once: four queries."""
    if not cards:
        return {}
    counterparties = dict(session.execute(select(Counterparty.id, Counterparty.name).where(
        Counterparty.id.in_({card.counterparty_id for card in cards}))).all())
    tasks = list(session.execute(select(Task.id, Task.card_id, Task.stage, Task.assignee_id, Task.deadline).where(
        Task.run_id.in_({card.current_run_id for card in cards if card.current_run_id}),
        Task.status.in_(OPEN_STATUSES))))
    by_card = defaultdict(list)
    for task in tasks:
        by_card[task.card_id].append(task)
    people = {card.initiator_id for card in cards} | {task.assignee_id for task in tasks}
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(people))).all())
    escalated = set(session.scalars(select(SlaEvent.task_id).where(
        SlaEvent.task_id.in_([task.id for task in tasks]), SlaEvent.kind == "escalation"))) if tasks else set()
    return {card.id: _tile(card, [task for task in by_card[card.id] if task.stage == card.stage],
                           counterparties, names, escalated, now, tz) for card in cards}


def _tile(card, tasks, counterparties, names, escalated, now, tz) -> dict:
    deadlines = [task.deadline for task in tasks if task.deadline]
    return {
        "id": card.id, "kind": card.kind, "subject": card.subject, "stage": card.stage,
        "amount": money(card.amount), "currency": card.currency,
        "counterparty": counterparties.get(card.counterparty_id, ""),
        "initiator_name": names.get(card.initiator_id, ""),
        "created_at": iso(card.created_at, tz), "updated_at": iso(card.updated_at, tz),
        "deadline": iso(min(deadlines), tz) if deadlines else None,
        "assignees": sorted({names.get(task.assignee_id, "") for task in tasks}),
        "overdue": any(deadline < now for deadline in deadlines),
        "stuck": any(task.id in escalated for task in tasks),
        "possible_duplicates": [],
    }


def departments(core: Core) -> list[dict]:
    """Every department (code, name) for filters: the org structure is no secret inside the company."""
    with core.db.read() as session:
        rows = session.execute(select(Department.code, Department.name).order_by(Department.name))
        return [{"code": code, "name": name} for code, name in rows]
