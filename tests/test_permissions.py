"""The role × action matrix: who may see a card and who may do what (deny by default)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from soglasie.errors import NotFound, PermissionDenied
from soglasie.models import Department, User
from soglasie.services import actions, queries
from tests.conftest import T0
from tests.helpers import file_request, open_task

EVERYONE = ("memployee", "mhead", "pemployee", "phead", "prhead", "finance", "ops", "chief",
            "accountant", "signer", "admin")
# A request filed by memployee (marketing); mhead heads marketing.
SEES = {"memployee", "mhead", "finance", "ops", "chief", "accountant", "admin"}
ALLOWED = {
    "take_into_work": {"mhead"},
    "approve": {"mhead", "ops"},  # ops on the head's behalf
    "reject": {"mhead"},
    "request_documents": {"mhead"},
    "freeze": {"ops", "finance"},
    "restart": {"memployee"},
}


def _expected(action: str, login: str) -> str:
    if login in ALLOWED[action]:
        return "ok"
    return "forbidden" if login in SEES else "not_found"


def _attempt(core, users, card_id: int, action: str, login: str) -> None:
    actor = users[login]
    if action == "freeze":
        actions.freeze(core, actor, card_id, T0)
    elif action == "restart":
        actions.restart(core, actor, card_id, T0)
    else:
        task = open_task(core, users, card_id, "head_approval")
        call = getattr(actions, action)
        extra = ("because",) if action in ("reject", "request_documents") else ()
        call(core, actor, task["id"], T0, *extra)


@pytest.mark.parametrize("login", EVERYONE)
def test_visibility(core, users, invoice, login):
    card_id = file_request(core, users, invoice)
    if login in SEES:
        assert queries.get_card(core, users[login], card_id, T0)["id"] == card_id
        listed = queries.list_cards(core, users[login], queries.CardFilter(kind="payment"))["items"]
        assert card_id in [item["id"] for item in listed]
    else:
        with pytest.raises(NotFound):
            queries.get_card(core, users[login], card_id, T0)
        assert queries.list_cards(core, users[login], queries.CardFilter(kind="payment"))["total"] == 0


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("login", EVERYONE)
def test_action_matrix(core, users, invoice, action, login):
    card_id = file_request(core, users, invoice)
    if action == "restart":
        task = open_task(core, users, card_id, "head_approval")
        actions.reject(core, users["mhead"], task["id"], T0, "rework the amount")
    expected = _expected(action, login)
    stage_before = queries.get_card(core, users["ops"], card_id, T0)["stage"]
    if expected == "ok":
        _attempt(core, users, card_id, action, login)
        assert queries.get_card(core, users["ops"], card_id, T0)["stage"] != stage_before or action in (
            "take_into_work", "request_documents")
        return
    with pytest.raises(PermissionDenied if expected == "forbidden" else NotFound):
        _attempt(core, users, card_id, action, login)
    assert queries.get_card(core, users["ops"], card_id, T0)["stage"] == stage_before


def test_a_head_sees_sub_departments_and_the_tree_walk_finds_the_nearest_head(core, users, invoice):
    with core.db.write() as session:
        marketing = session.scalars(select(Department).where(Department.code == "marketing")).one()
        smm = Department(code="smm", name="SMM", parent_id=marketing.id)
        session.add(smm)
        session.flush()
        session.get(User, users["pemployee"]).department_id = smm.id
    card_id = file_request(core, users, invoice, who="pemployee")
    assert open_task(core, users, card_id, "head_approval")["assignee"] == "mhead"
    assert queries.get_card(core, users["mhead"], card_id, T0)["id"] == card_id
    with pytest.raises(NotFound):
        queries.get_card(core, users["phead"], card_id, T0)


def test_nobody_heads_the_department_so_the_operations_manager_gets_it(core, users, invoice):
    with core.db.write() as session:
        session.scalars(select(Department).where(Department.code == "marketing")).one().head_id = None
    card_id = file_request(core, users, invoice)
    assert open_task(core, users, card_id, "head_approval")["assignee"] == "ops"
