"""Contracts in the portal: the new-contract form, the card with its version history, new versions,
the signer's task card, the list and the board, links between kinds, and bad input through the form."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from soglasie.models import Attachment, Card, ContractVersion
from soglasie.services import actions, profile
from tests.helpers import add_contract_version
from soglasie.services.common import Upload
from tests.conftest import T0
from tests.helpers import card, file_contract, file_request, open_task, sign_contract
from tests.support.files import pdf_bytes

GOOD = {"counterparty_inn": "7701526010", "subject": "Поставка банок, 2027", "amount": "500 000",
        "valid_from": "2026-11-01", "valid_to": "2027-12-31", "comment": "Рамочный договор"}


@pytest.fixture
def database_url(sqlite_database):
    """Forms, pages and links are the web layer's own; the core's SQL is tested on both backends."""
    return sqlite_database


def _new_contract(auth, **changes):
    data = {**GOOD, "document": (io.BytesIO(pdf_bytes("contract v1")), "contract-v1.pdf"), **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return auth.post("/contracts/new", data, content_type="multipart/form-data")


def _count(core, model) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def _upload_version(auth, card_id: int, text: str = "contract v2", comment: str = "", name: str | None = None):
    document = (io.BytesIO(pdf_bytes(text)), name or f"{text}.pdf")
    return auth.post(f"/contracts/{card_id}/versions", {"document": document, "comment": comment},
                     content_type="multipart/form-data")


def test_a_contract_is_filed_from_the_form(auth, core, users):
    auth.login("memployee")
    page = auth.client.get("/contracts/new").get_data(as_text=True)
    assert "Новый договор" in page and 'name="valid_from"' in page and 'type="date"' in page
    response = _new_contract(auth)
    assert response.status_code == 303
    card_id = int(re.search(r"/contracts/(\d+)$", response.headers["Location"]).group(1))
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Договор №" in page and "подан и отправлен на согласование" in page
    assert "Поставка банок, 2027" in page and "500\xa0000,00\xa0₽" in page and "1 нояб. 2026" in page
    view = card(core, users, card_id)
    assert view["kind"] == "contract" and view["stage"] == "head_approval" and view["comment"] == "Рамочный договор"
    sha = view["versions"][0]["sha256"]
    assert f'data-copy="{sha}"' in page and sha[:12] + "…" in page and "Версия 1" in page


BAD_FORM = [  # (changes, field, message)
    ({"counterparty_inn": "7701526011"}, "counterparty_inn", "Неверный ИНН"),
    ({"counterparty_inn": "7707083893"}, "counterparty_inn", "Контрагент с таким ИНН не найден"),
    ({"subject": ""}, "subject", "Заполните поле."),
    ({"amount": "-5"}, "amount", "Сумма должна быть больше нуля."),
    ({"valid_from": "2027-01-01", "valid_to": "2026-01-01"}, "valid_to", "Дата окончания раньше даты начала."),
    ({"valid_from": "01.11.2026"}, "valid_from", "Неверная дата (нужно ГГГГ-ММ-ДД)."),
    ({"valid_to": ""}, "valid_to", "Укажите дату."),
    ({"document": None}, "document", "Приложите договор."),
    ({"document": (io.BytesIO(b"MZ\x90\x00 not a document"), "contract.pdf")}, "document", "Недопустимый тип файла"),
    ({"document": (io.BytesIO(b""), "empty.pdf")}, "document", "Файл пустой или не выбран."),
]


def test_bad_input_in_the_form_is_shown_next_to_its_field_and_nothing_is_written(auth, core):
    auth.login("memployee")
    for changes, field, message in BAD_FORM:
        response = _new_contract(auth, **changes)
        assert response.status_code == 422, changes
        page = response.get_data(as_text=True)
        error = re.search(rf'data-error-for="{field}"\s*>([^<]*)<', page)
        assert error and message in error.group(1), (changes, error and error.group(1))
    assert (_count(core, Card), _count(core, Attachment), _count(core, ContractVersion)) == (0, 0, 0)


def test_an_oversized_document_is_refused(app, auth, core):
    auth.login("memployee")
    core.store.max_bytes = 2048  # above the core's limit, below the request's
    response = _new_contract(auth, document=(io.BytesIO(pdf_bytes() + b"%" * 4096), "big.pdf"))
    assert response.status_code == 422
    assert "Файл больше допустимых" in response.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 4096  # above the request's limit: the 413 page
    response = _new_contract(auth, document=(io.BytesIO(pdf_bytes() + b"%" * 8192), "huge.pdf"))
    assert response.status_code == 413
    assert _count(core, Card) == 0


def test_a_new_version_after_an_approval_restarts_the_approvals_and_the_card_says_so(auth, core, users):
    card_id = file_contract(core, users)
    task = open_task(core, users, card_id, "head_approval")
    actions.approve(core, users["mhead"], task["id"], T0)
    auth.login("finance")
    page = auth.client.get(f"/contracts/{card_id}").get_data(as_text=True)
    assert 'data-testid="restart-warning"' in page  # this round already has an approval
    response = _upload_version(auth, card_id, comment="Правки юристов: п. 4.2")
    assert response.status_code == 303 and response.headers["Location"] == f"/contracts/{card_id}"
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Версия 2 загружена." in page and "согласования начинаются заново" in page
    assert card(core, users, card_id)["stage"] == "head_approval"
    timeline = page[page.index('data-testid="timeline"'):]
    assert "Согласования начинаются заново" in timeline and "Круг 2" in timeline
    assert "загрузил(а) новую версию документа" in timeline and "Правки юристов: п. 4.2" in timeline
    assert re.search(r"согласовал.*?версия 1", timeline, re.S)  # the approval names the version it approved
    versions = page[page.index('data-testid="versions"'):page.index("</ol>", page.index('data-testid="versions"'))]
    assert versions.index("Версия 2") < versions.index("Версия 1")  # newest first
    view = card(core, users, card_id)
    for version, text in zip(view["versions"], ("contract v1", "contract v2")):
        download = auth.client.get(f"/contracts/{card_id}/files/{version['attachment_id']}")
        assert download.status_code == 200 and download.data == pdf_bytes(text)
        assert f'href="/contracts/{card_id}/files/{version["attachment_id"]}"' in page


def test_a_version_before_any_approval_keeps_the_round(auth, core, users):
    card_id = file_contract(core, users)
    auth.login("memployee")
    page = auth.client.get(f"/contracts/{card_id}").get_data(as_text=True)
    assert 'data-testid="version-form"' in page and 'data-testid="restart-warning"' not in page
    page = auth.client.get(_upload_version(auth, card_id).headers["Location"]).get_data(as_text=True)
    assert "Версия 2 загружена." in page and "согласования начинаются заново" not in page
    assert card(core, users, card_id)["run"]["number"] == 1


VERSION_BY_ROLE = [("memployee", 303), ("finance", 303), ("mhead", 403), ("ops", 403), ("accountant", 403),
                   ("pemployee", 404), ("signer", 404)]


@pytest.mark.parametrize(("login", "status"), VERSION_BY_ROLE)
def test_who_may_upload_a_version_from_the_card(auth, core, users, login, status):
    card_id = file_contract(core, users)
    auth.login(login)
    page = auth.client.get(f"/contracts/{card_id}")
    assert page.status_code == (404 if status == 404 else 200)
    assert ('data-testid="version-form"' in page.get_data(as_text=True)) == (status == 303)
    assert _upload_version(auth, card_id).status_code == status
    assert len(card(core, users, card_id)["versions"]) == (2 if status == 303 else 1)


BAD_VERSIONS = [
    ({"document": None}, "Приложите новую версию договора."),
    ({"document": (io.BytesIO(b"<html><script>alert(1)</script>"), "v2.pdf")}, "Недопустимый тип файла"),
    ({"document": (io.BytesIO(pdf_bytes()), "v2.pdf"), "comment": "x" * 5001}, "Не длиннее 5000 символов."),
]


def test_a_bad_version_is_refused_on_the_card_and_nothing_is_written(auth, core, users):
    card_id = file_contract(core, users)
    auth.login("memployee")
    for changes, message in BAD_VERSIONS:
        data = {key: value for key, value in {"comment": "", **changes}.items() if value is not None}
        response = auth.post(f"/contracts/{card_id}/versions", data, content_type="multipart/form-data")
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
    assert len(card(core, users, card_id)["versions"]) == 1 and _count(core, Attachment) == 1


def test_a_signed_contract_takes_no_new_version(auth, core, users):
    card_id = file_contract(core, users)
    sign_contract(core, users, card_id)
    auth.login("memployee")
    page = auth.client.get(f"/contracts/{card_id}").get_data(as_text=True)
    assert "Подписан" in page and 'data-testid="version-form"' not in page and 'data-testid="pay-against"' in page
    response = _upload_version(auth, card_id)
    assert response.status_code == 303
    assert "новая версия — это новый договор" in auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(card(core, users, card_id)["versions"]) == 1


def test_the_signer_signs_from_the_task_card(auth, core, users):
    card_id = file_contract(core, users)
    for stage in ("head_approval", "finance_review"):
        task = open_task(core, users, card_id, stage)
        actions.approve(core, users[task["assignee"]], task["id"], T0)
    task_id = open_task(core, users, card_id, "signing")["id"]
    auth.login("signer")
    assert f'href="/tasks/{task_id}"' in auth.client.get("/").get_data(as_text=True)
    page = auth.client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Скан подписанного договора" in page and 'data-testid="latest-version"' in page
    assert "Поставка банок, 2027" in page and "Реквизиты для оплаты" not in page
    refused = auth.post(f"/tasks/{task_id}/complete", follow_redirects=True).get_data(as_text=True)
    assert "Сначала приложите файл" in refused and card(core, users, card_id)["stage"] == "signing"
    upload = auth.post(f"/tasks/{task_id}/upload", {"file": (io.BytesIO(pdf_bytes("scan")), "signed.pdf")},
                       content_type="multipart/form-data")
    assert upload.status_code == 303
    done = auth.post(f"/tasks/{task_id}/complete")
    assert done.status_code == 303 and done.headers["Location"] == f"/contracts/{card_id}"
    view = card(core, users, card_id)
    assert view["stage"] == "signed"
    assert [event["data"].get("version") for event in view["timeline"] if event["event"] == "completed"] == [1]
    page = auth.client.get(f"/contracts/{card_id}").get_data(as_text=True)
    assert "signed.pdf" in page and "Скан подписанного договора" in page


def test_links_lead_to_each_cards_own_page_and_actions_stay_with_their_kind(auth, core, users, invoice):
    contract_id, payment_id = file_contract(core, users), file_request(core, users, invoice)
    auth.login("memployee")
    assert auth.client.get(f"/requests/{contract_id}").headers["Location"] == f"/contracts/{contract_id}"
    assert auth.client.get(f"/contracts/{payment_id}").headers["Location"] == f"/requests/{payment_id}"
    version = card(core, users, contract_id)["versions"][0]["attachment_id"]
    assert auth.client.get(f"/requests/{contract_id}/files/{version}").headers["Location"] == (
        f"/contracts/{contract_id}/files/{version}")
    auth.login("ops")
    assert auth.post(f"/requests/{contract_id}/freeze").status_code == 404
    assert auth.post(f"/contracts/{payment_id}/freeze").status_code == 404
    assert auth.post(f"/contracts/{payment_id}/versions").status_code == 404
    assert card(core, users, contract_id)["stage"] == card(core, users, payment_id)["stage"] == "head_approval"
    assert auth.post(f"/contracts/{contract_id}/freeze", {"comment": "ждём юристов"}).status_code == 303
    assert card(core, users, contract_id)["stage"] == "frozen"
    auth.login("pemployee")  # may see neither: no redirect tells him what the id is
    assert auth.client.get(f"/requests/{contract_id}").status_code == 404
    assert auth.client.get(f"/contracts/{contract_id}").status_code == 404


def test_the_contract_list_and_board(auth, core, users, invoice):
    first, second = file_contract(core, users), file_contract(core, users, subject="Аренда склада")
    sign_contract(core, users, first)
    file_request(core, users, invoice)
    auth.login("memployee")
    listed = auth.client.get("/list?kind=contract").get_data(as_text=True)
    assert f'href="/contracts/{first}"' in listed and f'href="/contracts/{second}"' in listed
    assert "Аренда склада" in listed and re.search(r'data-testid="total">2<', listed)
    assert "Экспорт CSV" not in listed and 'name="cost_item"' not in listed
    found = auth.client.get("/list?kind=contract&search=склад").get_data(as_text=True)
    assert f'href="/contracts/{second}"' in found and f'href="/contracts/{first}"' not in found
    signed = auth.client.get("/list?kind=contract&stage=signed").get_data(as_text=True)
    assert f'href="/contracts/{first}"' in signed and f'href="/contracts/{second}"' not in signed
    payments = auth.client.get("/list").get_data(as_text=True)
    assert "/contracts/" not in payments.split('data-testid="list"')[1]
    board = auth.client.get("/board?kind=contract").get_data(as_text=True)
    assert re.search(r'data-testid="count-head_approval">1<', board) and re.search(r'data-testid="count-signed">1<',
                                                                                     board)
    assert f'href="/contracts/{second}"' in board and "Подписание" in board
    assert auth.client.get("/contracts").headers["Location"] == "/list?kind=contract"
    work = auth.client.get("/").get_data(as_text=True)
    assert 'data-testid="my-contracts"' in work and f'href="/contracts/{second}"' in work


def test_the_payment_form_offers_the_counterpartys_contracts_with_their_remainder(auth, core, users):
    contract_id = file_contract(core, users)
    sign_contract(core, users, contract_id)
    other = file_contract(core, users, counterparty_inn="7814131862", subject="Перевозки")
    sign_contract(core, users, other)
    auth.login("memployee")
    page = auth.client.get("/requests/new").get_data(as_text=True)
    option = re.search(rf'<option [^>]*value="{contract_id}"[^>]*>([^<]*)<', page)
    assert option and 'data-inn="7701526010"' in option.group(0) and 'data-remaining="500000.00"' in option.group(0)
    assert "Поставка банок, 2027" in option.group(1) and "остаток 500\xa0000,00\xa0₽" in option.group(1)
    prefilled = auth.client.get(f"/requests/new?contract={contract_id}").get_data(as_text=True)
    assert re.search(rf'<option [^>]*selected[^>]*value="{contract_id}"', prefilled)
    assert 'value="7701526010"' in prefilled
    data = {"counterparty_inn": "7701526010", "amount": "0", "cost_item": "PACK", "contract_id": str(contract_id),
            "invoice": (io.BytesIO(pdf_bytes()), "invoice.pdf")}
    again = auth.post("/requests/new", data, content_type="multipart/form-data").get_data(as_text=True)
    assert f'value="{contract_id}"' in again and f'value="{other}"' not in again  # only that counterparty's
    data.update(amount="600000", invoice=(io.BytesIO(pdf_bytes()), "invoice.pdf"))
    response = auth.post("/requests/new", data, content_type="multipart/form-data")
    assert response.status_code == 303
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Сумма больше остатка по договору" in page  # the rule warns (level: warn)
    assert f'href="/contracts/{contract_id}"' in page and "остаток -100\xa0000,00\xa0₽" in page
    contract_page = auth.client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert re.search(r'data-testid="remaining"><strong>-100\xa0000,00\xa0₽', contract_page)


def test_contract_texts_are_escaped(auth, core, users):
    payload = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
    card_id = file_contract(core, users, subject=payload, comment=payload, text="contract")
    add_contract_version(core, users["memployee"], card_id, Upload(pdf_bytes(), payload + ".pdf"), T0, payload)
    for login in ("memployee", "mhead"):
        auth.login(login)
        for path in (f"/contracts/{card_id}", "/", "/list?kind=contract", "/board?kind=contract",
                     f"/tasks/{open_task(core, users, card_id, 'head_approval')['id']}", "/inbox"):
            body = auth.client.get(path).get_data(as_text=True)
            assert "<script>alert" not in body and "<img src=x" not in body, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in auth.client.get(f"/contracts/{card_id}").get_data(as_text=True)
    auth.login("memployee")
    response = _new_contract(auth, subject=payload, amount=payload, valid_from=payload, counterparty_inn=payload)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body


def test_the_contract_card_in_english(auth, core, users):
    card_id = file_contract(core, users)
    profile.set_locale(core, users["mhead"], "en")
    auth.login("mhead")
    page = auth.client.get(f"/contracts/{card_id}").get_data(as_text=True)
    assert "Contract #" in page and "Versions of the document" in page and "Head approval" in page
    assert "Your own contract" not in page and "Approve the contract" in page
    assert "Версии документа" not in page and "Договор №" not in page
