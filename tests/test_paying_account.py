"""The paying account chosen by the rule file's `paying_account:` section: on the card, in the export, in matching.

The fixture rules send requests for the cost item LOGISTICS of at least 1,000 RUB to the demo
company's second account; every other request is paid from the default one.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from soglasie.errors import Conflict, ValidationError
from soglasie.models import Card, PaymentOrder
from soglasie.services import company
from soglasie.services.bank_statements import import_statement
from tests import exchange_reader
from tests.conftest import T0
from tests.helpers import card, file_request
from tests.test_bank import at_payment, export, pay, statement_from

DEFAULT, SECOND = "40702810938000012345", "40702810100000054321"


def requisites_without_the_second_account(core, users) -> None:
    demo = company.get_company(core)
    company.save_company(core, users["admin"], {**demo, "accounts": [demo["accounts"][0]]})


def cards_count(core) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count(Card.id)))


@pytest.mark.parametrize("cost_item, amount, account", [
    ("LOGISTICS", "5000.00", SECOND), ("LOGISTICS", "999.99", DEFAULT), ("PACK", "5000.00", DEFAULT),
])
def test_the_first_matching_rule_chooses_the_account_shown_on_the_card(core, users, invoice, cost_item, amount,
                                                                      account):
    view = card(core, users, at_payment(core, users, invoice, cost_item=cost_item, amount=amount))
    assert view["paying_account"]["account"] == account
    assert view["paying_account"]["default"] is (account == DEFAULT)


def test_the_export_pays_from_the_rule_chosen_account(core, users, invoice):
    card_id = at_payment(core, users, invoice, cost_item="LOGISTICS")
    found = exchange_reader.read(export(core, users, [card_id]).data)
    second = next(row for row in company.get_company(core)["accounts"] if row["account"] == SECOND)
    fields = found.documents[0][1]
    assert found.header["РасчСчет"] == SECOND
    assert fields["ПлательщикСчет"] == fields["ПлательщикРасчСчет"] == SECOND
    assert fields["ПлательщикБИК"] == second["bik"] == "044525974"
    assert fields["ПлательщикБанк1"] == second["bank_name"] and fields["ПлательщикКорсчет"] == second["corr_account"]
    assert card(core, users, card_id)["paying_account"]["account"] == SECOND


def test_one_file_is_paid_from_one_account_and_a_mixed_selection_numbers_nothing(core, users, invoice):
    ids = [at_payment(core, users, invoice, cost_item="LOGISTICS"), at_payment(core, users, invoice)]
    with pytest.raises(ValidationError) as raised:
        export(core, users, ids)
    assert raised.value.field == "ids" and raised.value.code == "several_accounts"
    assert SECOND in raised.value.text.en and DEFAULT in raised.value.text.en
    with core.db.read() as session:
        assert session.scalar(select(func.count(PaymentOrder.id))) == 0
    assert export(core, users, ids[1:]).numbers == {ids[1]: 1}


def test_a_statement_of_one_account_matches_only_requests_paid_from_it(core, users, invoice):
    card_id = at_payment(core, users, invoice, cost_item="LOGISTICS")
    pay(core, users, card_id)
    data = statement_from(export(core, users, [card_id]).data)
    elsewhere = data.replace(SECOND.encode(), DEFAULT.encode())  # the same document, paid from the default account
    report = import_statement(core, users["accountant"], elsewhere, "s.txt", T0)
    assert not report["matched"] and [row["document_number"] for row in report["unmatched"]] == ["1"]
    assert card(core, users, card_id)["stage"] == "payment"
    assert [row["request_id"] for row in
            import_statement(core, users["accountant"], data, "s.txt", T0)["matched"]] == [card_id]
    assert card(core, users, card_id)["stage"] == "paid"


def test_filing_is_refused_while_the_rule_names_an_account_the_company_no_longer_has(core, users, invoice):
    requisites_without_the_second_account(core, users)
    before = cards_count(core)
    with pytest.raises(Conflict) as raised:
        file_request(core, users, invoice, cost_item="LOGISTICS")
    assert raised.value.code == "unknown_paying_account"
    assert SECOND in raised.value.text.en and "payment.yaml:" in raised.value.text.en
    assert cards_count(core) == before
    file_request(core, users, invoice, cost_item="PACK")  # the default account still pays the rest
    assert cards_count(core) == before + 1


def test_an_exported_order_keeps_its_account_and_the_account_cannot_be_removed(core, users, invoice):
    card_id = at_payment(core, users, invoice, cost_item="LOGISTICS")
    export(core, users, [card_id])
    with pytest.raises(ValidationError):
        requisites_without_the_second_account(core, users)
    assert card(core, users, card_id)["paying_account"]["account"] == SECOND


def test_rules_naming_an_unknown_account_are_reported_with_file_and_line(core, users):
    with core.db.read() as session:
        assert company.unknown_paying_accounts(session, core.rulebook) == []
    requisites_without_the_second_account(core, users)
    with core.db.read() as session:
        problems = company.unknown_paying_accounts(session, core.rulebook)
    assert [(problem.path.endswith("payment.yaml"), problem.line > 0) for problem in problems] == [(True, True)]
    assert f"paying account '{SECOND}' is not among the company's accounts ({DEFAULT})" in str(problems[0])


def _cli_env(monkeypatch, settings) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOGLASIE_RULES_DIR", str(settings.rules_dir))
    monkeypatch.setenv("SOGLASIE_DATA_DIR", str(settings.data_dir))


def test_rules_simulate_shows_the_chosen_account(core, settings, monkeypatch, capsys):
    from soglasie.cli import main

    _cli_env(monkeypatch, settings)
    argv = ["rules", "simulate", "--process", "payment", "--created-at", "2026-12-07T10:00", "--amount", "5000",
            "--cost-item", "LOGISTICS", "--json"]
    assert main(argv) == 0
    last = json.loads(capsys.readouterr().out)[-1]
    assert (last["kind"], last["account"]) == ("paying_account", SECOND) and last["rule"].startswith("payment.yaml:")
    assert main(argv[:-1]) == 0
    assert f"paying account {SECOND} (payment.yaml:" in capsys.readouterr().out
    assert main([*argv[:-2], "PACK"]) == 0  # no rule matches: the default account, no row
    assert "paying account" not in capsys.readouterr().out


def test_rules_check_refuses_an_account_the_company_does_not_have(core, users, settings, monkeypatch, capsys):
    from soglasie.cli import main

    _cli_env(monkeypatch, settings)
    assert main(["rules", "check"]) == 0
    requisites_without_the_second_account(core, users)
    assert main(["rules", "check"]) == 1
    out = capsys.readouterr().out
    assert "payment.yaml:" in out and f"paying account '{SECOND}' is not among the company's accounts" in out
