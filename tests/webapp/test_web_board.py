"""The board (counts, urgent cards, stuck and overdue marks, filters), the list and its exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from soglasie.services import actions, sweep
from tests.conftest import T0
from tests.helpers import file_request, open_task


@pytest.fixture
def several(core, users, invoice):
    """Three marketing requests (one at finance review) and one from purchasing."""
    ids = [file_request(core, users, invoice, amount=str(1000 * (n + 1))) for n in range(3)]
    task = open_task(core, users, ids[0], "head_approval")
    actions.approve(core, users["mhead"], task["id"], T0)
    ids.append(file_request(core, users, invoice, who="pemployee", cost_item="RAW", counterparty_inn="7814131862"))
    return ids


def _count(html: str, stage: str) -> int:
    return int(re.search(rf'data-testid="count-{stage}">(\d+)<', html).group(1))


def test_the_board_counts_per_stage_what_the_viewer_may_see(auth, several):
    auth.login("ops")
    page = auth.client.get("/board").get_data(as_text=True)
    assert (_count(page, "head_approval"), _count(page, "finance_review"), _count(page, "paid")) == (3, 1, 0)
    auth.login("mhead")
    page = auth.client.get("/board").get_data(as_text=True)
    assert (_count(page, "head_approval"), _count(page, "finance_review")) == (2, 1)
    assert "Северная логистика" not in page


FILTERS = [
    ("department=purchasing", 1, 0), ("department=marketing", 2, 1), ("cost_item=RAW", 1, 0),
    ("counterparty=7814131862", 1, 0), ("counterparty=ООО «Косметик Пак»", 2, 1), ("counterparty=0000000000", 0, 0),
]


def test_board_filters(auth, several):
    auth.login("ops")
    for query, head, finance in FILTERS:
        page = auth.client.get(f"/board?{query}").get_data(as_text=True)
        assert (_count(page, "head_approval"), _count(page, "finance_review")) == (head, finance), query


def test_mine_on_the_board(auth, several):
    auth.login("pemployee")
    page = auth.client.get("/board?mine=1").get_data(as_text=True)
    assert _count(page, "head_approval") == 1


def test_overdue_and_stuck_cards_stand_out(auth, core, clock, several):
    clock.advance(days=7)  # past the 2-working-day SLA: the sweep escalates to ops
    sweep.sweep(core, clock.now)
    auth.login("ops")
    page = auth.client.get("/board").get_data(as_text=True)
    assert page.count("is-overdue") >= 4
    assert page.count("tag tag-stuck") >= 3


def test_the_list_searches_sorts_and_paginates(auth, core, users, invoice, several):
    auth.login("ops")
    page = auth.client.get("/list?search=Северная").get_data(as_text=True)
    assert 'data-testid="total">1<' in page
    ordered = auth.client.get("/list?sort=amount").get_data(as_text=True)
    amounts = re.findall(r'c-amount num nowrap">([^<]+)<', ordered)
    assert amounts[0].startswith("1\xa0000,00")
    for _ in range(50):
        file_request(core, users, invoice)
    first = auth.client.get("/list").get_data(as_text=True)
    assert "Страница 1 из 2" in first and 'rel="next"' in first
    second = auth.client.get("/list?page=2").get_data(as_text=True)
    assert second.count('class="c-id"') == 4


ODD = ["page=0", "page=-1", "page=abc", "page=999999999999", "sort=evil", "stage=x", "department=%27", "mine=yes",
       "cost_item=<b>", "counterparty=%25", "search=" + "я" * 500]


def test_odd_list_parameters_never_break_the_page(auth, several):
    auth.login("ops")
    for query in ODD:
        assert auth.client.get(f"/list?{query}").status_code == 200, query
        assert auth.client.get(f"/board?{query}").status_code == 200, query
        assert auth.client.get(f"/list.csv?{query}").status_code == 200, query


def test_csv_export_is_the_filtered_visible_list_in_the_users_language(auth, several):
    auth.login("mhead")
    response = auth.client.get("/list.csv?stage=head_approval")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["№", "Подана", "Этап"]
    assert len(rows) == 3 and {row[2] for row in rows[1:]} == {"Согласование руководителем"}
    assert rows[1][3] in ("2000,00", "3000,00")


def test_csv_export_in_english_uses_commas(auth, core, users, several):
    from soglasie.services import profile

    profile.set_locale(core, users["ops"], "en")
    auth.login("ops")
    rows = list(csv.reader(io.StringIO(auth.client.get("/list.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["No.", "Filed", "Stage"] and len(rows) == 5


def test_exports_defuse_formulas(auth, core, users, invoice):
    file_request(core, users, invoice, comment="=HYPERLINK(\"http://evil\",\"x\")")
    auth.login("memployee")
    text = auth.client.get("/list.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    sheet = load_workbook(io.BytesIO(auth.client.get("/list.xlsx").data)).active
    comment = sheet.cell(row=2, column=13).value
    assert comment.startswith("'=")


def test_xlsx_export_has_a_row_per_card_with_numeric_amounts(auth, several):
    auth.login("ops")
    response = auth.client.get("/list.xlsx?department=marketing")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "№" and len(rows) == 4
    assert all(isinstance(row[3], (int, float)) for row in rows[1:])


def _pay(core, users, card_id, now) -> None:
    from soglasie.services.common import Upload
    from tests.support.files import pdf_bytes

    for stage in ("head_approval", "finance_review"):
        task = open_task(core, users, card_id, stage, now=now)
        actions.approve(core, users[task["assignee"]], task["id"], now)
    order = open_task(core, users, card_id, "payment", "payment_order", now=now)
    actions.attach_file(core, users["accountant"], order["id"], Upload(pdf_bytes(), "pp.pdf"), now)
    actions.complete(core, users["accountant"], order["id"], now)
    pay = open_task(core, users, card_id, "payment", "make_payment", now=now)
    actions.complete(core, users["chief"], pay["id"], now)


def test_finished_columns_count_the_last_two_weeks(auth, core, users, invoice):
    import datetime as dt

    old = T0 - dt.timedelta(days=20)
    _pay(core, users, file_request(core, users, invoice, now=old), old)
    _pay(core, users, file_request(core, users, invoice), T0)
    auth.login("ops")
    page = auth.client.get("/board").get_data(as_text=True)
    assert _count(page, "paid") == 1
    assert "поданы за 14 дней" in page
