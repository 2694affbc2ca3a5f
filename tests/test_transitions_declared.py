"""The declaration and the engine cannot drift: what a viewer is offered is exactly what execute() accepts.

For every process of the test rules, a card is walked through every stage of its route (each
task open, started, decided), the documents side stage, frozen (also while documents are
awaited), rejected, restarted and the terminal; at each state, for every demo user, every
task action on every task of the card and every card action is tried in a rolled-back
savepoint (with a reason and the file it needs: the input is not what is being tested) and
compared with `available_actions`.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from soglasie.errors import DomainError
from soglasie.models import Attachment, Card, Task, User
from soglasie.process.engine import CARD_COMMANDS, TASK_COMMANDS, Command, available_actions, execute
from soglasie.process.transitions import TRANSITIONS
from soglasie.services import actions
from soglasie.services.cards import CardInput, create_card
from soglasie.services.common import Upload, process_context
from tests.conftest import T0
from tests.support.files import pdf_bytes

# Large enough for every optional stage (the director above 1,000,000), below every block.
AMOUNT = "2000000.00"


def _card_input(process) -> CardInput:
    """Every field the process's cards use, valid."""
    uses = process.card.uses
    return CardInput(
        counterparty_inn="7701526010" if uses("counterparty") else None, amount=AMOUNT if uses("amount") else None,
        cost_item="PACK" if uses("cost_item") else None, subject="Тест" if uses("subject") else None,
        valid_from="2026-11-01" if uses("validity") else None, valid_to="2027-12-31" if uses("validity") else None,
        document=Upload(pdf_bytes("document"), "document.pdf") if process.card.document else None,
        document_field=process.card.document.field if process.card.document else "document")


def _accepts(session, core, command: Command) -> bool:
    """True when execute() takes the command; whatever it wrote is rolled back."""
    savepoint = session.begin_nested()
    try:
        if command.task_id is not None:  # the file a requires_attachment task needs: input, not state
            task = session.get(Task, command.task_id)
            session.add(Attachment(card_id=task.card_id, task_id=task.id, purpose="test", sha256="0" * 64, size=1,
                                   content_type="application/pdf", original_name="x.pdf",
                                   uploaded_by_id=command.actor_id, uploaded_at=command.now))
        execute(session, process_context(core), command)
        return True
    except DomainError:
        return False
    finally:
        savepoint.rollback()


def _drift(core, card_id: int, closed: set[int]) -> tuple[list[tuple], set[str]]:
    """Where offered and accepted differ at the card's current state (stage, user, task, both), and all accepted.

    A closed task (decided or cancelled) stays closed: it is tried once, then added to `closed`.
    """
    differences, accepted_by_anyone = [], set()
    with core.db.write() as session:
        card = session.get(Card, card_id)
        process = core.rulebook.process(card.kind)
        task_ids = [task.id for task in session.scalars(select(Task).where(Task.card_id == card_id).order_by(Task.id))
                    if task.id not in closed]
        closed.update(task_id for task_id in task_ids if not session.get(Task, task_id).is_open)
        for user in list(session.scalars(select(User).order_by(User.id))):
            for task_id in [*task_ids, None]:
                task = session.get(Task, task_id) if task_id is not None else None
                offered = set(available_actions(session, process, user, session.get(Card, card_id), task))
                tried = TASK_COMMANDS if task_id is not None else CARD_COMMANDS
                accepted = {action for action in tried if _accepts(session, core, Command(
                    action, user.id, T0, task_id=task_id, card_id=None if task_id else card_id, comment="x"))}
                accepted_by_anyone |= accepted
                if offered != accepted:
                    differences.append((card.stage, user.login, task_id, sorted(offered), sorted(accepted)))
    return differences, accepted_by_anyone


