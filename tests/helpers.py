"""Shorthands for driving the process through the services in tests."""

from __future__ import annotations

from soglasie.services import actions, documents, queries
from soglasie.services.cards import CardInput, create_card
from tests.conftest import T0


def create_payment_request(core, actor_id, now, *, invoice=None, **fields):
    """File a payment request through the generic service (the shape the old service had)."""
    return create_card(core, actor_id, now, "payment", CardInput(document=invoice, document_field="invoice", **fields))


def create_contract(core, actor_id, now, **fields):
    """File a contract through the generic service."""
    return create_card(core, actor_id, now, "contract", CardInput(**fields))


def add_contract_version(core, actor_id, card_id, document, now, comment=None):
    """A new version of a contract's document (only contracts: other cards are not found)."""
    return documents.add_version(core, actor_id, card_id, document, now, comment, process_id="contract")


def file_request(core, users, invoice, who: str = "memployee", amount: str = "150000.00", now=T0, **fields) -> int:
    """File a payment request as `who` and return its card id."""
    fields.setdefault("counterparty_inn", "7701526010")
    fields.setdefault("cost_item", "PACK")
    created = create_payment_request(
        core, users[who], now, amount=amount, invoice=invoice, **fields)
    return created.card_id


def card(core, users, card_id: int, viewer: str = "ops", now=T0) -> dict:
    """The card as `viewer` sees it."""
    return queries.get_card(core, users[viewer], card_id, now)


def open_task(core, users, card_id: int, stage: str, kind: str | None = None, now=T0) -> dict:
    """The open task of the current run at `stage` (of `kind`, when the stage has several)."""
    tasks = [task for task in card(core, users, card_id, now=now)["tasks"]
             if task["stage"] == stage and task["status"] in ("open", "started")
             and (kind is None or task["kind"] == kind)]
    assert len(tasks) == 1, tasks
    return tasks[0]


def approve_stage(core, users, card_id: int, stage: str, now=T0) -> None:
    """The assignee of the stage's single task approves it."""
    task = open_task(core, users, card_id, stage, now=now)
    actions.approve(core, users[task["assignee"]], task["id"], now)


def inbox(core, users, login: str) -> list[dict]:
    """`login`'s portal notifications, newest first."""
    return queries.my_notifications(core, users[login])["items"]


CONTRACT = {"counterparty_inn": "7701526010", "subject": "Поставка банок, 2027", "amount": "500000.00",
            "valid_from": "2026-11-01", "valid_to": "2027-12-31"}


def file_contract(core, users, who: str = "memployee", now=T0, text: str = "contract v1", **changes) -> int:
    """File a contract as `who` (version 1 a small PDF) and return its card id."""
    from soglasie.services.common import Upload
    from tests.support.files import pdf_bytes

    fields = {**CONTRACT, "document": Upload(pdf_bytes(text), f"{text}.pdf"), **changes}
    return create_contract(core, users[who], now, **fields).card_id


def sign_contract(core, users, card_id: int, now=T0) -> None:
    """Head and finance approve, the signer attaches the scan and completes: the contract is signed."""
    from soglasie.services.common import Upload
    from tests.support.files import pdf_bytes

    for stage in ("head_approval", "finance_review"):
        approve_stage(core, users, card_id, stage, now=now)
    signing = open_task(core, users, card_id, "signing", now=now)
    actions.attach_file(core, users["signer"], signing["id"], Upload(pdf_bytes("signed scan"), "scan.pdf"), now)
    actions.complete(core, users["signer"], signing["id"], now)
