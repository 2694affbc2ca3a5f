"""Budgets: read them with what is committed and paid against them, and write them all-or-nothing.

Who may (deny by default): finance managers and admins edit budgets (`BUDGET_EDITORS`);
finance, operations, accounting and admins read every budget (`permissions.SEES_EVERYTHING`);
a department head reads his departments' (sub-departments included); nobody else.

A row is `{year, month, department, cost_item, planned}`. Writing a list of rows validates
every row first — errors as `row N: field: message` — and writes nothing if any fails;
`planned: null` removes a row (the month then has no budget). Read rows add `committed`,
`actual` and `remaining` for their month (soglasie.process.budgets: money counts in the
month it is paid; committed money in the current month).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import PermissionDenied, RowErrors, ValidationError
from soglasie.i18n import _
from soglasie.models import Budget, Card, CostItem, Department, ProcessRun, User
from soglasie.process import budgets as lines
from soglasie.process.permissions import SEES_EVERYTHING, headed_departments
from soglasie.rulebook.model import Text
from soglasie.services.common import load_actor
from soglasie.validation import MAX_AMOUNT

BUDGET_EDITORS = ("finance_manager", "admin")
ROW_FIELDS = ("year", "month", "department", "cost_item", "planned")
MAX_ROWS = 20_000
YEARS = (2000, 2100)


class BudgetRowsError(RowErrors):
    """Budget rows that failed validation: `errors` lists (row number, field, message); nothing was written."""


@dataclass(frozen=True)
class BudgetFilter:
    """GET /budgets's parameters: a year (required), and optionally a month, a department, a cost item (codes)."""

    year: int
    month: int | None = None
    department: str | None = None
    cost_item: str | None = None


def can_edit(user: User) -> bool:
    """Finance managers and admins edit budgets."""
    return user.active and user.has_role(*BUDGET_EDITORS)


def readable_departments(session: Session, user: User) -> list[int] | None:
    """The departments whose budgets `user` may read: None for all; PermissionDenied for nobody."""
    if user.active and user.has_role(*SEES_EVERYTHING):
        return None
    departments = headed_departments(session, user) if user.active else []
    if not departments:
        raise PermissionDenied(_("You may not see budgets."))
    return departments


def may_read(core: Core, actor_id: int) -> bool:
    """True when the actor may read some budgets (the portal shows the page)."""
    with core.db.read() as session:
        try:
            readable_departments(session, load_actor(session, actor_id))
        except PermissionDenied:
            return False
        return True


def list_budgets(core: Core, actor_id: int, now: dt.datetime, spec: BudgetFilter) -> list[dict]:
    """The budget rows the actor may read, with committed, actual and remaining for their month."""
    with core.db.read() as session:
        allowed = readable_departments(session, load_actor(session, actor_id))
        query = (select(Budget, Department.code, CostItem.code).join(Department, Department.id == Budget.department_id)
                 .join(CostItem, CostItem.id == Budget.cost_item_id).where(Budget.year == spec.year))
        if spec.month is not None:
            query = query.where(Budget.month == spec.month)
        if spec.department:
            query = query.where(Department.code == spec.department)
        if spec.cost_item:
            query = query.where(CostItem.code == spec.cost_item)
        if allowed is not None:
            if spec.department and session.scalar(select(Department.id).where(
                    Department.code == spec.department)) not in allowed:
                raise PermissionDenied(_("You may not see this department's budgets."))
            query = query.where(Budget.department_id.in_(allowed))
        rows = session.execute(query.order_by(Department.code, CostItem.code, Budget.month)).all()
        keys = {(budget.department_id, budget.cost_item_id) for budget, _d, _c in rows}
        spent = _spent_by_month(session, core, now, spec.year, keys)
        return [_row_view(budget, department, item, spent) for budget, department, item in rows]


def _row_view(budget: Budget, department: str, cost_item: str, spent: dict) -> dict:
    committed, actual = spent.get((budget.department_id, budget.cost_item_id, budget.month), (Decimal(0), Decimal(0)))
    remaining = budget.planned - committed - actual
    return {"year": budget.year, "month": budget.month, "department": department, "cost_item": cost_item,
            "planned": f"{budget.planned:.2f}", "committed": f"{committed:.2f}", "actual": f"{actual:.2f}",
            "remaining": f"{remaining:.2f}"}


def _spent_by_month(session: Session, core: Core, now: dt.datetime, year: int, lines_: set) -> dict:
    """{(department id, cost item id, month): (committed, actual)} for the year's lines (one query each)."""
    rulebook = core.rulebook
    result: dict = {}
    if not lines_:
        return result
    departments = {d for d, _c in lines_}
    base = (select(Card.department_id, Card.cost_item_id, Card.amount, ProcessRun.finished_at)
            .join(ProcessRun, ProcessRun.id == Card.current_run_id)
            .where(Card.department_id.in_(departments), Card.amount.is_not(None)))
    current_year, current_month = lines.month_of(rulebook, now)
    if current_year == year:
        for department, item, amount, _at in session.execute(base.where(lines.committed_clause(rulebook))):
            key = (department, item, current_month)
            committed, actual = result.get(key, (Decimal(0), Decimal(0)))
            result[key] = (committed + amount, actual)
    tz = rulebook.calendar.tz
    window = and_(ProcessRun.finished_at >= dt.datetime(year, 1, 1, tzinfo=tz),
                  ProcessRun.finished_at < dt.datetime(year + 1, 1, 1, tzinfo=tz))
    for department, item, amount, at in session.execute(base.where(lines.paid_clause(rulebook), window)):
        key = (department, item, at.astimezone(tz).month)
        committed, actual = result.get(key, (Decimal(0), Decimal(0)))
        result[key] = (committed, actual + amount)
    return result


