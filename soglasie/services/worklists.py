"""The portal's lists at 100,000 cards: a page of the filtered list, its export, my open tasks.

Same filters, visibility and row shape as `queries.list_cards` (they are reused, not
restated: rows are `views.card_summaries`, a handful of batched queries), but the list's
total is counted up to LIST_COUNT_CAP rows: counting every visible card of a big department
on each page turn would cost more than the page itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.errors import ValidationError
from soglasie.i18n import _
from soglasie.models import OPEN_STATUSES, Card, CostItem, Counterparty, Department, ProcessRun, Task, User
from soglasie.process.definitions import task_definition
from soglasie.services.common import load_actor
from soglasie.services.queries import MAX_PER_PAGE, SORTS, CardFilter
from soglasie.services.queries import filtered_cards  # the one definition of filters + visibility
from soglasie.services.views import card_summaries as summaries  # one shape for every list
from soglasie.services.views import iso

LIST_COUNT_CAP = 500
EXPORT_CHUNK = 1000  # rows read per short transaction while an export streams
EXPORT_COLUMNS = ("id", "created_at", "stage", "amount", "currency", "counterparty", "inn", "cost_item_code",
                  "cost_item", "initiator", "department", "deadline", "comment")
EXPORT_SELECT = (Card.id, Card.created_at, Card.stage, Card.amount, Card.currency, Counterparty.name, Counterparty.inn,
                 CostItem.code, CostItem.name, User.name, Department.name, Card.hard_deadline, Card.comment)


def _check(spec: CardFilter, page: int = 1, per_page: int = 1) -> None:
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(_("Invalid page."), "page")
    if spec.sort not in SORTS:
        raise ValidationError(_("Unknown sort order."), "sort")


def list_page(core: Core, actor_id: int, spec: CardFilter, page: int = 1, per_page: int = 50) -> dict:
    """One page of the visible cards; `total` is exact up to LIST_COUNT_CAP (`capped` beyond)."""
    _check(spec, page, per_page)
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        query = filtered_cards(session, actor, spec, core.rulebook)
        counted = session.scalar(select(func.count()).select_from(
            query.with_only_columns(Card.id).limit(LIST_COUNT_CAP + 1).subquery()))
        cards = list(session.scalars(query.order_by(SORTS[spec.sort], Card.id.desc())
                                     .offset((page - 1) * per_page).limit(per_page)))
        return {"items": summaries(session, cards, core.rulebook), "page": page, "per_page": per_page,
                "total": min(counted, LIST_COUNT_CAP), "capped": counted > LIST_COUNT_CAP}


def export_rows(core: Core, actor_id: int, spec: CardFilter, limit: int = 200_000) -> Iterator[tuple]:
    """Every card of the filtered list as a tuple of EXPORT_COLUMNS, in the list's order.

    The ids are read in one short transaction, then the rows EXPORT_CHUNK at a time, each chunk
    in a short read of its own: no transaction stays open while a slow client downloads the file
    (on SQLite an open reader stops the WAL from being checkpointed; on PostgreSQL it holds back
    vacuum). A card changed meanwhile is exported as it is when its chunk is read.
    """
    _check(spec)
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        visible = filtered_cards(session, actor, spec, core.rulebook).with_only_columns(Card.id)
        ids = list(session.scalars(_export_query(visible, Card.id)
                                   .order_by(SORTS[spec.sort], Card.id.desc()).limit(limit)))
    tz = core.rulebook.calendar.tz
    for start in range(0, len(ids), EXPORT_CHUNK):
        chunk = ids[start:start + EXPORT_CHUNK]
        with core.db.read() as session:
            rows = {row[0]: row for row in session.execute(_export_query(chunk, *EXPORT_SELECT))}
        for card_id in chunk:
            if card_id in rows:
                values = list(rows[card_id])
                values[1], values[11] = iso(values[1], tz), iso(values[11], tz)
                yield tuple(values)


def _export_query(ids, *columns):
    """The export's joins (a card without a counterparty is not exported) over the cards `ids`."""
    return (select(*columns)
            .join(Counterparty, Counterparty.id == Card.counterparty_id)
            .join(User, User.id == Card.initiator_id)
            .outerjoin(CostItem, CostItem.id == Card.cost_item_id)
            .outerjoin(Department, Department.id == Card.department_id)
            .where(Card.id.in_(ids)))


def open_tasks_select(user_id: int):
    """The select of a user's open tasks at their runs' current stage (what "my work" lists)."""
    return (select(Task).join(ProcessRun, ProcessRun.id == Task.run_id)
            .where(Task.assignee_id == user_id, Task.status.in_(OPEN_STATUSES), ProcessRun.stage == Task.stage))


def my_open_tasks(core: Core, actor_id: int, now: dt.datetime, limit: int = 30) -> dict:
    """The actor's open tasks at their runs' current stage, soonest deadline first, and how many."""
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        mine = open_tasks_select(actor.id)
        total = session.scalar(select(func.count()).select_from(mine.subquery()))
        tasks = list(session.scalars(mine.order_by(Task.deadline.is_(None), Task.deadline, Task.id).limit(limit)))
        cards = {card.id: card for card in session.scalars(select(Card).where(
            Card.id.in_({task.card_id for task in tasks})))}
        rows = {row["id"]: row for row in summaries(session, list(cards.values()), core.rulebook)}
        items = []
        for task in tasks:
            definition = task_definition(core.rulebook.process(cards[task.card_id].kind), task)
            title = definition.title
            items.append({"id": task.id, "kind": task.kind, "stage": task.stage, "status": task.status,
                          "title": {"ru": title.ru, "en": title.en}, "card_id": task.card_id,
                          "requires_attachment": definition.requires_attachment,
                          "card": rows[task.card_id], "deadline": iso(task.deadline, core.rulebook.calendar.tz),
                          "overdue": bool(task.deadline and task.deadline < now)})
        return {"items": items, "total": total}
