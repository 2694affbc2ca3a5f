"""Budget lines and the budget check: planned, committed and actual money per department × cost item.

One rule says in which month money counts (docs/rules.md, "Budgets"): the month it is paid.
A paid request counts in the month of its payment (the instant its run reached the terminal
stage); an approved, not yet paid request ("committed": at the policy's `committed_from`
stage or a later one of its process) and the request being checked count in the current
month — they are to be paid now, so unpaid money never counts in a month that has ended.

Two periods: `year` (the year's budget: every month's row) and `month` (month-to-date:
January up to the month, accumulated). A department × cost item with no budget row in the
year has no budget line and is not checked; a month left out adds nothing (no budget).

The check (`check_line`) runs at the policy's check points — filing, and the approvals at the
listed stages — inside the transition's transaction, after the line's rows were locked
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write transaction holds the database's write
lock already): concurrent approvals against one line queue there, and each sees what the
previous one committed, so a `block` budget is never overrun.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import BigInteger, and_, bindparam, case, false, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from soglasie.errors import ValidationError
from soglasie.i18n import _
from soglasie.models import Budget, Card, CostItem, Department, ProcessRun, User
from soglasie.rulebook.model import BUDGET_PERIODS, DOCUMENTS_REQUESTED, FROZEN, RuleBook, Text

ZERO = Decimal("0.00")
PERIOD_WORDS = {"year": _("annual budget"), "month": _("month-to-date budget")}
_STRICTNESS = {"ignore": 0, "warn": 1, "block": 2}


@dataclass(frozen=True)
class PeriodLine:
    """One period of a budget line as seen by one request (money in rubles)."""

    period: str  # "year" or "month" (month-to-date)
    planned: Decimal
    committed: Decimal  # approved, not yet paid requests (the request itself excluded)
    actual: Decimal  # paid in the period (the request itself excluded)
    request: Decimal  # this request's amount
    action: str  # what the policy does when this period is exceeded: ignore | warn | block

    @property
    def remaining(self) -> Decimal:
        """What is left before this request: planned − committed − actual."""
        return self.planned - self.committed - self.actual

    @property
    def remaining_after(self) -> Decimal:
        """What is left after this request."""
        return self.remaining - self.request

    @property
    def overrun(self) -> Decimal:
        """By how much this request exceeds the period (zero when it fits)."""
        return max(ZERO, -self.remaining_after)

    @property
    def exceeded(self) -> bool:
        """True when this request does not fit."""
        return self.overrun > 0

    def as_dict(self) -> dict:
        """The API's shape: money as decimal strings."""
        return {"period": self.period, "planned": _money(self.planned), "committed": _money(self.committed),
                "actual": _money(self.actual), "request": _money(self.request),
                "remaining": _money(self.remaining), "remaining_after": _money(self.remaining_after),
                "overrun": _money(self.overrun), "exceeded": self.exceeded, "action": self.action}


@dataclass(frozen=True)
class BudgetLine:
    """A request's budget line: its department × cost item in the month it counts in, both periods."""

    year: int
    month: int
    department: str  # codes
    cost_item: str
    periods: tuple[PeriodLine, ...]

    @property
    def governing(self) -> PeriodLine:
        """The period that matters most: exceeded with the strictest action first, else the least left."""
        return max(self.periods, key=lambda p: (p.exceeded, _STRICTNESS[p.action] if p.exceeded else 0,
                                                 -p.remaining_after))

    def as_dict(self) -> dict:
        """The card's `budget` key: the governing period's figures, and every period under `periods`."""
        return {"year": self.year, "month": self.month, "department": self.department,
                "cost_item": self.cost_item, **self.governing.as_dict(),
                "periods": [period.as_dict() for period in self.periods]}


@dataclass
class Verdict:
    """What a check decided: warnings to show, and the timeline data of a block passed by a comment."""

    warnings: list[Text] = field(default_factory=list)
    override: dict = field(default_factory=dict)  # {"budget_override": {...}} or {}


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def month_of(rulebook: RuleBook, at: dt.datetime) -> tuple[int, int]:
    """(year, month) of an instant in the calendar's time zone."""
    local = at.astimezone(rulebook.calendar.tz)
    return local.year, local.month


def _month_start(rulebook: RuleBook, year: int, month: int) -> dt.datetime:
    if month == 13:
        year, month = year + 1, 1
    return dt.datetime(year, month, 1, tzinfo=rulebook.calendar.tz)


def _kopecks(column):
    """A Money column as its stored integer kopecks, for sums."""
    return type_coerce(column, BigInteger)


def _rubles(kopecks) -> Decimal:
    return (Decimal(kopecks or 0) / 100).quantize(Decimal("0.01"))


def _one_of(column, values):
    """`column IN values` written as equalities: plain bound parameters keep the compiled SQL cached."""
    return or_(*(column == value for value in values)) if values else false()


