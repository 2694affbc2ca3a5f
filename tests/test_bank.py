"""The bank loop: company requisites, payment orders out (read back by an independent reader), statements in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from soglasie.errors import PermissionDenied, ValidationError
from soglasie.models import Attachment, Card, Counterparty
from soglasie.services import actions, company
from soglasie.services.bank_statements import import_statement
from soglasie.services.payment_orders import export_orders
from tests import exchange_reader
from tests.conftest import T0
from tests.helpers import approve_stage, card, file_request, open_task

GOLDEN = Path(__file__).parent / "fixtures" / "bank" / "orders.golden.txt"
EXPORTED_AT = T0 + dt.timedelta(hours=1)
INVOICE = {"invoice_number": "СЧ-0042", "invoice_date": "2026-11-30", "vat_rate": "22"}


def at_payment(core, users, invoice, **fields) -> int:
    """A request filed and approved up to the payment stage."""
    card_id = file_request(core, users, invoice, **{**INVOICE, **fields})
    for stage in ("head_approval", "finance_review"):
        approve_stage(core, users, card_id, stage)
    assert card(core, users, card_id)["stage"] == "payment"
    return card_id


def export(core, users, ids=None, who="chief", now=EXPORTED_AT):
    return export_orders(core, users[who], ids, now)


# --- company requisites ---------------------------------------------------------------------

VALID_COMPANY = {"name": "ООО «Тест»", "inn": "7701230005", "kpp": "770101001",
                 "accounts": [{"account": "40702810938000012345", "bank_name": "ПАО Сбербанк", "bik": "044525225",
                               "corr_account": "30101810400000000225", "default": True}]}


def _with(path: str, value):
    data = {**VALID_COMPANY, "accounts": [dict(VALID_COMPANY["accounts"][0])]}
    if path.startswith("accounts[0]."):
        data["accounts"][0][path.split(".", 1)[1]] = value
    else:
        data[path] = value
    return data


@pytest.mark.parametrize("path, value", [
    ("inn", "7701230006"), ("inn", "12345"), ("kpp", "12"), ("name", ""), ("accounts", []),
    ("accounts[0].account", "40702810938000012346"), ("accounts[0].bik", "04452522"),
    ("accounts[0].corr_account", "30101810400000000226"), ("accounts[0].bank_name", ""),
    ("name", 5), ("inn", 7701230005), ("accounts[0].account", ["1"]), ("accounts", {"a": 1}),
])
def test_bad_requisites_are_refused_naming_the_field(path, value):
    with pytest.raises(ValidationError) as raised:
        company.clean_company(_with(path, value))
    assert raised.value.field == path


def test_the_demo_company_is_valid_and_only_the_admin_edits_it(core, users):
    demo = company.get_company(core)
    assert company.clean_company(demo).inn == demo["inn"]
    assert [row["default"] for row in demo["accounts"]] == [True, False]
    with pytest.raises(PermissionDenied):
        company.save_company(core, users["chief"], VALID_COMPANY)
    assert company.save_company(core, users["admin"], VALID_COMPANY)["name"] == "ООО «Тест»"
    assert company.get_company(core)["accounts"] == [{**VALID_COMPANY["accounts"][0]}]


# --- payment orders out ----------------------------------------------------------------------


def test_every_field_of_the_export_matches_the_cards(core, users, invoice):
    ids = [at_payment(core, users, invoice), at_payment(core, users, invoice, amount="1234.50",
                                                       counterparty_inn="7814131862", vat_rate="exempt")]
    exported = export(core, users, ids)
    found = exchange_reader.read(exported.data)
    payer = company.get_company(core)
    account = payer["accounts"][0]
    assert found.header == {"ВерсияФормата": "1.03", "Кодировка": "Windows", "Отправитель": "Soglasie",
                            "ДатаСоздания": "01.12.2026", "ВремяСоздания": "11:00:00", "ДатаНачала": "01.12.2026",
                            "ДатаКонца": "01.12.2026", "РасчСчет": account["account"],
                            "Документ": "Платежное поручение"}
    assert [kind for kind, _ in found.documents] == ["Платежное поручение"] * 2
    for (_kind, fields), card_id, number in zip(found.documents, ids, (1, 2)):
        view = card(core, users, card_id)
        with core.db.read() as session:
            row = session.scalar(select(Counterparty).where(Counterparty.inn == view["counterparty"]["inn"]))
            payee = {key: getattr(row, key) for key in ("name", "inn", "kpp", "account", "bank_name", "bik",
                                                        "corr_account")}
        assert view["payment_order"]["number"] == number == int(fields["Номер"])
        assert fields["Дата"] == "01.12.2026" and view["payment_order"]["date"] == "2026-12-01"
        assert fields["Сумма"] == f"{Decimal(view['amount']):.2f}"
        for prefix, party in (("Плательщик", {**payer, **account}),
                              ("Получатель", payee)):
            assert fields[prefix + "Счет"] == fields[prefix + "РасчСчет"] == party["account"]
            assert fields[prefix + "ИНН"] == party["inn"] and fields[prefix + "КПП"] == party["kpp"]
            assert fields[prefix] == fields[prefix + "1"] == party["name"]
            assert fields[prefix + "Банк1"] == party["bank_name"] and fields[prefix + "БИК"] == party["bik"]
            assert fields[prefix + "Корсчет"] == party["corr_account"]
        assert fields["ВидОплаты"] == "01" and fields["Очередность"] == "5"
        purpose = view["payment_purpose"]["ru"].replace("₽", "руб.").replace("\u00a0", " ").replace("\u202f", " ")
        assert fields["НазначениеПлатежа"] == purpose + f"; заявка SGL-{card_id}"
    assert "без НДС" in found.documents[1][1]["НазначениеПлатежа"]


def test_the_export_matches_the_golden_file(core, users, invoice):
    card_id = at_payment(core, users, invoice)
    data = export(core, users, [card_id]).data.replace(f"SGL-{card_id}".encode(), b"SGL-<id>")
    assert data == GOLDEN.read_bytes()


def test_an_order_keeps_its_number_and_a_second_export_is_a_repeat(core, users, invoice):
    first, second = at_payment(core, users, invoice), at_payment(core, users, invoice)
    once = export(core, users, [first])
    assert (once.numbers, once.repeat) == ({first: 1}, False)
    everything_new = export(core, users)  # {} = every request not yet exported
    assert everything_new.numbers == {second: 2} and not everything_new.repeat
    again = export(core, users, [first, second], who="admin")
    assert again.numbers == {first: 1, second: 2} and again.repeat and again.filename.endswith("-repeat.txt")
    events = [row for row in card(core, users, first)["timeline"] if row["event"] == "payment_order_exported"]
    assert [(row["comment"], row["data"]["repeat"]) for row in events] == [("№ 1", False), ("№ 1", True)]
    with pytest.raises(ValidationError) as raised:
        export(core, users)
    assert raised.value.field == "ids"


@pytest.mark.parametrize("ids", [[], ["1"], [0], "1", [True]])
def test_bad_ids_are_refused_naming_ids(core, users, ids):
    with pytest.raises(ValidationError) as raised:
        export(core, users, ids)
    assert raised.value.field == "ids"


def test_requests_not_at_the_payment_stage_are_refused_and_nothing_is_numbered(core, users, invoice):
    ready, early = at_payment(core, users, invoice), file_request(core, users, invoice)
    with pytest.raises(ValidationError) as raised:
        export(core, users, [ready, early])
    assert raised.value.field == "ids" and str(early) in raised.value.text.en
    assert card(core, users, ready)["payment_order"] is None


@pytest.mark.parametrize("who", ["accountant", "finance", "memployee"])
def test_only_the_chief_accountant_and_the_admin_export(core, users, invoice, who):
    card_id = at_payment(core, users, invoice)
    with pytest.raises(PermissionDenied):
        export(core, users, [card_id], who=who)
    assert card(core, users, card_id)["payment_order"] is None


def test_characters_outside_windows_1251_are_transliterated_or_refused_naming_the_field(core, users, invoice):
    card_id = at_payment(core, users, invoice)
    with core.db.write() as session:
        session.scalar(select(Counterparty).where(Counterparty.inn == "7701526010")).name = "Café «Пак» ₽"
    fields = exchange_reader.read(export(core, users, [card_id]).data).documents[0][1]
    assert fields["Получатель"] == "Cafe «Пак» руб."
    with core.db.write() as session:
        session.scalar(select(Counterparty).where(Counterparty.inn == "7701526010")).name = "Пак 包装"
    with pytest.raises(ValidationError) as raised:
        export(core, users, [card_id])
    assert raised.value.field == "Получатель" and raised.value.code == "unencodable"


# --- statements in ---------------------------------------------------------------------------


def statement_from(export_bytes: bytes, written_off: str = "02.12.2026", drop_mark: bool = False) -> bytes:
    """A statement as the bank returns it: the exported documents with their written-off date, in a statement."""
    lines = export_bytes.decode("cp1251").split("\r\n")
    body = []
    for line in lines[lines.index("Документ=Платежное поручение") + 1:]:
        if line == "КонецДокумента":
            body.append(f"ДатаСписано={written_off}")
        if drop_mark and line.startswith("НазначениеПлатежа="):
            line = line.split("; заявка", 1)[0]
        body.append(line)
    head = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=Bank",
            "ДатаНачала=02.12.2026", "ДатаКонца=02.12.2026", "РасчСчет=40702810938000012345", "СекцияРасчСчет",
            "ДатаНачала=02.12.2026", "ДатаКонца=02.12.2026", "РасчСчет=40702810938000012345",
            "НачальныйОстаток=1000000.00", "ВсегоПоступило=0.00", "ВсегоСписано=0.00",
            "КонечныйОстаток=1000000.00", "КонецРасчСчет"]
    return "\r\n".join(head + body).encode("cp1251")


def pay(core, users, card_id) -> None:
    """The chief accountant completes his task (the money has left)."""
    actions.complete(core, users["chief"], open_task(core, users, card_id, "payment", "make_payment")["id"], T0)


def statement_attachments(core) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count(Attachment.id)).where(Attachment.purpose == "bank_statement"))


def test_a_statement_built_from_an_export_closes_the_right_requests(core, users, invoice):
    paid, unpaid, other = (at_payment(core, users, invoice), at_payment(core, users, invoice, amount="777.00"),
                           at_payment(core, users, invoice))
    pay(core, users, paid)
    data = statement_from(export(core, users, [paid, unpaid]).data)
    report = import_statement(core, users["accountant"], data, "statement.txt", T0)
    assert report == {"matched": [{"request_id": paid, "document_number": "1", "amount": "150000.00"},
                                  {"request_id": unpaid, "document_number": "2", "amount": "777.00"}],
                      "unmatched": [], "ambiguous": [], "already_confirmed": []}
    assert card(core, users, paid)["stage"] == "paid"
    assert card(core, users, unpaid)["stage"] == "payment"  # the chief's task is still open
    assert card(core, users, other)["stage"] == "payment"
    view = card(core, users, paid)
    confirmation = [task for task in view["tasks"] if task["kind"] == "payment_order"][0]
    assert confirmation["status"] == "done"
    assert "02.12.2026" in [row for row in view["timeline"] if row["event"] == "completed"][-1]["comment"]
    attached = [row for row in view["attachments"] if row["purpose"] == "bank_statement"]
    assert len(attached) == 1 and attached[0]["uploaded_by"] == "accountant"
    again = import_statement(core, users["accountant"], data, "statement.txt", T0)
    assert [row["request_id"] for row in again["already_confirmed"]] == [paid, unpaid] and not again["matched"]
    assert statement_attachments(core) == 2


def test_without_the_mark_the_payee_and_amount_match_exactly_one_request(core, users, invoice):
    card_id = at_payment(core, users, invoice, amount="5000.00")
    data = statement_from(export(core, users, [card_id]).data, drop_mark=True)
    assert [row["request_id"] for row in
            import_statement(core, users["accountant"], data, "s.txt", T0)["matched"]] == [card_id]


def test_ambiguous_and_unmatched_documents_change_nothing(core, users, invoice):
    twins = [at_payment(core, users, invoice, amount="5000.00") for _ in range(2)]
    data = statement_from(export(core, users, twins[:1]).data, drop_mark=True)
    stranger = data.replace(b"\xcf\xee\xeb\xf3\xf7\xe0\xf2\xe5\xeb\xfc\xc8\xcd\xcd=7701526010",  # ПолучательИНН
                            b"\xcf\xee\xeb\xf3\xf7\xe0\xf2\xe5\xeb\xfc\xc8\xcd\xcd=7814131862")
    report = import_statement(core, users["accountant"], data, "s.txt", T0)
    assert report["ambiguous"] == [{"document_number": "1", "amount": "5000.00", "line": 17,
                                    "request_ids": twins}] and not report["matched"]
    assert [row["document_number"] for row in
            import_statement(core, users["accountant"], stranger, "s.txt", T0)["unmatched"]] == ["1"]
    assert statement_attachments(core) == 0
    assert all(card(core, users, card_id)["stage"] == "payment" for card_id in twins)


@pytest.mark.parametrize("data, line", [
    (b"hello\r\n", 1),
    ("1CClientBankExchange\r\nСекцияДокумент=Платежное поручение\r\nНомер=1\r\n".encode("cp1251"), 2),
    ("1CClientBankExchange\r\nСекцияДокумент=Платежное поручение\r\nНомер=1\r\nСумма=abc\r\n"
     "КонецДокумента\r\nКонецФайла\r\n".encode("cp1251"), 2),
    ("1CClientBankExchange\r\nВерсияФормата=1.03\r\nмусор\r\nКонецФайла\r\n".encode("cp1251"), 3),
    ("1CClientBankExchange\r\nВерсияФормата=1.03\r\n".encode("cp1251"), 2),
])
def test_a_malformed_statement_names_its_line_and_writes_nothing(core, users, invoice, data, line):
    card_id = at_payment(core, users, invoice)
    with pytest.raises(ValidationError) as raised:
        import_statement(core, users["accountant"], data, "s.txt", T0)
    assert raised.value.field == "file" and raised.value.text.en.startswith(f"line {line}: ")
    assert card(core, users, card_id)["stage"] == "payment" and statement_attachments(core) == 0


def test_only_accountants_upload_statements(core, users, invoice):
    card_id = at_payment(core, users, invoice)
    data = statement_from(export(core, users, [card_id]).data)
    with pytest.raises(PermissionDenied):
        import_statement(core, users["memployee"], data, "s.txt", T0)
    with core.db.read() as session:
        assert session.get(Card, card_id).stage == "payment"
