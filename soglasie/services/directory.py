"""The directories: counterparties (validated bank details) and cost items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import Conflict, PermissionDenied, ValidationError
from soglasie.i18n import _
from soglasie.models import CostItem, Counterparty, User
from soglasie.services.common import load_actor
from soglasie.validation import clean_bank_details, clean_inn, clean_kpp, clean_text


def find_counterparty(session: Session, inn_raw: str | None, field_name: str = "counterparty_inn") -> Counterparty:
    """The active counterparty with this INN, or a ValidationError naming the field."""
    inn = clean_inn(inn_raw, field_name)
    counterparty = session.scalars(select(Counterparty).where(Counterparty.inn == inn)).first()
    if counterparty is None or not counterparty.active:
        raise ValidationError(
            _("No counterparty with this INN in the directory."),
            field_name,
        )
    return counterparty


def find_cost_item(session: Session, code: str | None) -> CostItem:
    """The active cost item with this code, or a ValidationError."""
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("Choose a cost item."), "cost_item")
    item = session.scalars(select(CostItem).where(CostItem.code == code)).first()
    if item is None or not item.active:
        raise ValidationError(_("Unknown cost item."), "cost_item")
    return item


def counterparty_view(row: Counterparty) -> dict:
    """A counterparty as the API shows it."""
    return {"id": row.id, "name": row.name, "inn": row.inn, "kpp": row.kpp, "bik": row.bik,
            "account": row.account, "active": row.active}


def list_counterparties(core: Core, search: str | None = None, limit: int = 200) -> list[dict]:
    """Active counterparties by name, optionally those whose name or INN matches `search`."""
    with core.db.read() as session:
        query = select(Counterparty).where(Counterparty.active.is_(True))
        if search and search.strip():
            needle = search.strip()
            query = query.where(or_(Counterparty.name.ilike(f"%{needle}%"), Counterparty.inn.like(f"{needle}%")))
        return [counterparty_view(row) for row in session.scalars(query.order_by(Counterparty.name).limit(limit))]


@dataclass(frozen=True)
class NewCounterparty:
    """A counterparty's details, validated, not yet written."""

    name: str
    inn: str
    kpp: str | None
    bik: str | None
    account: str | None


def clean_counterparty(*, name: str | None, inn: str | None, kpp: str | None = None, bik: str | None = None,
                       account: str | None = None) -> NewCounterparty:
    """Validate a new counterparty's details (INN checksum, KPP, BIK with the account's control key)."""
    clean_name = clean_text(name, "name", required=True, max_length=300)
    clean_inn_value = clean_inn(inn)
    clean_kpp_value = clean_kpp(kpp)
    clean_bik, clean_account = clean_bank_details(bik, account)
    return NewCounterparty(clean_name, clean_inn_value, clean_kpp_value, clean_bik, clean_account)


def add_counterparty(session: Session, actor: User, now: dt.datetime, details: NewCounterparty) -> Counterparty:
    """Write a validated counterparty in the caller's transaction; the INN must be new."""
    if session.scalar(select(Counterparty.id).where(Counterparty.inn == details.inn)):
        raise Conflict(_("A counterparty with this INN already exists."), "inn", code="duplicate")
    row = Counterparty(name=details.name, inn=details.inn, kpp=details.kpp, bik=details.bik, account=details.account,
                       active=True, created_at=now, created_by_id=actor.id)
    session.add(row)
    session.flush()
    return row


def create_counterparty(core: Core, actor_id: int, now: dt.datetime, *, name: str | None, inn: str | None,
                        kpp: str | None = None, bik: str | None = None, account: str | None = None) -> dict:
    """Add a counterparty (any employee may, when filing a request); the INN must be new."""
    details = clean_counterparty(name=name, inn=inn, kpp=kpp, bik=bik, account=account)
    with core.db.write() as session:
        return counterparty_view(add_counterparty(session, load_actor(session, actor_id), now, details))


def list_cost_items(core: Core) -> list[dict]:
    """Active cost items by code."""
    with core.db.read() as session:
        rows = session.scalars(select(CostItem).where(CostItem.active.is_(True)).order_by(CostItem.code))
        return [{"code": row.code, "name": row.name} for row in rows]


def clean_cost_item_code(code: str | None) -> str:
    """A cost item's code (fixed once created: rules refer to it), validated."""
    return clean_text(code, "code", required=True, max_length=64)


def clean_cost_item(*, code: str | None, name: str | None) -> tuple[str, str]:
    """A cost item's code and name, validated."""
    return clean_cost_item_code(code), clean_text(name, "name", required=True, max_length=200)


def require_directory_editor(actor: User) -> None:
    """PermissionDenied unless the actor is the admin: only the admin edits directories."""
    if not actor.has_role("admin"):
        raise PermissionDenied(_("Only the admin edits directories."))


def create_cost_item(core: Core, actor_id: int, *, code: str | None, name: str | None) -> dict:
    """Add a cost item (admin only)."""
    clean_code, clean_name = clean_cost_item(code=code, name=name)
    with core.db.write() as session:
        require_directory_editor(load_actor(session, actor_id))
        if session.scalar(select(CostItem.id).where(CostItem.code == clean_code)):
            raise Conflict(_("This code already exists."), "code", code="duplicate")
        session.add(CostItem(code=clean_code, name=clean_name, active=True))
        return {"code": clean_code, "name": clean_name}