def _open_tasks(core, card_id: int) -> list:
    """(id, stage, kind, assignee_id) of the current run's open tasks, oldest first."""
    with core.db.read() as session:
        card = session.get(Card, card_id)
        return list(session.execute(select(Task.id, Task.stage, Task.kind, Task.assignee_id).where(
            Task.run_id == card.current_run_id, Task.status.in_(("open", "started"))).order_by(Task.id)))


def _finish(core, task, process) -> None:
    """The assignee finishes the task: approves it, or attaches its file and completes it."""
    definition = process.stage(task.stage).task(task.kind)
    if "approve" in definition.actions:
        actions.approve(core, task.assignee_id, task.id, T0)
        return
    if definition.requires_attachment:
        actions.attach_file(core, task.assignee_id, task.id, Upload(pdf_bytes("file"), "file.pdf"), T0)
    actions.complete(core, task.assignee_id, task.id, T0)


def _walk_the_route(core, card_id: int, process, check) -> None:
    """Every task of every stage: open, then started, then decided, checking at each state."""
    while tasks := _open_tasks(core, card_id):
        task = tasks[0]
        if "take_into_work" in process.stage(task.stage).task(task.kind).actions:
            actions.take_into_work(core, task.assignee_id, task.id, T0)
            check()
        _finish(core, task, process)
        check()


def _walk_the_side_stages(core, card_id: int, check) -> None:
    """Documents requested, frozen over it, answered; frozen; rejected; restarted."""
    first = _open_tasks(core, card_id)[0]
    ops = _login_id(core, "ops")
    actions.request_documents(core, first.assignee_id, first.id, T0, "нужен договор")
    check()
    for step in (actions.freeze, actions.unfreeze):
        step(core, ops, card_id, T0)
        check()
    answer = _open_tasks(core, card_id)[-1]
    actions.complete(core, answer.assignee_id, answer.id, T0, "вот договор")
    check()
    actions.freeze(core, ops, card_id, T0)
    check()
    actions.unfreeze(core, ops, card_id, T0)
    first = _open_tasks(core, card_id)[0]
    actions.reject(core, first.assignee_id, first.id, T0, "дорого")
    check()
    with core.db.read() as session:
        initiator = session.get(Card, card_id).initiator_id
    actions.restart(core, initiator, card_id, T0)
    check()


def _login_id(core, login: str) -> int:
    with core.db.read() as session:
        return session.scalar(select(User.id).where(User.login == login))


# The walks, and actions each must have seen accepted somewhere (so the comparison is never vacuous).
WALKS = {"route": {"take_into_work", "approve", "complete", "reject", "freeze"},
         "side_stages": {"request_documents", "complete", "freeze", "unfreeze", "restart"}}


# SQLite only: the declarations are the same on both backends, and PostgreSQL takes minutes
# over these few thousand savepoints (the engine on PostgreSQL is covered by the other tests).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("walk", sorted(WALKS))
@pytest.mark.parametrize("process_id", ["payment", "contract", "requisition"])
def test_offered_actions_are_exactly_the_accepted_ones(core, process_id, walk):
    assert set(core.rulebook.processes) == {"payment", "contract", "requisition"}  # the table covers them all
    process = core.rulebook.process(process_id)
    card_id = create_card(core, _login_id(core, "memployee"), T0, process_id, _card_input(process)).card_id
    differences, accepted, closed = [], set(), set()

    def check():
        found, taken = _drift(core, card_id, closed)
        differences.extend(found)
        accepted.update(taken)

    check()
    if walk == "route":
        _walk_the_route(core, card_id, process, check)
    else:
        _walk_the_side_stages(core, card_id, check)
    assert differences == []
    assert WALKS[walk] <= accepted
    versioned = process.card.document is not None and process.card.document.versioned
    assert ("new_version" in accepted) == versioned


def test_every_action_is_declared_once():
    assert set(TASK_COMMANDS) | set(CARD_COMMANDS) == set(TRANSITIONS)
    assert {transition.action for transition in TRANSITIONS.values()} == set(TRANSITIONS)
