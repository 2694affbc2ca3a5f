"""Cards, tasks and lists as plain dicts: the shape of the REST API (the public /api/v1 interface).

Which keys a card has follows its process's `card:` section: a card with a subject and a
validity period shows them, a versioned document its versions, a card that may be paid
against its balance, a card that may reference a contract its `contract`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.models import (Attachment, Card, ContractVersion, CostItem, Counterparty, Department, ProcessRun, Task,
                             TimelineEvent, User)
from soglasie.process.definitions import task_definition
from soglasie.process.budgets import line_for
from soglasie.process.engine import available_actions
from soglasie.invoices import payment_purpose
from soglasie.services.payment_orders import PAYMENT_FLAG, order_view, paying_account_view
from soglasie.process.duplicates import possible_duplicates
from soglasie.process.facts import contract_committed
from soglasie.rulebook.model import ProcessDefinition, RuleBook
from soglasie.services.audit import card_chain_break


def iso(at: dt.datetime | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 with the company's offset, e.g. 2026-12-01T18:00:00+03:00."""
    return at.astimezone(tz).isoformat() if at is not None else None


def _login(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.login if user else None


def task_view(session: Session, task: Task, viewer: User, rulebook: RuleBook, card: Card,
              now: dt.datetime) -> dict:
    """A task with the actions `viewer` may take on it right now."""
    tz = rulebook.calendar.tz
    process = rulebook.process(card.kind)
    definition = task_definition(process, task)
    assignee = session.get(User, task.assignee_id)
    return {
        "id": task.id,
        "kind": task.kind,
        "stage": task.stage,
        "title": {"ru": definition.title.ru, "en": definition.title.en},
        "assignee": assignee.login,
        "assignee_name": assignee.name,
        "delegated_from": _login(session, task.delegated_from_id),  # the absent assignee, when a deputy has it
        "status": task.status,
        "deadline": iso(task.deadline, tz),
        "overdue": bool(task.is_open and task.deadline and task.deadline < now),
        "created_at": iso(task.created_at, tz),
        "started_at": iso(task.started_at, tz),
        "decided_at": iso(task.decided_at, tz),
        "decided_by": _login(session, task.decided_by_id),
        "outcome": task.outcome,
        "comment": task.comment,
        "requires_attachment": definition.requires_attachment,
        "memo": {"ru": definition.memo.ru, "en": definition.memo.en} if definition.memo else None,
        "actions": available_task_actions(session, task, viewer, process, card),
    }


def available_task_actions(session: Session, task: Task, viewer: User, process: ProcessDefinition,
                           card: Card) -> list[str]:
    """The actions `viewer` may take on `task` now: derived from the declarations the engine enforces."""
    return available_actions(session, process, viewer, card, task)


def available_card_actions(session: Session, card: Card, viewer: User, process: ProcessDefinition) -> list[str]:
    """Card-level actions (freeze, unfreeze, restart, new version) `viewer` may take now."""
    return available_actions(session, process, viewer, card)


def card_view(session: Session, card: Card, viewer: User, rulebook: RuleBook, now: dt.datetime) -> dict:
    """Everything about a card: fields, current tasks, attachments, the whole timeline."""
    tz = rulebook.calendar.tz
    process = rulebook.process(card.kind)
    run = session.get(ProcessRun, card.current_run_id) if card.current_run_id else None
    tasks = session.scalars(select(Task).where(Task.run_id == run.id).order_by(Task.id)) if run else []
    view = card_summary(session, card, tz)
    view.update({
        "cost_item": {"code": card.cost_item.code, "name": card.cost_item.name} if card.cost_item else None,
        "comment": card.comment,
        "contract_id": card.contract_id,
        "run": {"number": run.number, "route": list(run.route), "rules_version": run.rules_version,
                "resume_stage": run.resume_stage, "asking_stage": run.asking_stage} if run else None,
        "tasks": [task_view(session, task, viewer, rulebook, card, now) for task in tasks],
        "rules_version": run.rules_version if run else None,
        "timeline": timeline_view(session, card, tz),
        "attachments": attachments_view(session, card, tz),
        "actions": available_card_actions(session, card, viewer, process),
    })
    view.update(history_check(session, card))
    view.update(process_fields(session, card, rulebook))
    if process.budget is not None:  # the budget line (soglasie.services.budget_line documents the keys)
        line = line_for(session, rulebook, card, now)
        view["budget"] = line.as_dict() if line is not None else None
    return view


def process_fields(session: Session, card: Card, rulebook: RuleBook) -> dict:
    """The keys the card's process declares: subject and validity, versions, balance, linked contract."""
    process = rulebook.process(card.kind)
    fields = _own_fields(card, process)
    if process.card.document is not None and process.card.document.versioned:
        fields["versions"] = versions_view(session, card, rulebook.calendar.tz)
    if rulebook.referencing(process.id):
        fields["balance"] = contract_balance(session, card)
    if process.card.contract_process is not None:
        fields.update(linked_contract(session, card))
    if process.duplicates is not None:
        fields["possible_duplicates"] = possible_duplicates(session, rulebook, card)
    if _has_invoice(process):
        purpose = {locale: payment_purpose(card, locale) for locale in ("ru", "en")}
        fields["payment_purpose"] = purpose if purpose["ru"] is not None else None
    if process.stages_flagged(PAYMENT_FLAG):
        fields["payment_order"] = order_view(session, card, rulebook.calendar.tz)
        fields["paying_account"] = paying_account_view(session, rulebook, card)
    return fields


def _has_invoice(process: ProcessDefinition) -> bool:
    spec = process.card
    return spec.uses("invoice_number") or spec.uses("invoice_date") or bool(spec.vat_rates)


def _own_fields(card: Card, process: ProcessDefinition) -> dict:
    """Subject and validity, the invoice's number, date and VAT, for the processes whose cards have them."""
    fields = {}
    if process.card.uses("subject"):
        fields["subject"] = card.subject
    if process.card.uses("validity"):
        fields["valid_from"] = card.valid_from.isoformat() if card.valid_from else None
        fields["valid_to"] = card.valid_to.isoformat() if card.valid_to else None
    if process.card.uses("invoice_number"):
        fields["invoice_number"] = card.invoice_number
    if process.card.uses("invoice_date"):
        fields["invoice_date"] = card.invoice_date.isoformat() if card.invoice_date else None
    if process.card.vat_rates:
        fields.update(vat_rate=card.vat_rate, vat_amount=money(card.vat_amount))
    return fields


def versions_view(session: Session, card: Card, tz: ZoneInfo) -> list[dict]:
    """Every version of the card's main document, oldest first."""
    versions = session.scalars(select(ContractVersion).where(ContractVersion.card_id == card.id)
                               .order_by(ContractVersion.number))
    return [{"number": v.number, "uploaded_by": _login(session, v.uploaded_by_id),
             "at": iso(v.uploaded_at, tz), "sha256": v.attachment.sha256, "size": v.attachment.size,
             "comment": v.comment, "name": v.attachment.original_name, "attachment_id": v.attachment_id}
            for v in versions]


def linked_contract(session: Session, card: Card) -> dict:
    """The contract a payment is made against, with what is left of it."""
    if card.contract_id is None:
        return {"contract": None}
    contract = session.get(Card, card.contract_id)
    return {"contract": {"id": contract.id, "subject": contract.subject, **contract_balance(session, contract)}}


def money(amount) -> str | None:
    """An amount as the API writes it ("150000.00"); None for a card without one."""
    return f"{amount:.2f}" if amount is not None else None


def card_summary(session: Session, card: Card, tz: ZoneInfo) -> dict:
    """The fields a list row or board card shows."""
    initiator = session.get(User, card.initiator_id)
    counterparty = card.counterparty
    return {
        "id": card.id,
        "kind": card.kind,
        "stage": card.stage,
        "amount": money(card.amount),
        "currency": card.currency,
        "counterparty": {"id": counterparty.id, "name": counterparty.name, "inn": counterparty.inn,
                         "kpp": counterparty.kpp, "bik": counterparty.bik,
                         "account": counterparty.account} if counterparty else None,
        "initiator": initiator.login,
        "initiator_name": initiator.name,
        "department": card.department.code if card.department else None,
        "deadline": iso(card.hard_deadline, tz),
        "created_at": iso(card.created_at, tz),
        "updated_at": iso(card.updated_at, tz),
    }


def card_summaries(session: Session, cards: list[Card], rulebook: RuleBook) -> list[dict]:
    """`card_summary` for many cards, in their order, in four queries whatever their number.

    Rows also carry the cost item, and cards with a subject and validity those, for the lists.
    """
    tz = rulebook.calendar.tz
    def lookup(*columns, ids):
        """{first column: the other columns} for the rows whose first column is in `ids`."""
        ids = {value for value in ids if value is not None}
        if not ids:
            return {}
        return {row[0]: row[1:] for row in session.execute(select(*columns).where(columns[0].in_(ids)))}

    counterparties = lookup(Counterparty.id, Counterparty.name, Counterparty.inn, Counterparty.kpp, Counterparty.bik,
                            Counterparty.account, ids={card.counterparty_id for card in cards})
    people = lookup(User.id, User.login, User.name, ids={card.initiator_id for card in cards})
    departments = lookup(Department.id, Department.code, ids={card.department_id for card in cards})
    items = lookup(CostItem.id, CostItem.code, CostItem.name, ids={card.cost_item_id for card in cards})
    rows = []
    for card in cards:
        party = counterparties.get(card.counterparty_id)
        login, person = people[card.initiator_id]
        item = items.get(card.cost_item_id)
        row = {
            "id": card.id, "kind": card.kind, "stage": card.stage, "amount": money(card.amount),
            "currency": card.currency,
            "counterparty": dict(zip(("id", "name", "inn", "kpp", "bik", "account"), (card.counterparty_id, *party)))
            if party else None,
            "initiator": login, "initiator_name": person,
            "department": departments.get(card.department_id, (None,))[0],
            "deadline": iso(card.hard_deadline, tz), "created_at": iso(card.created_at, tz),
            "updated_at": iso(card.updated_at, tz),
            "cost_item": {"code": item[0], "name": item[1]} if item else None,
        }
        row.update(_own_fields(card, rulebook.process(card.kind)))
        rows.append(row)
    return rows


def history_check(session: Session, card: Card) -> dict:
    """`history_verified` (the timeline's hash chain holds) and, when not, the first row that breaks it."""
    problem = card_chain_break(session, card.id)
    return {"history_verified": problem is None,
            "history_problem": {"row_id": problem.row_id, "problem": problem.problem} if problem else None}


def timeline_view(session: Session, card: Card, tz: ZoneInfo) -> list[dict]:
    """The card's history across every run, oldest first."""
    events = session.scalars(select(TimelineEvent).where(TimelineEvent.card_id == card.id).order_by(TimelineEvent.id))
    runs = {run.id: run.number for run in session.scalars(select(ProcessRun).where(ProcessRun.card_id == card.id))}
    return [{
        "at": iso(event.at, tz),
        "actor": _login(session, event.actor_id),
        "on_behalf_of": _login(session, event.on_behalf_of_id),
        "event": event.event,
        "stage": event.stage,
        "comment": event.comment,
        "run": runs.get(event.run_id),
        "task_id": event.task_id,
        "data": event.data or {},
    } for event in events]


def attachments_view(session: Session, card: Card, tz: ZoneInfo) -> list[dict]:
    """The card's files (invoice, payment order, documents), oldest first."""
    rows = session.scalars(select(Attachment).where(Attachment.card_id == card.id).order_by(Attachment.id))
    return [{
        "id": row.id, "purpose": row.purpose, "name": row.original_name, "size": row.size,
        "content_type": row.content_type, "sha256": row.sha256, "task_id": row.task_id,
        "uploaded_by": _login(session, row.uploaded_by_id), "at": iso(row.uploaded_at, tz),
    } for row in rows]


def contract_balance(session: Session, contract: Card) -> dict:
    """The contract's amount, what payments have committed of it, and what is left."""
    committed = contract_committed(session, contract.id)
    if contract.amount is None:
        return {"amount": None, "committed": f"{committed:.2f}", "remaining": None}
    return {"amount": money(contract.amount), "committed": f"{committed:.2f}",
            "remaining": money(contract.amount - committed)}
