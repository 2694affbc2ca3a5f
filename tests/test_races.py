"""Two (or twenty) people acting on one task at once: exactly one wins, on both databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from soglasie.errors import Conflict
from soglasie.models import OutboxMessage, TimelineEvent
from soglasie.services import actions
from tests.conftest import T0
from tests.helpers import file_request, open_task

THREADS = 20


@pytest.mark.parametrize("attempt", range(3))
def test_twenty_threads_approving_one_task_exactly_one_wins(core, users, invoice, attempt):
    card_id = file_request(core, users, invoice)
    task = open_task(core, users, card_id, "head_approval")
    approvers = [users["mhead"] if i % 2 else users["ops"] for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    results: list[str] = []

    def approve(actor_id: int) -> None:
        barrier.wait()
        try:
            actions.approve(core, actor_id, task["id"], T0)
            results.append("ok")
        except Conflict:
            results.append("conflict")
        except Exception as error:  # anything else is a bug the assertion below shows
            results.append(repr(error))

    threads = [threading.Thread(target=approve, args=(actor,)) for actor in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict"] * (THREADS - 1) + ["ok"]
    with core.db.read() as session:
        approvals = session.scalar(select(func.count(TimelineEvent.id)).where(
            TimelineEvent.card_id == card_id, TimelineEvent.event == "approved"))
        finance_tasks = session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.card_id == card_id, OutboxMessage.kind == "task_assigned",
            OutboxMessage.recipient_id == users["finance"]))
    assert approvals == 1
    assert finance_tasks == 1
