"""Payment controls: invoice number, date and VAT; duplicate invoices (warn, block, off), races, acknowledgement."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.errors import Conflict, ValidationError
from soglasie.invoices import normalize_invoice_number, payment_purpose, vat_of
from soglasie.models import Card, TimelineEvent
from soglasie.process.duplicates import DuplicateInvoice, possible_duplicates
from soglasie.services import actions
from tests.conftest import T0
from tests.helpers import approve_stage, card, create_payment_request, file_request, open_task
from tests.support.rules import rules_with

OTHER_INN = "7814131862"  # another demo counterparty
# Input checks and texts are the same on both databases: these tables run on SQLite (the SQL is tested below on both).
ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def make_core(settings, tmp_path):
    """A core on the same database with the duplicate check at a given level."""
    made = []

    def make(level: str = "warn", **options) -> Core:
        runtime = Core.from_settings(settings.with_overrides(rules_dir=rules_with(tmp_path, level, **options)))
        made.append(runtime)
        return runtime
    yield make
    for runtime in made:
        runtime.db.dispose()


def count_cards(core) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count(Card.id)))


# --- the normalised number -------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "normalised"), [
    ("123", "123"),
    ("№ 123", "123"),
    ("#123", "123"),
    ("000123", "123"),
    ("INV-000123", "123"),
    ("inv 123", "123"),
    ("Inv-0123", "123"),
    ("СЧ-123", "123"),
    ("сч 00123", "123"),
    ("Сч. № 45/А", "45/А"),
    ("12-34", "1234"),
    ("A-12", "A12"),
    ("a 12", "A12"),
    ("0", "0"),
    ("000", "0"),
    ("№ - #", None),
    ("", None),
    (None, None),
])
def test_invoice_numbers_are_normalised(written, normalised):
    assert normalize_invoice_number(written) == normalised


@pytest.mark.parametrize(("amount", "rate", "vat"), [
    ("150000.00", "22", "27049.18"),
    ("122.00", "22", "22.00"),
    ("1.00", "22", "0.18"),
    ("110.00", "10", "10.00"),
    ("0.05", "10", "0.00"),
    ("0.11", "10", "0.01"),  # 0.01 exactly: half-up keeps it
    ("100.00", "0", "0.00"),
    ("100.00", "exempt", "0.00"),
    ("0.61", "22", "0.11"),  # 0.1100 → 0.11
    ("0.67", "22", "0.12"),  # 0.12081… → 0.12
    ("2.75", "10", "0.25"),  # 0.25 exactly
    ("0.055", "10", "0.01"),  # 0.005 → rounds half up
])
def test_vat_is_the_share_of_the_total_rounded_half_up(amount, rate, vat):
    assert vat_of(Decimal(amount), rate) == Decimal(vat)


# --- the fields on the card -----------------------------------------------------------------------


def test_invoice_fields_are_stored_and_returned_with_the_payment_purpose(core, users, invoice):
    card_id = file_request(core, users, invoice, invoice_number="INV-0042", invoice_date="2026-11-30",
                           vat_rate="22")
    view = card(core, users, card_id)
    assert (view["invoice_number"], view["invoice_date"], view["vat_rate"], view["vat_amount"]) == \
        ("INV-0042", "2026-11-30", "22", "27049.18")
    assert view["possible_duplicates"] == []
    assert view["payment_purpose"] == {
        "ru": "Оплата по счёту № INV-0042 от 30.11.2026, в т. ч. НДС 22 % — 27\u00a0049,18\u00a0₽",
        "en": "Payment for invoice No. INV-0042 of 2026-11-30, incl. VAT 22 % — 27,049.18 RUB"}
    with core.db.read() as session:
        stored = session.get(Card, card_id)
        assert (stored.invoice_key, stored.invoice_year) == ("42", 2026)


@ON_SQLITE
@pytest.mark.parametrize(("fields", "ru", "en"), [
    ({"invoice_number": "7", "invoice_date": "2026-12-01", "vat_rate": "exempt"},
     "Оплата по счёту № 7 от 01.12.2026, без НДС", "Payment for invoice No. 7 of 2026-12-01, VAT exempt"),
    ({"invoice_number": "7"}, "Оплата по счёту № 7", "Payment for invoice No. 7"),
    ({"invoice_date": "2026-12-01", "vat_rate": "0"},
     "Оплата по счёту от 01.12.2026, в т. ч. НДС 0 % — 0,00\u00a0₽",
     "Payment for the invoice of 2026-12-01, incl. VAT 0 % — 0.00 RUB"),
    ({"vat_rate": "10", "vat_amount": "13636.36"}, "Оплата по счёту, в т. ч. НДС 10 % — 13\u00a0636,36\u00a0₽",
     "Payment for the invoice, incl. VAT 10 % — 13,636.36 RUB"),
])
def test_the_payment_purpose_says_what_the_card_has(core, users, invoice, fields, ru, en):
    view = card(core, users, file_request(core, users, invoice, **fields))
    assert view["payment_purpose"] == {"ru": ru, "en": en}


def test_a_card_without_invoice_fields_still_renders(core, users, invoice):
    view = card(core, users, file_request(core, users, invoice))
    assert (view["invoice_number"], view["invoice_date"], view["vat_rate"], view["vat_amount"]) == (None,) * 4
    assert view["payment_purpose"] is None
    with core.db.read() as session:
        assert payment_purpose(session.get(Card, view["id"]), "ru") is None


@ON_SQLITE
@pytest.mark.parametrize(("fields", "field"), [
    ({"invoice_date": "2026-12-02"}, "invoice_date"),  # tomorrow, Moscow time
    ({"invoice_date": "01.12.2026"}, "invoice_date"),
    ({"invoice_date": "2026-02-30"}, "invoice_date"),
    ({"invoice_number": "№ -"}, "invoice_number"),
    ({"invoice_number": "1" * 101}, "invoice_number"),
    ({"vat_rate": "18"}, "vat_rate"),
    ({"vat_amount": "27049.18"}, "vat_rate"),  # an amount without a rate
    ({"vat_rate": "22", "vat_amount": "27049.17"}, "vat_amount"),  # one kopeck off
    ({"vat_rate": "22", "vat_amount": "27049.185"}, "vat_amount"),
    ({"vat_rate": "22", "vat_amount": "abc"}, "vat_amount"),
    ({"vat_rate": "exempt", "vat_amount": "1.00"}, "vat_amount"),
])
def test_bad_invoice_fields_are_refused_naming_the_field_and_nothing_is_written(core, users, invoice, fields, field):
    before = count_cards(core)
    with pytest.raises(ValidationError) as error:
        file_request(core, users, invoice, **fields)
    assert error.value.field == field
    assert count_cards(core) == before


@ON_SQLITE
@pytest.mark.parametrize("fields", [
    {"invoice_date": "2026-12-01"},  # today is not the future
    {"vat_rate": "22", "vat_amount": "27 049,18"},
    {"vat_rate": "22 %"},
    {"vat_rate": "exempt", "vat_amount": "0"},
])
def test_good_invoice_fields_are_accepted(core, users, invoice, fields):
    assert file_request(core, users, invoice, **fields)


def test_the_form_requires_what_the_rule_file_requires_and_the_api_does_not(make_core, users, invoice):
    strict = make_core("off", required=True)
    base = {"counterparty_inn": "7701526010", "amount": "100.00", "cost_item": "PACK", "invoice": invoice}
    for missing, field in (({"invoice_date": "2026-12-01"}, "invoice_number"),
                           ({"invoice_number": "1"}, "invoice_date")):
        with pytest.raises(ValidationError) as error:
            create_payment_request(strict, users["memployee"], T0, asked_by_form=True, **base, **missing)
        assert error.value.field == field
    assert create_payment_request(strict, users["memployee"], T0, **base).card_id


# --- duplicates: the rule -----------------------------------------------------------------------------


def _file(core, users, invoice, number=None, day=None, amount="150000.00", inn="7701526010", now=T0,
          who="memployee"):
    fields = {"counterparty_inn": inn}
    if number is not None:
        fields["invoice_number"] = number
    if day is not None:
        fields["invoice_date"] = day
    return file_request(core, users, invoice, who=who, amount=amount, now=now, **fields)


@pytest.mark.parametrize(("first", "second", "duplicate"), [
    # the same normalised number within one invoice year, whatever the amount
    ({"number": "INV-0042", "day": "2026-03-01"}, {"number": "42", "day": "2026-11-30", "amount": "1.00"}, True),
    ({"number": "СЧ 42", "day": "2026-03-01"}, {"number": "№42"}, True),  # no date: the filing year
    ({"number": "42", "day": "2025-12-31"}, {"number": "42", "day": "2026-01-01"}, False),  # another year
    ({"number": "42"}, {"number": "43"}, False),  # other numbers: the amount does not matter
    ({"number": "42", "inn": OTHER_INN}, {"number": "42"}, False),  # another counterparty
    # without a number (either side): the same amount within the window (5 days in the fixture)
    ({}, {}, True),
    ({"day": "2026-11-26"}, {"day": "2026-12-01"}, True),  # 5 days apart
    ({"day": "2026-11-25"}, {"day": "2026-12-01"}, False),  # 6 days apart
    ({"day": "2026-11-26"}, {}, True),  # the filing date (1 December) stands for a missing invoice date
    ({"day": "2026-11-20"}, {}, False),
    ({"number": "42", "day": "2026-11-30"}, {"day": "2026-12-01"}, True),  # one side has no number
    ({}, {"amount": "150000.01"}, False),  # another amount
])
def test_the_duplicate_rule(core, make_core, users, invoice, first, second, duplicate):
    warn = make_core("warn")
    first_id = _file(warn, users, invoice, **first)
    second_id = _file(warn, users, invoice, **second)
    found = card(warn, users, second_id)["possible_duplicates"]
    assert [item["id"] for item in found] == ([first_id] if duplicate else [])
    # the relation is symmetric: the first card shows it too
    assert [item["id"] for item in card(warn, users, first_id)["possible_duplicates"]] == \
        ([second_id] if duplicate else [])


def test_a_rejected_card_is_no_duplicate_until_it_is_restarted(make_core, users, invoice):
    warn = make_core("warn")
    first = _file(warn, users, invoice, number="42")
    task = open_task(warn, users, first, "head_approval")
    actions.reject(warn, users["mhead"], task["id"], T0, "wrong invoice")
    second = _file(warn, users, invoice, number="42")
    assert card(warn, users, second)["possible_duplicates"] == []
    actions.restart(warn, users["memployee"], first, T0)
    assert [item["id"] for item in card(warn, users, second)["possible_duplicates"]] == [first]


def test_possible_duplicates_name_the_other_card(make_core, users, invoice):
    warn = make_core("warn")
    first = _file(warn, users, invoice, number="INV-42", day="2026-11-30")
    created = create_payment_request(warn, users["pemployee"], T0, counterparty_inn="7701526010", amount="150000.00",
                                     cost_item="PACK", invoice=invoice, invoice_number="42")
    warnings = [warning.en for warning in created.warnings]
    assert warnings == [f"Possible duplicate of №{first} (INV-42): check that this invoice is not paid twice."]
    assert card(warn, users, created.card_id)["possible_duplicates"] == [
        {"id": first, "stage": "head_approval", "amount": "150000.00", "invoice_number": "INV-42",
         "invoice_date": "2026-11-30"}]
    with warn.db.read() as session:
        other = session.get(Card, created.card_id)
        assert [item["id"] for item in possible_duplicates(session, warn.rulebook, other)] == [first]
        assert possible_duplicates(session, warn, other) == possible_duplicates(session, warn.rulebook, other)
        event = session.scalars(select(TimelineEvent).where(TimelineEvent.card_id == created.card_id,
                                                            TimelineEvent.event == "created")).one()
        assert event.data["possible_duplicates"] == [first]


# --- duplicates: the levels ---------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "filed", "shown"), [("off", True, False), ("warn", True, True),
                                                        ("block", False, False)])
def test_each_level(make_core, users, invoice, level, filed, shown):
    checked = make_core(level)
    first = _file(checked, users, invoice, number="42")
    before = count_cards(checked)
    if not filed:
        with pytest.raises(DuplicateInvoice) as error:
            _file(checked, users, invoice, number="0042")
        assert (error.value.http_status, error.value.field, error.value.code) == (409, "invoice_number", "duplicate")
        assert error.value.body() == {"duplicates": [first]}
        assert count_cards(checked) == before
        return
    second = _file(checked, users, invoice, number="0042")
    assert [item["id"] for item in card(checked, users, second)["possible_duplicates"]] == ([first] if shown else [])


def test_a_warned_duplicate_is_approved_at_finance_only_with_an_acknowledgement(make_core, users, invoice):
    warn = make_core("warn")
    _file(warn, users, invoice, number="42")
    second = _file(warn, users, invoice, number="42")
    approve_stage(warn, users, second, "head_approval")  # other stages: shown, not stopped
    task = open_task(warn, users, second, "finance_review")
    for comment in (None, "   "):
        with pytest.raises(ValidationError) as error:
            actions.approve(warn, users["finance"], task["id"], T0, comment)
        assert (error.value.field, error.value.code) == ("comment", "duplicate_acknowledgement_required")
    assert open_task(warn, users, second, "finance_review")["status"] == "open"
    actions.approve(warn, users["finance"], task["id"], T0, "a second delivery, a separate invoice")
    view = card(warn, users, second)
    assert view["stage"] == "payment"
    acknowledged = [event for event in view["timeline"] if event["event"] == "duplicate_acknowledged"]
    assert [(event["actor"], event["comment"], event["stage"]) for event in acknowledged] == [
        ("finance", "a second delivery, a separate invoice", "finance_review")]


def test_the_operations_manager_on_behalf_also_acknowledges(make_core, users, invoice):
    warn = make_core("warn")
    _file(warn, users, invoice, number="42")
    second = _file(warn, users, invoice, number="42")
    approve_stage(warn, users, second, "head_approval")
    task = open_task(warn, users, second, "finance_review")
    with pytest.raises(ValidationError):
        actions.approve(warn, users["ops"], task["id"], T0)
    actions.approve(warn, users["ops"], task["id"], T0, "checked with the supplier")
    event = [e for e in card(warn, users, second)["timeline"] if e["event"] == "duplicate_acknowledged"][0]
    assert (event["actor"], event["on_behalf_of"]) == ("ops", "finance")


def test_a_card_no_longer_duplicate_needs_no_acknowledgement(make_core, users, invoice):
    warn = make_core("warn")
    first = _file(warn, users, invoice, number="42")
    second = _file(warn, users, invoice, number="42")
    approve_stage(warn, users, second, "head_approval")
    actions.reject(warn, users["mhead"], open_task(warn, users, first, "head_approval")["id"], T0, "filed twice")
    approve_stage(warn, users, second, "finance_review")
    assert card(warn, users, second)["stage"] == "payment"


def test_under_block_a_duplicate_left_from_warn_is_not_approved(make_core, users, invoice):
    warn = make_core("warn")
    _file(warn, users, invoice, number="42")
    second = _file(warn, users, invoice, number="42")
    block = make_core("block")
    task = open_task(block, users, second, "head_approval")
    with pytest.raises(Conflict) as error:
        actions.approve(block, users["mhead"], task["id"], T0, "ok")
    assert error.value.code == "duplicate"


def test_a_duplicate_restart_is_refused_under_block(make_core, users, invoice):
    block = make_core("block")
    first = _file(block, users, invoice, number="42")
    actions.reject(block, users["mhead"], open_task(block, users, first, "head_approval")["id"], T0, "no")
    second = _file(block, users, invoice, number="42")  # the first is rejected: no duplicate
    with pytest.raises(DuplicateInvoice) as error:
        actions.restart(block, users["memployee"], first, T0)
    assert error.value.duplicates == [second]
    assert card(block, users, first)["stage"] == "rejected"


def test_a_routing_rule_can_send_duplicates_elsewhere(make_core, users, invoice):
    routed = make_core("warn", extra={"routing:\n": (
        "routing:\n  - name: duplicates_to_the_director\n    when: is_possible_duplicate\n"
        "    add_stages: [director_approval]\n")})
    first = _file(routed, users, invoice, number="42", amount="1000.00")
    second = _file(routed, users, invoice, number="42", amount="1000.00")
    assert card(routed, users, first)["run"]["route"] == ["head_approval", "finance_review", "payment"]
    assert card(routed, users, second)["run"]["route"] == ["head_approval", "director_approval", "finance_review",
                                                           "payment"]


# --- duplicates: the race -------------------------------------------------------------------------------

THREADS = 6


def test_simultaneous_filings_of_one_invoice_under_block_create_exactly_one(make_core, users, invoice):
    block = make_core("block")
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    filers = ["memployee", "pemployee", "mhead"]

    def file(number: int) -> None:
        barrier.wait()
        try:
            _file(block, users, invoice, number=("СЧ-77", "77", "INV 077")[number % 3],
                  who=filers[number % len(filers)])
            results.append("created")
        except DuplicateInvoice:
            results.append("duplicate")
        except Exception as error:  # anything else is a bug the assertion shows
            results.append(repr(error))

    threads = [threading.Thread(target=file, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["created"] + ["duplicate"] * (THREADS - 1)
    with block.db.read() as session:
        assert session.scalar(select(func.count(Card.id)).where(Card.invoice_key == "77")) == 1


def test_simultaneous_filings_without_a_number_under_block_create_exactly_one(make_core, users, invoice):
    block = make_core("block")
    barrier = threading.Barrier(THREADS)
    results: list[str] = []

    def file() -> None:
        barrier.wait()
        try:
            _file(block, users, invoice, amount="777.00", now=T0 + dt.timedelta(minutes=1))
            results.append("created")
        except DuplicateInvoice:
            results.append("duplicate")
        except Exception as error:
            results.append(repr(error))

    threads = [threading.Thread(target=file) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["created"] + ["duplicate"] * (THREADS - 1)


# --- rules simulate and rule-file errors ----------------------------------------------------------------


def _simulate(settings, rules, *argv: str):
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY",)}
    env.update(DATABASE_URL=settings.database_url, SOGLASIE_RULES_DIR=str(rules),
               SOGLASIE_DATA_DIR=str(settings.data_dir))
    return subprocess.run([sys.executable, "-m", "soglasie", "rules", "simulate", "--process", "payment",
                           "--created-at", "2026-12-01T10:00", "--amount", "150000.00", *argv],
                          env=env, capture_output=True, text=True, timeout=120)


def test_rules_simulate_shows_the_duplicate_outcome(settings, make_core, users, invoice, tmp_path):
    import json

    warn = make_core("warn")
    first = _file(warn, users, invoice, number="INV-42", day="2026-11-30")
    plain = _simulate(settings, rules_with(tmp_path / "w", "warn"), "--json")
    assert plain.returncode == 0, plain.stderr
    assert {row["kind"] for row in json.loads(plain.stdout)} == {"check", "reminder", "escalation"}  # as before
    found = _simulate(settings, rules_with(tmp_path / "w2", "warn"), "--json", "--counterparty-inn", "7701526010",
                      "--invoice-number", "№42", "--invoice-date", "2026-11-29")
    rows = json.loads(found.stdout)
    assert rows[0] == {"at": "2026-12-01T10:00:00+03:00", "kind": "duplicate", "stage": None, "to": None,
                       "level": "warn", "duplicates": [first]}
    assert rows[1:] == json.loads(plain.stdout)
    text = _simulate(settings, rules_with(tmp_path / "w3", "warn"), "--counterparty-inn", OTHER_INN,
                     "--invoice-number", "42")
    assert text.stdout.splitlines()[0] == "2026-12-01T10:00:00+03:00  duplicate   warn: none"
    blocked = _simulate(settings, rules_with(tmp_path / "b", "block"), "--counterparty-inn", "7701526010",
                        "--invoice-number", "42")
    assert blocked.returncode == 2
    assert f"the rules block this card: duplicate invoice (possible duplicate of №{first})" in blocked.stderr
    routed = rules_with(tmp_path / "r", "warn", extra={"routing:\n": (
        "routing:\n  - name: duplicates_to_the_director\n    when: is_possible_duplicate\n"
        "    add_stages: [director_approval]\n")})
    director = _simulate(settings, routed, "--counterparty-inn", "7701526010", "--invoice-number", "42")
    assert "director_approval" not in director.stdout  # nobody acts: the first stage is still the head's
    assert "warn: possible duplicate of №" in director.stdout


@pytest.mark.parametrize(("old", "new", "message"), [
    ("duplicates:\n  level: off", "duplicates:\n  level: stop", "unknown duplicates.level 'stop'"),
    ("window_days: 5", "window_days: -1", "duplicates.window_days must be a whole number of days from 0 to 366"),
    ("acknowledge_at: [finance_review]", "acknowledge_at: [finance]", "unknown stage 'finance'"),
    ("vat: {rates: [22, 10, 0, exempt]}", "vat: {rates: [22, 22]}", "VAT rate '22' is listed twice"),
    ("vat: {rates: [22, 10, 0, exempt]}", "vat: {rates: [20.5]}", "VAT rate '20.5' must be a whole percent"),
    ("invoice_number: optional", "invoice_number: maybe", "unknown card.invoice_number 'maybe'"),
])
def test_a_broken_payment_controls_section_is_named_at_its_line(tmp_path, old, new, message):
    from soglasie.rulebook.errors import RuleBookError
    from soglasie.rulebook.loader import load_rulebook

    rules = rules_with(tmp_path, "off", extra={old: new})
    with pytest.raises(RuleBookError) as error:
        load_rulebook(rules)
    text = (rules / "payment.yaml").read_text()
    line = text[:text.index(new)].count("\n") + 1 + new[:new.index(new.split("\n")[-1])].count("\n")
    assert [(problem.line, message in problem.message) for problem in error.value.errors] == [(line, True)], \
        error.value.errors
