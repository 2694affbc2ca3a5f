"""The lean transition path: how many statements each transition sends (bench/README.md, "one transition").

A statement count is deterministic where a timing is not: these ceilings keep the hot path
from silently growing back (a per-task flush, a SELECT before each outbox key, a re-read of
the task under the lock, a roles query per user). BEGIN is not counted. PostgreSQL sends a
few more on purpose: what it read with the task may predate the run's row lock, so it
re-reads the task and card, asks again whether the stage's other tasks are done, and locks the
card before reading the timeline's chain head (SQLite's BEGIN IMMEDIATE already serialises
every writer before the first read); its timeline rows are not batched.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from soglasie.services import actions
from soglasie.services.common import Upload
from tests.conftest import T0
from tests.helpers import file_request, open_task
from tests.support.files import pdf_bytes

# transition → the most statements it may send, per backend (the figures measured when the path was slimmed)
CEILINGS = {
# (before the lean path, SQLite: 24 / 28 / 35 / 16 / 24). The target: an approval in at most 12 on SQLite.
# Filing also checks the fixture's `paying_account:` rule against the company's accounts (3 statements: the
# company, its accounts, the card's facts); a process without such rules files in 19 / 21.
    "sqlite": {"file": 22, "head approval": 12, "finance approval": 17, "complete": 6, "complete, paid": 10},
    "postgresql": {"file": 24, "head approval": 18, "finance approval": 23, "complete": 12, "complete, paid": 16},
}


@contextmanager
def counting(core):
    """The statements sent inside the block (BEGIN left out)."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_):
        if not statement.lstrip().upper().startswith("BEGIN"):
            sent.append(statement)

    event.listen(core.db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(core.db.engine, "before_cursor_execute", record)


def _backend(core) -> str:
    return "sqlite" if core.db.is_sqlite else "postgresql"


def test_each_transition_stays_within_its_statement_count(core, users, invoice):
    counts = {}
    with counting(core) as sent:
        card_id = file_request(core, users, invoice)
    counts["file"] = len(sent)
    for stage, label in (("head_approval", "head approval"), ("finance_review", "finance approval")):
        task = open_task(core, users, card_id, stage)
        with counting(core) as sent:
            actions.approve(core, users[task["assignee"]], task["id"], T0)
        counts[label] = len(sent)
    order, pay = (open_task(core, users, card_id, "payment", kind) for kind in ("payment_order", "make_payment"))
    actions.attach_file(core, users[order["assignee"]], order["id"], Upload(pdf_bytes("order"), "order.pdf"), T0)
    for task, label in ((order, "complete"), (pay, "complete, paid")):
        with counting(core) as sent:
            actions.complete(core, users[task["assignee"]], task["id"], T0)
        counts[label] = len(sent)
    ceilings = CEILINGS[_backend(core)]
    assert {label: count for label, count in counts.items() if count > ceilings[label]} == {}, counts

