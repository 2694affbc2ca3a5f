"""Filing a payment request (the payment request process): validate everything, then save and start the run.

A counterparty that is not in the directory yet may be added with the request, in the same
transaction: a request the rules refuse leaves no counterparty behind.
"""

from __future__ import annotations

import datetime as dt

from soglasie.core import Core
from soglasie.errors import ValidationError, t
from soglasie.models import Attachment, Card
from soglasie.process.engine import start_run
from soglasie.services.common import Created, Upload, load_actor, parse_deadline, process_context
from soglasie.services.contracts import check_payable_contract
from soglasie.services.directory import add_counterparty, clean_counterparty, find_cost_item, find_counterparty
from soglasie.validation import clean_amount, clean_text


def create_payment_request(
    core: Core, actor_id: int, now: dt.datetime, *, counterparty_inn: str | None, amount, cost_item: str | None,
    invoice: Upload | None, deadline=None, comment: str | None = None, contract_id=None,
    new_counterparty: dict | None = None,
) -> Created:
    """File a payment request and start its process; on any error nothing is written.

    `new_counterparty` ({name, inn, kpp?, bik?, account?}) adds the counterparty to the
    directory with the request (then `counterparty_inn` is not used).
    """
    calendar = core.rulebook.calendar
    amount_value = clean_amount(amount)
    hard_deadline = parse_deadline(deadline, "deadline", calendar)
    if hard_deadline is not None and hard_deadline <= now:
        raise ValidationError(t("Крайний срок уже прошёл.", "The deadline is in the past."), "deadline")
    comment_text = clean_text(comment, "comment")
    if invoice is None:
        raise ValidationError(t("Приложите счёт на оплату.", "Attach the invoice."), "invoice")
    checked = core.store.check(invoice.data, invoice.filename, "invoice")
    details = clean_counterparty(**new_counterparty) if new_counterparty is not None else None
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        if details is not None:
            counterparty = add_counterparty(session, actor, now, details)
        else:
            counterparty = find_counterparty(session, counterparty_inn)
        contract = None
        if contract_id not in (None, ""):
            contract = check_payable_contract(session, contract_id, counterparty.id, actor, now, calendar.tz)
        card = Card(
            kind="payment", initiator_id=actor.id, department_id=actor.department_id,
            counterparty_id=counterparty.id, cost_item_id=find_cost_item(session, cost_item).id,
            amount=amount_value, hard_deadline=hard_deadline, comment=comment_text,
            contract_id=contract.id if contract else None, stage="draft", created_at=now, updated_at=now,
        )
        session.add(card)
        session.flush()
        session.add(Attachment(
            card_id=card.id, purpose="invoice", sha256=checked.sha256, size=checked.size,
            content_type=checked.content_type, original_name=checked.original_name,
            uploaded_by_id=actor.id, uploaded_at=now))
        outcome = start_run(session, process_context(core), card, actor, now)
        # The bytes go to disk last, inside the transaction: a failure above leaves no file.
        core.store.save(invoice.data, invoice.filename, "invoice")
        return Created(card.id, outcome.stage, outcome.warnings)


