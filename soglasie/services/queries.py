"""Read-only use cases: a card, lists with filters and pagination, my tasks, my notifications."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update

from soglasie.core import Core
from soglasie.errors import ValidationError
from soglasie.i18n import _
from soglasie.models import OPEN_STATUSES, Card, CostItem, Counterparty, Department, OutboxMessage, ProcessRun, Task
from soglasie.notifications.outbox import INBOX
from soglasie.process import permissions
from soglasie.rulebook.model import RuleBook
from soglasie.services.cards import find_process
from soglasie.services.common import load_actor
from soglasie.services.documents import not_found_card
from soglasie.services.views import card_summaries, card_summary, card_view, iso, task_view

MAX_PER_PAGE = 200
MAX_CARD_ID = 2**31 - 1  # the id column's range (PostgreSQL integer)
SORTS = {
    "created": Card.created_at, "-created": Card.created_at.desc(),
    "amount": Card.amount, "-amount": Card.amount.desc(),
    "updated": Card.updated_at, "-updated": Card.updated_at.desc(),
    "id": Card.id, "-id": Card.id.desc(),
}


@dataclass(frozen=True)
class CardFilter:
    """What a list or the board is narrowed to: the process (its id; None for every process), then optional fields."""

    kind: str | None
    stage: str | None = None
    mine: bool = False
    search: str | None = None
    department: str | None = None
    counterparty_id: int | None = None
    cost_item: str | None = None
    sort: str = "-created"


def get_card(core: Core, actor_id: int, card_id: int, now: dt.datetime, kind: str | None = None) -> dict:
    """The full card as the actor may see it; NotFound when it does not exist for him (or is of another kind)."""
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        card = session.get(Card, card_id)
        if card is None or (kind is not None and card.kind != kind) or not permissions.can_view(session, actor, card):
            raise not_found_card(core, kind)
        return card_view(session, card, actor, core.rulebook, now)


def require_card_kind(core: Core, actor_id: int, card_id: int, kind: str | None) -> str:
    """The card's process id; NotFound unless it exists, is of `kind` (any when None) and the actor may see it."""
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        card = session.get(Card, card_id)
        if card is None or kind not in (None, card.kind) or not permissions.can_view(session, actor, card):
            raise not_found_card(core, kind)
        return card.kind


def filtered_cards(session, actor, spec: CardFilter, rulebook: RuleBook):
    """The select of the cards `actor` may see that match `spec`: the one definition of filters and visibility."""
    query = select(Card).where(permissions.visible_cards_clause(session, actor))
    if spec.kind is not None:
        query = query.where(Card.kind == find_process(rulebook, spec.kind, "kind").id)
    if spec.stage:
        query = query.where(Card.stage == spec.stage)
    if spec.mine:
        query = query.where(Card.initiator_id == actor.id)
    if spec.department:
        query = query.join(Department, Department.id == Card.department_id).where(Department.code == spec.department)
    if spec.counterparty_id:
        query = query.where(Card.counterparty_id == spec.counterparty_id)
    if spec.cost_item:
        query = query.join(CostItem, CostItem.id == Card.cost_item_id).where(CostItem.code == spec.cost_item)
    if spec.search:
        query = query.where(_search_clause(spec.search.strip(), spec.kind, rulebook))
    return query


def _search_clause(needle: str, kind: str | None, rulebook: RuleBook):
    """The counterparty (name or INN prefix), the comment, the id, and the subject where the process has one."""
    matches = select(Counterparty.id).where(or_(
        Counterparty.name.ilike(f"%{needle}%"), Counterparty.inn.like(f"{needle}%")))
    clauses = [Card.counterparty_id.in_(matches), Card.comment.ilike(f"%{needle}%")]
    with_subject = [p.id for p in rulebook.processes.values() if p.card.uses("subject") and kind in (None, p.id)]
    if with_subject:
        clauses.append(Card.kind.in_(with_subject) & Card.subject.ilike(f"%{needle}%"))
    if re.fullmatch(r"[0-9]{1,10}", needle) and int(needle) <= MAX_CARD_ID:  # ASCII digits that fit the column
        clauses.append(Card.id == int(needle))
    return or_(*clauses)


def list_cards(core: Core, actor_id: int, spec: CardFilter, page: int = 1, per_page: int = 50) -> dict:
    """One page of the cards the actor may see, filtered and sorted, with the exact total (the API's list).

    The rows are `card_summary`s loaded in a few batched queries, not one card at a time.
    """
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(_("Invalid page."), "page")
    if spec.sort not in SORTS:
        raise ValidationError(_("Unknown sort order."), "sort")
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        query = filtered_cards(session, actor, spec, core.rulebook)
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        cards = list(session.scalars(query.order_by(SORTS[spec.sort], Card.id.desc())
                                     .offset((page - 1) * per_page).limit(per_page)))
        return {"items": card_summaries(session, cards, core.rulebook),
                "page": page, "per_page": per_page, "total": total}


def my_tasks(core: Core, actor_id: int, now: dt.datetime) -> list[dict]:
    """The actor's open tasks at their runs' current stage, soonest deadline first."""
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        tasks = session.scalars(
            select(Task).join(ProcessRun, ProcessRun.id == Task.run_id)
            .where(Task.assignee_id == actor.id, Task.status.in_(OPEN_STATUSES), ProcessRun.stage == Task.stage)
            .order_by(Task.deadline.is_(None), Task.deadline, Task.id))
        result = []
        for task in tasks:
            card = session.get(Card, task.card_id)
            view = task_view(session, task, actor, core.rulebook, card, now)
            view["card"] = card_summary(session, card, core.rulebook.calendar.tz)
            view["card_id"] = card.id
            result.append(view)
        return result


def my_notifications(core: Core, actor_id: int, limit: int = 50, unread_only: bool = False) -> dict:
    """The actor's portal inbox, newest first, with the unread count."""
    with core.db.read() as session:
        actor = load_actor(session, actor_id)
        mine = select(OutboxMessage).where(OutboxMessage.recipient_id == actor.id, OutboxMessage.channel == INBOX)
        unread = session.scalar(select(func.count()).select_from(
            mine.where(OutboxMessage.read_at.is_(None)).subquery()))
        if unread_only:
            mine = mine.where(OutboxMessage.read_at.is_(None))
        rows = session.scalars(mine.order_by(OutboxMessage.id.desc()).limit(limit))
        tz = core.rulebook.calendar.tz
        items = [{"id": row.id, "at": iso(row.created_at, tz), "kind": row.kind, "text": row.text,
                  "request_id": row.card_id, "task_id": row.task_id, "read": row.read_at is not None}
                 for row in rows]
        return {"items": items, "unread": unread}


def mark_notifications_read(core: Core, actor_id: int, now: dt.datetime, ids: list[int] | None = None) -> int:
    """Mark the actor's inbox messages read (all when `ids` is None); returns how many."""
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        statement = update(OutboxMessage).where(
            OutboxMessage.recipient_id == actor.id, OutboxMessage.channel == INBOX, OutboxMessage.read_at.is_(None))
        if ids is not None:
            statement = statement.where(OutboxMessage.id.in_(ids))
        return session.execute(statement.values(read_at=now)).rowcount
