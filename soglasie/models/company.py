"""The paying company's requisites and the payment orders exported to the bank (docs/operations.md, "The bank")."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soglasie.models.base import Base, UTCDateTime


class Company(Base):
    """The company that pays (one row): its name, INN and KPP as they go into a payment order."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    inn: Mapped[str] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))

    accounts: Mapped[list["CompanyAccount"]] = relationship(order_by="CompanyAccount.id", cascade="all, delete-orphan")


class CompanyAccount(Base):
    """One settlement account of the company; the default one pays unless a routing rule names another."""

    __tablename__ = "company_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    account: Mapped[str] = mapped_column(String(20), unique=True)
    bank_name: Mapped[str] = mapped_column(String(300))
    bik: Mapped[str] = mapped_column(String(9))
    corr_account: Mapped[str] = mapped_column(String(20))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class PaymentOrder(Base):
    """A request's payment order: one number per request, unique within its year, kept however often exported."""

    __tablename__ = "payment_orders"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), unique=True)
    year: Mapped[int] = mapped_column()
    number: Mapped[int] = mapped_column()
    date: Mapped[dt.date] = mapped_column()
    account_id: Mapped[int] = mapped_column(ForeignKey("company_accounts.id"))
    exported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    exported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    export_count: Mapped[int] = mapped_column(default=1)

    account: Mapped[CompanyAccount] = relationship()