def committed_clause(rulebook: RuleBook):
    """Cards of a budgeted process at or after its `committed_from` stage, not yet paid (frozen there too)."""
    clauses = []
    for process in rulebook.processes.values():
        if process.budget is None:
            continue
        stages = process.stages_from(process.budget.committed_from)
        clauses.append(and_(Card.kind == process.id, or_(
            _one_of(Card.stage, stages),
            and_(_one_of(Card.stage, (FROZEN, DOCUMENTS_REQUESTED)),
                 or_(_one_of(ProcessRun.resume_stage, stages), _one_of(ProcessRun.asking_stage, stages))))))
    return or_(*clauses) if clauses else false()


def paid_clause(rulebook: RuleBook):
    """Cards of a budgeted process at its terminal stage (paid)."""
    clauses = [and_(Card.kind == p.id, Card.stage == p.terminal)
               for p in rulebook.processes.values() if p.budget is not None]
    return or_(*clauses) if clauses else false()


def _spent_statement(rulebook: RuleBook):
    """SELECT committed, paid in the year, paid month-to-date for one department × cost item (bound parameters).

    Built once per rules version: a budget check runs in every filing and approval, and building
    the statement costs more than running it (docs: bench/README.md, "Budget check").
    """
    key = ("spent", rulebook.version)
    if key not in _STATEMENTS:
        paid = paid_clause(rulebook)
        amount = _kopecks(Card.amount)
        columns = [func.sum(case((committed_clause(rulebook), amount), else_=0))]
        for window in BUDGET_PERIODS:
            columns.append(func.sum(case((and_(paid, ProcessRun.finished_at >= bindparam(f"{window}_start"),
                                               ProcessRun.finished_at < bindparam(f"{window}_end")), amount), else_=0)))
        _STATEMENTS[key] = (select(*columns).select_from(Card).join(ProcessRun, ProcessRun.id == Card.current_run_id)
                            .where(Card.department_id == bindparam("department"),
                                   Card.cost_item_id == bindparam("cost_item"), Card.amount.is_not(None),
                                   Card.id != bindparam("exclude")))
    return _STATEMENTS[key]


_STATEMENTS: dict = {}
_CODES = (select(Department.code).where(Department.id == bindparam("department")).scalar_subquery(),
          select(CostItem.code).where(CostItem.id == bindparam("cost_item")).scalar_subquery())
# The line's rows with the codes in the same round trip (the check runs in every filing and approval).
_PLANNED = (select(Budget.month, _kopecks(Budget.planned), *_CODES).where(
    Budget.department_id == bindparam("department"), Budget.cost_item_id == bindparam("cost_item"),
    Budget.year == bindparam("year")).order_by(Budget.id))
_PLANNED_LOCKED = _PLANNED.with_for_update(of=Budget)


def spent(session: Session, rulebook: RuleBook, department_id: int, cost_item_id: int,
          windows: dict[str, tuple[dt.datetime, dt.datetime]], exclude_card_id: int | None = None) -> dict:
    """{"committed": rubles, period: rubles paid in its window} for one department × cost item."""
    params = {"department": department_id, "cost_item": cost_item_id, "exclude": exclude_card_id or 0}
    for period in BUDGET_PERIODS:
        params[f"{period}_start"], params[f"{period}_end"] = windows[period]
    # Core statements on the session's connection (same transaction): no ORM work, and nothing to autoflush
    # that the sums need (the card being checked is excluded from them).
    row = session.connection().execute(_spent_statement(rulebook), params).one()
    return {"committed": _rubles(row[0]), **{name: _rubles(value) for name, value in zip(BUDGET_PERIODS, row[1:])}}


def _planned_rows(session: Session, department_id: int, cost_item_id: int, year: int,
                  lock: bool) -> tuple[dict[int, int], tuple[str, str]]:
    """({month: planned kopecks}, (department code, cost item code)) of the line in `year`; locked when `lock`."""
    statement = _PLANNED_LOCKED if lock else _PLANNED
    rows = session.connection().execute(statement, {"department": department_id, "cost_item": cost_item_id,
                                                    "year": year}).all()
    return {month: planned for month, planned, _d, _c in rows}, (tuple(rows[0][2:]) if rows else ("", ""))


def _is_budgeted(rulebook: RuleBook, card: Card) -> bool:
    process = rulebook.processes.get(card.kind)
    return (process is not None and process.budget is not None and card.amount is not None
            and card.department_id is not None and card.cost_item_id is not None)


def _paid_at(session: Session, rulebook: RuleBook, card: Card) -> dt.datetime | None:
    """When the card was paid (its run reached the terminal stage), None when it is not paid."""
    if card.stage != rulebook.process(card.kind).terminal or card.current_run_id is None:
        return None
    return session.get(ProcessRun, card.current_run_id).finished_at


