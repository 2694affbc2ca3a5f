"""Budgets: the amount planned per year and month, department and cost item."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from soglasie.models.base import Base, Money, UTCDateTime


class Budget(Base):
    """One budget row: `planned` rubles for `department` × `cost_item` in `month` of `year`.

    A month without a row has no budget (zero); a department × cost item without any row in a
    year is not checked at all (docs/rules.md, "Budgets"). The rows of one department × cost
    item × year are the budget line that an approval locks.
    """

    __tablename__ = "budgets"
    __table_args__ = (
        UniqueConstraint("department_id", "cost_item_id", "year", "month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month_in_year"),
        CheckConstraint("planned >= 0", name="planned_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column()
    month: Mapped[int] = mapped_column()
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    cost_item_id: Mapped[int] = mapped_column(ForeignKey("cost_items.id"))
    planned: Mapped[Decimal] = mapped_column(Money)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