def put_budgets(core: Core, actor_id: int, now: dt.datetime, rows: object) -> int:
    """Write rows (a list of objects) all-or-nothing; returns how many were written or removed."""
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        if not can_edit(actor):
            raise PermissionDenied(_("Only finance managers and admins may edit budgets."))
        if not isinstance(rows, list):
            raise ValidationError(_("A list of budget rows is expected."), "body")
        cleaned = clean_rows(session, [(number, row) for number, row in enumerate(rows, start=1)])
        return write_rows(session, actor, now, cleaned)


@dataclass(frozen=True)
class CleanRow:
    """A validated row: ids and rubles (`planned` None: remove the row)."""

    number: int
    year: int
    month: int
    department_id: int
    cost_item_id: int
    planned: Decimal | None


def clean_rows(session: Session, numbered: list[tuple[int, object]]) -> list[CleanRow]:
    """Validate every row (numbered as the user sees them); BudgetRowsError listing every failure."""
    if len(numbered) > MAX_ROWS:
        raise ValidationError(_("At most %(count)d rows at once.", count=MAX_ROWS), "body")
    departments = dict(session.execute(select(Department.code, Department.id)).all())
    items = dict(session.execute(select(CostItem.code, CostItem.id)).all())
    errors: list[tuple[int, str, Text]] = []
    cleaned: list[CleanRow] = []
    seen: dict[tuple, int] = {}
    for number, row in numbered:
        before = len(errors)
        values = _clean_row(number, row, departments, items, errors)
        if len(errors) > before:
            continue
        key = values[:4]
        if key in seen:
            errors.append((number, "month", _("The same department, cost item and month as row %(row)d.",
                                              row=seen[key])))
            continue
        seen[key] = number
        cleaned.append(CleanRow(number, *values))
    if errors:
        raise BudgetRowsError(errors)
    return cleaned


def _clean_row(number: int, row: object, departments: dict, items: dict, errors: list) -> tuple:
    if not isinstance(row, dict):
        errors.append((number, "row", _("A row must be an object with year, month, department, cost_item, planned.")))
        return ()
    for name in row:
        if name not in ROW_FIELDS:
            errors.append((number, str(name)[:40], _("Unknown field.")))
    year = _whole(row.get("year"), "year", *YEARS, number, errors)
    month = _whole(row.get("month"), "month", 1, 12, number, errors)
    department = _code(row.get("department"), "department", departments, number, errors,
                       _("No such department."))
    item = _code(row.get("cost_item"), "cost_item", items, number, errors, _("No such cost item."))
    planned = _planned(row.get("planned", ""), number, errors)
    return year, month, department, item, planned


def _whole(raw, name: str, low: int, high: int, number: int, errors: list) -> int | None:
    text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
    if text.endswith(".0"):  # spreadsheets write whole numbers as 2027.0
        text = text[:-2]
    if not text.isdigit() or not low <= int(text) <= high:
        errors.append((number, name, _("Expected a whole number from %(low)d to %(high)d.", low=low, high=high)))
        return None
    return int(text)


def _code(raw, name: str, known: dict, number: int, errors: list, missing: Text) -> int | None:
    code = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if not code:
        errors.append((number, name, _("Required.")))
        return None
    if code not in known:
        errors.append((number, name, missing))
        return None
    return known[code]


def _planned(raw, number: int, errors: list) -> Decimal | None:
    """Rubles ≥ 0 with at most two decimals; None (JSON null) removes the row."""
    if raw is None:
        return None
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "") if not isinstance(raw, bool) else ""
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # Russian decimal comma
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors.append((number, "planned", _("Amount must be a number.")))
        return None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
        errors.append((number, "planned", _("Expected an amount from 0 with at most two decimal places.")))
        return None
    return value.quantize(Decimal("0.01"))


def write_rows(session: Session, actor: User, now: dt.datetime, rows: list[CleanRow]) -> int:
    """Insert, update or remove validated rows in this transaction; how many rows it touched."""
    for row in rows:
        existing = session.scalars(select(Budget).where(
            Budget.department_id == row.department_id, Budget.cost_item_id == row.cost_item_id,
            Budget.year == row.year, Budget.month == row.month).with_for_update()).first()
        if row.planned is None:
            if existing is not None:
                session.delete(existing)
            continue
        if existing is None:
            existing = Budget(year=row.year, month=row.month, department_id=row.department_id,
                              cost_item_id=row.cost_item_id)
            session.add(existing)
        existing.planned, existing.updated_at, existing.updated_by_id = row.planned, now, actor.id
    session.flush()
    return len(rows)


def choices(core: Core) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(code, name) of the departments and of the active cost items, for the budget form."""
    with core.db.read() as session:
        departments = session.execute(select(Department.code, Department.name).order_by(Department.name)).all()
        items = session.execute(select(CostItem.code, CostItem.name).where(CostItem.active.is_(True))
                                .order_by(CostItem.code)).all()
        return [tuple(row) for row in departments], [tuple(row) for row in items]
