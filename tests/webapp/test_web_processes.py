"""The third process (tests/fixtures/rules/requisition.yaml) in the portal, with no code of its own."""

from __future__ import annotations

import io
import re

import pytest

from tests.helpers import card, open_task
from tests.support.files import pdf_bytes


def _file_requisition(auth, **changes):
    data = {"subject": "Кресла для переговорной", "amount": "48 000", "comment": "Шесть штук", **changes}
    return auth.post("/requisitions/new", data, content_type="multipart/form-data")


def _filed(auth) -> int:
    auth.login("memployee")
    response = _file_requisition(auth)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.fullmatch(r"/requisitions/(\d+)", response.headers["Location"]).group(1))


def test_the_form_has_the_fields_of_the_requisition_spec(auth):
    auth.login("memployee")
    page = auth.client.get("/requisitions/new").get_data(as_text=True)
    assert "Новая заявка на закупку" in page and 'name="subject"' in page and 'name="amount"' in page
    assert 'name="cost_item"' in page and 'name="document"' in page and "Спецификация" in page
    for absent in ("counterparty_inn", "new_counterparty", "contract_id", "valid_from", "deadline", "invoice"):
        assert f'name="{absent}"' not in page, absent
    assert "Решение руководителя → Закупка" in page


def test_a_requisition_is_filed_without_a_counterparty_and_shown_in_its_words(auth, core, users):
    card_id = _filed(auth)
    page = auth.client.get(f"/requisitions/{card_id}").get_data(as_text=True)
    assert f"Закупка №{card_id} подана и отправлена на согласование." in page
    assert "Кресла для переговорной" in page and "Решение руководителя" in page and "Закуплено" in page
    assert "подал(а) заявку на закупку" in page and "<dt>ИНН</dt>" not in page
    assert card(core, users, card_id)["stage"] == "manager_review"


@pytest.mark.parametrize("missing", ["subject", "amount"])
def test_a_required_field_left_out_is_named_and_nothing_is_filed(auth, missing):
    auth.login("memployee")
    response = _file_requisition(auth, **{missing: ""})
    assert response.status_code == 422
    assert re.search(rf'data-error-for="{missing}"\s*>[^<]+<', response.get_data(as_text=True))


def test_the_board_and_the_list_have_its_own_stages_and_nouns(auth, core, users):
    card_id = _filed(auth)
    board = auth.client.get("/board?kind=requisition").get_data(as_text=True)
    assert "Закупки: доска" in board and re.search(r'data-testid="count-manager_review">1<', board)
    assert 'data-testid="count-purchased"' in board and f'href="/requisitions/{card_id}"' in board
    assert "count-head_approval" not in board
    listed = auth.client.get("/list?kind=requisition").get_data(as_text=True)
    assert f'href="/requisitions/{card_id}"' in listed and re.search(r'data-testid="total">1<', listed)
    assert "Кресла для переговорной" in listed and 'name="counterparty"' not in listed
    assert f'href="/requisitions/{card_id}"' not in auth.client.get("/list").get_data(as_text=True)
    work = auth.client.get("/").get_data(as_text=True)
    assert 'data-testid="my-requisitions"' in work and "Мои закупки" in work
    assert 'data-testid="nav-requisitions"' in work and ">Закупки<" in work
    assert auth.client.get("/requisitions").headers["Location"] == "/list?kind=requisition"


def test_the_manager_approves_and_procurement_asks_for_the_delivery_note(auth, core, users):
    card_id = _filed(auth)
    task = open_task(core, users, card_id, "manager_review")
    auth.login("mhead")  # the head of the initiator's department
    assert "Решить по закупке" in auth.client.get(f"/requisitions/{card_id}").get_data(as_text=True)
    response = auth.post(f"/tasks/{task['id']}/approve", {"next": f"/requisitions/{card_id}"})
    assert response.status_code == 303 and response.headers["Location"] == f"/requisitions/{card_id}"
    assert card(core, users, card_id)["stage"] == "procurement"
    purchase = open_task(core, users, card_id, "procurement")
    auth.login(purchase["assignee"])
    page = auth.client.get(f"/tasks/{purchase['id']}").get_data(as_text=True)
    assert "Накладная" in page and "Закупить и приложить накладную" in page and "Платёжные реквизиты" not in page
    auth.post(f"/tasks/{purchase['id']}/upload", {"file": (io.BytesIO(pdf_bytes("note")), "note.pdf")},
              content_type="multipart/form-data")
    assert auth.post(f"/tasks/{purchase['id']}/complete").status_code == 303
    page = auth.client.get(f"/requisitions/{card_id}").get_data(as_text=True)
    assert card(core, users, card_id)["stage"] == "purchased" and "note.pdf" in page and "Накладная" in page


def test_a_card_under_another_process_path_leads_to_its_own_and_unknown_paths_are_404(auth, core, users):
    card_id = _filed(auth)
    assert auth.client.get(f"/requests/{card_id}").headers["Location"] == f"/requisitions/{card_id}"
    assert auth.client.get(f"/contracts/{card_id}").headers["Location"] == f"/requisitions/{card_id}"
    assert auth.post(f"/requests/{card_id}/freeze").status_code == 404
    assert auth.post(f"/requisitions/{card_id}/versions").status_code == 404  # its document keeps no versions
    for path in (f"/purchases/{card_id}", "/purchases/new", "/purchases"):
        assert auth.client.get(path).status_code == 404, path
    response = auth.client.get("/list?kind=purchase")
    assert response.status_code == 404 and "purchase" in response.get_data(as_text=True)
    assert auth.client.get("/board?kind=nonsense").status_code == 404
