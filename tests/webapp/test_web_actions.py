"""Acting from the portal: buttons and dialogs per role, the new-request form, uploads, CSRF everywhere."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from soglasie.models import Card, Counterparty
from tests.conftest import T0
from tests.helpers import card, open_task
from tests.support.files import pdf_bytes
from tests.webapp.conftest import drive_to

GOOD = {"counterparty_inn": "7701526010", "amount": "150 000,50", "cost_item": "PACK", "comment": "Коробки"}

@pytest.fixture
def database_url(sqlite_database):
    """Form handling and feedback are the web layer's own; the core's SQL is tested on both backends."""
    return sqlite_database



def _new_request(auth, **changes):
    data = {**GOOD, "invoice": (io.BytesIO(pdf_bytes()), "invoice.pdf"), **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return auth.post("/requests/new", data, content_type="multipart/form-data")


def _count(core, model) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


HEAD_STAGE = [  # (login, action, expected status, stage afterwards)
    ("mhead", "start", 303, "head_approval"), ("mhead", "approve", 303, "finance_review"),
    ("ops", "approve", 303, "finance_review"), ("finance", "approve", 403, "head_approval"),
    ("memployee", "approve", 403, "head_approval"), ("pemployee", "approve", 404, "head_approval"),
    ("ops", "reject", 403, "head_approval"), ("admin", "start", 403, "head_approval"),
]


@pytest.mark.parametrize(("login", "action", "status", "stage"), HEAD_STAGE)
def test_task_buttons_by_role(auth, core, users, filed, login, action, status, stage):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    auth.login(login)
    response = auth.post(f"/tasks/{task_id}/{action}", {"next": f"/requests/{filed}"})
    assert response.status_code == status
    assert card(core, users, filed)["stage"] == stage


def test_reject_with_a_reason_shows_it_on_the_card(auth, core, users, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    auth.login("mhead")
    response = auth.post(f"/tasks/{task_id}/reject", {"reason": "Нет договора", "next": f"/requests/{filed}"},
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Отклонено; инициатор получит причину." in page and "Нет договора" in page
    auth.login("memployee")
    page = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert "Перезапустить согласование" in page


def test_reject_without_a_reason_changes_nothing_and_says_why(auth, core, users, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    auth.login("mhead")
    page = auth.post(f"/tasks/{task_id}/reject", {"reason": "  "}, follow_redirects=True).get_data(as_text=True)
    assert "Укажите причину отклонения." in page
    assert card(core, users, filed)["stage"] == "head_approval"


def test_a_lost_race_is_a_clear_message(auth, core, users, filed):
    from soglasie.services import actions

    task_id = open_task(core, users, filed, "head_approval")["id"]
    auth.login("ops")
    actions.approve(core, users["mhead"], task_id, auth.client.application.config["SOGLASIE_CLOCK"]())
    page = auth.post(f"/tasks/{task_id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "Задача уже выполнена — обновите страницу." in page


def test_the_head_approves_his_own_request_inline(auth, core, users, invoice):
    from tests.helpers import file_request

    card_id = file_request(core, users, invoice, who="mhead")
    auth.login("mhead")
    page = auth.client.get(f"/requests/{card_id}").get_data(as_text=True)
    assert "Ваша собственная заявка: вы согласуете её как руководитель" in page
    assert f'action="/tasks/{open_task(core, users, card_id, "head_approval")["id"]}/approve"' in page


def test_ops_sees_approve_on_behalf_with_a_confirmation(auth, filed):
    auth.login("ops")
    page = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert "Согласовать за Мария Маркетова" in page and "data-confirm=" in page


@pytest.mark.parametrize(("login", "action", "status", "stage"), [
    ("ops", "freeze", 303, "frozen"), ("finance", "freeze", 303, "frozen"), ("memployee", "freeze", 403, None),
    ("pemployee", "freeze", 404, None), ("memployee", "restart", 303, None),
])
def test_card_buttons_by_role(auth, core, users, filed, login, action, status, stage):
    auth.login(login)
    response = auth.post(f"/requests/{filed}/{action}", {"comment": "пауза"})
    assert response.status_code == status
    assert card(core, users, filed)["stage"] == (stage or "head_approval")


def test_documents_are_requested_and_answered_with_files(auth, core, users, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    auth.login("mhead")
    auth.post(f"/tasks/{task_id}/request-documents", {"comment": "Нужен договор"})
    answer = open_task(core, users, filed, "documents_requested")
    auth.login("memployee")
    assert "Ответить документами" in auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    response = auth.post(f"/tasks/{answer['id']}/answer",
                         {"comment": "вот", "files": [(io.BytesIO(pdf_bytes("a")), "dogovor.pdf"),
                                                      (io.BytesIO(pdf_bytes("b")), "akt.pdf")]},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    view = card(core, users, filed)
    assert view["stage"] == "head_approval"
    assert {"dogovor.pdf", "akt.pdf"} <= {item["name"] for item in view["attachments"]}


def test_the_accountant_uploads_the_payment_order_and_both_complete(auth, core, users, filed):
    drive_to(core, users, filed, "payment")
    order = open_task(core, users, filed, "payment", "payment_order")
    auth.login("accountant")
    page = auth.client.get(f"/tasks/{order['id']}").get_data(as_text=True)
    assert "Приложите выписку или платёжное поручение" in page and "40702810281590830166" in page
    early = auth.post(f"/tasks/{order['id']}/complete", follow_redirects=True).get_data(as_text=True)
    assert "Сначала приложите файл" in early
    uploaded = auth.post(f"/tasks/{order['id']}/upload", {"file": (io.BytesIO(pdf_bytes()), "pp-17.pdf")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "pp-17.pdf" in uploaded.get_data(as_text=True)
    assert auth.post(f"/tasks/{order['id']}/complete").status_code == 303
    auth.login("chief")
    pay = open_task(core, users, filed, "payment", "make_payment")
    auth.post(f"/tasks/{pay['id']}/complete")
    assert card(core, users, filed)["stage"] == "paid"


BAD_FILES = [("evil.exe", b"MZ\x90\x00\x03"), ("page.html", b"<html><script>alert(1)</script></html>"),
             ("empty.pdf", b"")]


def test_uploads_of_bad_files_are_refused(auth, core, users, filed):
    drive_to(core, users, filed, "payment")
    order = open_task(core, users, filed, "payment", "payment_order")
    auth.login("accountant")
    for name, data in BAD_FILES:
        page = auth.post(f"/tasks/{order['id']}/upload", {"file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
        assert "Недопустимый тип файла" in page or "Файл пустой" in page, name
    assert len(card(core, users, filed)["attachments"]) == 1


def test_an_upload_over_the_limit_is_a_413_page(app, auth, core, users, filed):
    drive_to(core, users, filed, "payment")
    order = open_task(core, users, filed, "payment", "payment_order")
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    auth.login("accountant")
    response = auth.post(f"/tasks/{order['id']}/upload", {"file": (io.BytesIO(b"%PDF-" + b"0" * 20_000), "big.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Файл слишком большой" in response.get_data(as_text=True)


def test_filing_a_request_from_the_form(auth, core):
    auth.login("memployee")
    response = _new_request(auth, deadline="2026-12-20")
    assert response.status_code == 303
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "подана и отправлена на согласование" in page and "150\xa0000,50\xa0₽" in page and "Коробки" in page


FORM_ERRORS = [
    ({"amount": "-5"}, "Сумма должна быть больше нуля."),
    ({"amount": "abc"}, "Сумма должна быть числом."),
    ({"counterparty_inn": "7701526011"}, "Неверный ИНН"),
    ({"counterparty_inn": "7707083893"}, "Контрагент с таким ИНН не найден"),
    ({"cost_item": ""}, "Выберите статью затрат."),
    ({"invoice": None}, "Приложите счёт на оплату."),
    ({"deadline": "2020-01-01"}, "Крайний срок уже прошёл."),
]


def test_the_form_shows_the_cores_error_next_to_the_field(auth, core):
    auth.login("memployee")
    for changes, message in FORM_ERRORS:
        response = _new_request(auth, **changes)
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
    assert _count(core, Card) == 0


def test_a_new_counterparty_is_added_with_the_request(auth, core):
    auth.login("memployee")
    response = _new_request(auth, counterparty_inn="", new_counterparty="y", new_name="ООО «Ромашка»",
                            new_inn="7707083893", new_kpp="773601001", new_bik="044525225",
                            new_account="40702810281590830166")
    assert response.status_code == 303
    with core.db.read() as session:
        row = session.scalars(select(Counterparty).where(Counterparty.inn == "7707083893")).one()
        assert (row.name, row.bik, row.account) == ("ООО «Ромашка»", "044525225", "40702810281590830166")


BAD_DETAILS = [({"new_inn": "7707083890"}, "Неверный ИНН"), ({"new_name": ""}, "Заполните поле."),
               ({"new_account": "40702810281590830167"}, "контрольный ключ"), ({"new_kpp": "77"}, "КПП — 9 символов")]


def test_a_new_counterparty_with_bad_details_is_refused(auth, core):
    auth.login("memployee")
    before = _count(core, Counterparty)
    for changes, message in BAD_DETAILS:
        fields = {"counterparty_inn": "", "new_counterparty": "y", "new_name": "ООО «Ромашка»",
                  "new_inn": "7707083893", "new_bik": "044525225", "new_account": "40702810281590830166", **changes}
        response = _new_request(auth, **fields)
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
    assert _count(core, Counterparty) == before


def test_a_bad_request_adds_no_new_counterparty(auth, core):
    auth.login("memployee")
    before = _count(core, Counterparty)
    response = _new_request(auth, counterparty_inn="", new_counterparty="y", new_name="ООО «Ромашка»",
                            new_inn="7707083893", amount="0")
    assert response.status_code == 422
    assert _count(core, Counterparty) == before


def test_a_new_counterparty_with_a_known_inn_is_refused_on_that_field(auth):
    auth.login("memployee")
    response = _new_request(auth, counterparty_inn="", new_counterparty="y", new_name="Дубль", new_inn="7701526010")
    assert response.status_code == 409
    assert "Контрагент с таким ИНН уже есть." in response.get_data(as_text=True)


AS_YOU_TYPE = [
    ("inn=7701526010", {}, "ООО «Косметик Пак»"),
    ("inn=7701526011", {"inn"}, None),
    ("inn=7707083893&bik=044525225&account=40702810281590830166", {}, None),
    ("inn=7707083893&bik=044525225&account=40702810281590830167", {"account"}, None),
    ("inn=7707083893&bik=0445&account=", {"bik"}, None),
    ("inn=7707083893&kpp=12", {"kpp"}, None),
]


def test_as_you_type_validation_uses_the_cores_rules(auth):
    auth.login("memployee")
    for query, errors, existing in AS_YOU_TYPE:
        result = auth.client.get(f"/requests/check-counterparty?{query}").json
        assert set(result["errors"]) == set(errors), query
        assert (result["existing"] or {}).get("name") == existing, query


FORMS = ["/login", "/logout", "/language", "/requests/new", "/requests/1/freeze", "/requests/1/restart",
         "/contracts/new", "/contracts/1/versions", "/contracts/1/freeze", "/contracts/1/unfreeze",
         "/contracts/1/restart",
         "/tasks/1/approve", "/tasks/1/reject", "/tasks/1/upload", "/tasks/1/answer", "/inbox/read",
         "/profile/language", "/profile/password", "/profile/tokens", "/profile/tokens/1/revoke",
         "/profile/telegram", "/admin/departments", "/admin/users/new", "/admin/counterparties",
         "/admin/cost-items", "/admin/users/2", "/admin/departments/1", "/admin/counterparties/1",
         "/admin/cost-items/1"]


def test_every_form_refuses_a_post_without_the_csrf_token(auth, core, users, filed):
    auth.login("admin")
    before = card(core, users, filed)
    for path in FORMS:
        response = auth.client.post(path, data={"reason": "x", "comment": "x", "name": "x", "code": "x1",
                                                "locale": "en", "login": "admin", "password": "demo"})
        assert response.status_code == 400, path
        assert "Форма устарела" in response.get_data(as_text=True), path
    assert card(core, users, filed)["timeline"] == before["timeline"]
    assert auth.client.get("/").status_code == 200  # still logged in: the logout form was refused too


def _signed_contract(core, users) -> int:
    from soglasie.services import actions
    from tests.helpers import create_contract
    from soglasie.services.common import Upload

    card_id = create_contract(
        core, users["memployee"], T0, counterparty_inn="7701526010", subject="Банки, 2027", amount="500000.00",
        valid_from="2026-11-01", valid_to="2027-12-31", document=Upload(pdf_bytes("contract"), "contract.pdf")).card_id
    for stage in ("head_approval", "finance_review"):
        task = open_task(core, users, card_id, stage)
        actions.approve(core, users[task["assignee"]], task["id"], T0)
    signing = open_task(core, users, card_id, "signing")
    actions.attach_file(core, users["signer"], signing["id"], Upload(pdf_bytes("scan"), "scan.pdf"), T0)
    actions.complete(core, users["signer"], signing["id"], T0)
    return card_id


def test_a_payment_against_a_signed_contract_from_the_form(auth, core, users):
    contract_id = _signed_contract(core, users)
    auth.login("memployee")
    assert f'value="{contract_id}">' in auth.client.get("/requests/new").get_data(as_text=True)
    response = _new_request(auth, amount="300000", contract_id=str(contract_id))
    assert response.status_code == 303
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"№{contract_id}" in page and "остаток 200\xa0000,00\xa0₽" in page


def test_a_contract_task_opens_from_my_work(auth, core, users):
    from tests.helpers import create_contract
    from soglasie.services.common import Upload

    card_id = create_contract(
        core, users["memployee"], T0, counterparty_inn="7701526010", subject="Банки, 2027", amount="500000.00",
        valid_from="2026-11-01", valid_to="2027-12-31", document=Upload(pdf_bytes("contract"), "contract.pdf")).card_id
    auth.login("mhead")
    assert f'href="/contracts/{card_id}"' in auth.client.get("/").get_data(as_text=True)
    page = auth.client.get(f"/contracts/{card_id}").get_data(as_text=True)
    assert "Договор №" in page and "Банки, 2027" in page and 'data-testid="approve"' in page


def test_a_counterparty_typed_by_its_name_is_found(auth, core):
    auth.login("memployee")
    assert _new_request(auth, counterparty_inn="ООО «Северная логистика»").status_code == 303
    ambiguous = _new_request(auth, counterparty_inn="ООО")
    assert ambiguous.status_code == 422


def test_an_approval_carries_its_optional_comment(auth, core, users, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    auth.login("mhead")
    page = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert f'form="approve-{task_id}"' in page
    auth.post(f"/tasks/{task_id}/approve", {"comment": "Согласовано, но в следующий раз приложите договор"})
    event = [e for e in card(core, users, filed)["timeline"] if e["event"] == "approved"][0]
    assert event["comment"] == "Согласовано, но в следующий раз приложите договор"