def line_for(session: Session, rulebook: RuleBook, card: Card, now: dt.datetime,
             lock: bool = False) -> BudgetLine | None:
    """The card's budget line as of `now` (None: not budgeted, or no budget row in the year)."""
    if not _is_budgeted(rulebook, card):
        return None
    year, month = month_of(rulebook, _paid_at(session, rulebook, card) or now)
    rows, (department, cost_item) = _planned_rows(session, card.department_id, card.cost_item_id, year, lock)
    if not rows:
        return None
    current = month_of(rulebook, now)
    windows = {"year": (_month_start(rulebook, year, 1), _month_start(rulebook, year + 1, 1)),
               "month": (_month_start(rulebook, year, 1), _month_start(rulebook, year, month + 1))}
    sums = spent(session, rulebook, card.department_id, card.cost_item_id, windows, exclude_card_id=card.id)
    policy = rulebook.process(card.kind).budget
    periods = []
    for period in BUDGET_PERIODS:
        last_month = 12 if period == "year" else month
        planned = _rubles(sum(value for m, value in rows.items() if m <= last_month))
        # Committed money counts in the current month: in a period only when that month is in it.
        counts_now = current[0] == year and current[1] <= last_month
        periods.append(PeriodLine(period, planned, sums["committed"] if counts_now else ZERO, sums[period],
                                  card.amount, policy.on_exceed.get(period, "ignore")))
    return BudgetLine(year, month, department, cost_item, tuple(periods))


def budget_facts(line: BudgetLine | None) -> dict:
    """The rule facts `budget_remaining` (the least left before the request) and `exceeds_budget`."""
    if line is None:
        return {}
    return {"budget_remaining": min(period.remaining for period in line.periods),
            "exceeds_budget": any(period.exceeded for period in line.periods)}


def check_line(line: BudgetLine | None, rulebook: RuleBook, card: Card, point: str, actor: User,
               comment: str | None) -> Verdict:
    """The check at `point` (FILING or a stage id): warnings, a block passed by a comment, or ValidationError.

    A period exceeded with `block` refuses the filing or the approval; a user with the policy's
    `override_role` passes it by writing a comment (the card's comment when filing), and the
    timeline row records the override. `warn` lets it through with a warning.
    """
    verdict = Verdict()
    policy = rulebook.process(card.kind).budget
    if line is None or policy is None or point not in policy.check_at:
        return verdict
    for period in line.periods:
        if not period.exceeded or period.action == "ignore":
            continue
        words = over_budget_words(line, period)
        if period.action == "warn":
            verdict.warnings.append(words)
            continue
        if policy.override_role is None or not actor.has_role(policy.override_role):
            raise ValidationError(words, "amount", code="over_budget")
        if not (comment or "").strip():
            raise ValidationError(_("Over the budget: write a comment to approve it over the budget."),
                                  "comment", code="over_budget")
        verdict.override = {"budget_override": {"period": period.period, "overrun": _money(period.overrun)}}
    return verdict


def over_budget_words(line: BudgetLine, period: PeriodLine) -> Text:
    return _("Over the %(period)s of %(department)s · %(cost_item)s: this request exceeds it by %(overrun)s RUB.",
             period=PERIOD_WORDS[period.period], department=line.department, cost_item=line.cost_item,
             overrun=_money(period.overrun))


def lock_and_check(session: Session, rulebook: RuleBook, card: Card, point: str, actor: User,
                   comment: str | None, now: dt.datetime) -> Verdict:
    """Lock the card's budget line and check it at `point` (nothing happens where the policy does not check)."""
    policy = rulebook.processes[card.kind].budget if card.kind in rulebook.processes else None
    if policy is None or point not in policy.check_at:
        return Verdict()
    line = line_for(session, rulebook, card, now, lock=True)
    return check_line(line, rulebook, card, point, actor, comment)


def hypothetical_line(session: Session, rulebook: RuleBook, process_id: str, department: str, cost_item: str,
                      amount: Decimal, now: dt.datetime) -> BudgetLine | None:
    """The budget line a new card would see (`rules simulate`); LookupError for an unknown code; nothing written."""
    department_id = session.scalar(select(Department.id).where(Department.code == department))
    if department_id is None:
        raise LookupError(f"no department with code {department!r}")
    cost_item_id = session.scalar(select(CostItem.id).where(CostItem.code == cost_item))
    if cost_item_id is None:
        raise LookupError(f"no cost item with code {cost_item!r}")
    card = Card(kind=process_id, amount=amount, department_id=department_id, cost_item_id=cost_item_id, stage="")
    return line_for(session, rulebook, card, now)


def outcome_at(line: BudgetLine | None, rulebook: RuleBook, process_id: str, point: str) -> str:
    """What the check at `point` does: "ok", "warn" or "block" (the strictest exceeded period's action)."""
    policy = rulebook.process(process_id).budget
    if line is None or policy is None or point not in policy.check_at:
        return "ok"
    actions = [p.action for p in line.periods if p.exceeded and p.action != "ignore"]
    return max(actions, key=_STRICTNESS.get) if actions else "ok"
