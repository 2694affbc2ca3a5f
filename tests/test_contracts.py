"""Contract approval (the contract process): the flow, every version kept, payments against contracts."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.errors import Conflict, NotFound, PermissionDenied, ValidationError
from soglasie.models import Attachment, Card, ContractVersion
from soglasie.services import actions, queries
from tests.helpers import add_contract_version, create_contract, create_payment_request
from soglasie.services.common import Upload
from tests.conftest import RULES_DIR, T0
from tests.helpers import file_request, open_task
from tests.support.files import pdf_bytes

LATER = T0 + dt.timedelta(hours=1)
CONTRACT = {"counterparty_inn": "7701526010", "subject": "Supply of jars, 2027", "amount": "500000.00",
            "valid_from": "2026-11-01", "valid_to": "2027-12-31"}


def _doc(text: str = "contract v1") -> Upload:
    return Upload(pdf_bytes(text), f"{text}.pdf")


def _file_contract(core, users, who="memployee", **changes) -> int:
    fields = {**CONTRACT, "document": _doc(), **changes}
    return create_contract(core, users[who], T0, **fields).card_id


def _contract(core, users, card_id, viewer="ops"):
    return queries.get_card(core, users[viewer], card_id, T0, kind="contract")


def _sign(core, users, card_id) -> None:
    for stage in ("head_approval", "finance_review"):
        task = open_task(core, users, card_id, stage)
        actions.approve(core, users[task["assignee"]], task["id"], T0)
    signing = open_task(core, users, card_id, "signing")
    actions.attach_file(core, users["signer"], signing["id"], Upload(pdf_bytes("signed scan"), "scan.pdf"), T0)
    actions.complete(core, users["signer"], signing["id"], T0)


def test_a_contract_goes_from_filing_to_signed(core, users):
    card_id = _file_contract(core, users)
    view = _contract(core, users, card_id)
    assert view["stage"] == "head_approval" and view["subject"] == "Supply of jars, 2027"
    assert [v["number"] for v in view["versions"]] == [1]
    assert view["versions"][0]["uploaded_by"] == "memployee" and len(view["versions"][0]["sha256"]) == 64
    for stage in ("head_approval", "finance_review"):
        task = open_task(core, users, card_id, stage)
        actions.approve(core, users[task["assignee"]], task["id"], T0)
    signing = open_task(core, users, card_id, "signing")
    assert signing["assignee"] == "signer" and signing["requires_attachment"]
    with pytest.raises(ValidationError) as error:
        actions.complete(core, users["signer"], signing["id"], T0)
    assert error.value.field == "file"
    actions.attach_file(core, users["signer"], signing["id"], Upload(pdf_bytes("signed"), "scan.pdf"), T0)
    actions.complete(core, users["signer"], signing["id"], LATER)
    view = _contract(core, users, card_id, viewer="memployee")
    assert view["stage"] == "signed"
    approvals = [event for event in view["timeline"] if event["event"] == "approved"]
    assert [event["data"]["version"] for event in approvals] == [1, 1]


def test_every_version_is_kept_and_a_new_one_after_an_approval_restarts_the_approvals(core, users):
    card_id = _file_contract(core, users)
    first = add_contract_version(core, users["memployee"], card_id, _doc("contract v2"), T0, "typo fixed")
    assert first["restarted"] is False and _contract(core, users, card_id)["run"]["number"] == 1  # nobody approved v1
    head = open_task(core, users, card_id, "head_approval")
    actions.approve(core, users["mhead"], head["id"], T0)
    result = add_contract_version(core, users["finance"], card_id, _doc("contract v3"), LATER, "legal edits")
    assert result == {"version": 3, "stage": "head_approval", "restarted": True}
    view = _contract(core, users, card_id)
    assert view["run"]["number"] == 2
    assert [(v["number"], v["uploaded_by"], v["comment"]) for v in view["versions"]] == [
        (1, "memployee", ""), (2, "memployee", "typo fixed"), (3, "finance", "legal edits")]
    assert len({v["sha256"] for v in view["versions"]}) == 3
    events = [event["event"] for event in view["timeline"]]
    assert events.count("version_added") == 2 and "revised" in events
    assert [e["data"]["version"] for e in view["timeline"] if e["event"] == "approved"] == [2]
    head = open_task(core, users, card_id, "head_approval")
    actions.approve(core, users["mhead"], head["id"], LATER)
    approved = [e["data"]["version"] for e in _contract(core, users, card_id)["timeline"] if e["event"] == "approved"]
    assert approved == [2, 3]


def test_a_signed_contract_takes_no_new_version(core, users):
    card_id = _file_contract(core, users)
    _sign(core, users, card_id)
    with pytest.raises(Conflict):
        add_contract_version(core, users["memployee"], card_id, _doc("v2"), LATER)
    assert len(_contract(core, users, card_id)["versions"]) == 1


@pytest.mark.parametrize(("login", "error"), [("pemployee", NotFound), ("mhead", PermissionDenied),
                                              ("accountant", PermissionDenied), ("signer", NotFound)])
def test_who_may_upload_versions(core, users, login, error):
    card_id = _file_contract(core, users)
    with pytest.raises(error):
        add_contract_version(core, users[login], card_id, _doc("v2"), T0)
    with core.db.read() as session:
        assert session.scalar(select(func.count(ContractVersion.id))) == 1


@pytest.mark.parametrize("login", ["memployee", "mhead", "finance", "ops", "chief", "accountant", "admin"])
def test_contract_visibility_follows_the_payment_rules(core, users, login):
    card_id = _file_contract(core, users)
    assert _contract(core, users, card_id, viewer=login)["id"] == card_id
    assert card_id in [item["id"] for item in queries.list_cards(
        core, users[login], queries.CardFilter(kind="contract"))["items"]]


@pytest.mark.parametrize("login", ["pemployee", "phead", "prhead", "signer"])
def test_contract_is_hidden_from_others(core, users, login):
    card_id = _file_contract(core, users)
    with pytest.raises(NotFound):
        _contract(core, users, card_id, viewer=login)


def test_a_payment_against_a_signed_contract_shows_what_is_left(core, users, invoice):
    contract_id = _file_contract(core, users)
    _sign(core, users, contract_id)
    first = file_request(core, users, invoice, amount="300000.00", contract_id=contract_id)
    view = queries.get_card(core, users["memployee"], first, T0)
    assert view["contract"] == {"id": contract_id, "subject": CONTRACT["subject"], "amount": "500000.00",
                                "committed": "300000.00", "remaining": "200000.00"}

    over = create_payment_request(
        core, users["memployee"], T0, counterparty_inn="7701526010", amount="250000.00", cost_item="PACK",
        invoice=invoice, contract_id=contract_id)
    assert [w.en for w in over.warnings] == [
        "The amount exceeds what is left of the contract — check the contract or add an amendment."]
    rejected = open_task(core, users, first, "head_approval")
    actions.reject(core, users["mhead"], rejected["id"], T0, "wrong month")
    assert _contract(core, users, contract_id)["balance"]["remaining"] == "250000.00"  # rejected ones don't count


def test_the_finance_lead_can_make_the_remainder_rule_block(settings, users, invoice, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    text = (rules / "payment.yaml").read_text()
    (rules / "payment.yaml").write_text(text.replace(
        "when: exceeds_contract_remaining\n    level: warn", "when: exceeds_contract_remaining\n    level: block"))
    core = Core.from_settings(settings.with_overrides(rules_dir=rules))
    contract_id = _file_contract(core, users)
    _sign(core, users, contract_id)
    with core.db.read() as session:
        before = session.scalar(select(func.count(Card.id)))
    with pytest.raises(ValidationError) as error:
        file_request(core, users, invoice, amount="500000.01", contract_id=contract_id)
    assert error.value.field == "amount"
    with core.db.read() as session:
        assert session.scalar(select(func.count(Card.id))) == before
    assert file_request(core, users, invoice, amount="500000.00", contract_id=contract_id)
    core.db.dispose()


@pytest.mark.parametrize(("changes", "field"), [
    ({"counterparty_inn": "7701526011"}, "counterparty_inn"),
    ({"subject": "  "}, "subject"),
    ({"amount": "-1"}, "amount"),
    ({"valid_from": "2027-01-01", "valid_to": "2026-01-01"}, "valid_to"),
    ({"valid_from": "01.01.2027"}, "valid_from"),
    ({"document": None}, "document"),
    ({"document": Upload(b"#!/bin/sh\nrm -rf /", "contract.pdf")}, "document"),
])
def test_bad_contracts_are_refused_and_nothing_is_written(core, users, changes, field):
    with pytest.raises(ValidationError) as error:
        _file_contract(core, users, **changes)
    assert error.value.field == field
    with core.db.read() as session:
        assert session.scalar(select(func.count(Card.id))) == 0
        assert session.scalar(select(func.count(Attachment.id))) == 0


def test_an_oversized_contract_is_refused(core, users):
    core.store.max_bytes = 2048
    with pytest.raises(ValidationError) as error:
        _file_contract(core, users, document=Upload(pdf_bytes() + b"%" * 4096, "big.pdf"))
    assert error.value.field == "document"


@pytest.mark.parametrize(("setup", "field"), [("unsigned", "contract_id"), ("other_counterparty", "contract_id"),
                                              ("expired", "contract_id"), ("garbage", "contract_id")])
def test_a_payment_must_reference_a_signed_valid_contract_of_its_counterparty(core, users, invoice, setup, field):
    contract_id = _file_contract(core, users, **({"valid_to": "2026-11-30"} if setup == "expired" else {}))
    if setup != "unsigned":
        _sign(core, users, contract_id)
    inn = "7814131862" if setup == "other_counterparty" else "7701526010"
    reference = "abc" if setup == "garbage" else contract_id
    with pytest.raises(ValidationError) as error:
        file_request(core, users, invoice, counterparty_inn=inn, contract_id=reference)
    assert error.value.field == field
