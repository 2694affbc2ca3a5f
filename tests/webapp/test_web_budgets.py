"""The budgets page: who sees it, the row form, and the XLSX/CSV import (every row validated, all or nothing)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from soglasie.services import budgets
from tests.conftest import T0

HEADER = "year;month;department;cost_item;planned\n"
GOOD_CSV = HEADER + "2026;12;marketing;PACK;500 000,00\n2026;11;purchasing;RAW;250000\n"


@pytest.fixture
def database_url(sqlite_database):
    """The web layer on SQLite only: the SQL (both databases) is tests/test_budgets.py's."""
    return sqlite_database


def rows(core, users) -> list[tuple]:
    return [(r["month"], r["department"], r["cost_item"], r["planned"])
            for r in budgets.list_budgets(core, users["admin"], T0, budgets.BudgetFilter(2026))]


def upload(auth, data: bytes, name: str):
    return auth.post("/budgets/import", data={"file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


@pytest.mark.parametrize("login, status", [("finance", 200), ("ops", 200), ("accountant", 200), ("admin", 200),
                                           ("mhead", 200), ("memployee", 403), ("signer", 403)])
def test_who_sees_the_page(auth, login, status):
    auth.login(login)
    assert auth.client.get("/budgets?year=2026").status_code == status


@pytest.mark.parametrize("login", ["ops", "mhead", "memployee"])
def test_only_finance_and_admins_edit(auth, core, users, login):
    auth.login(login)
    assert upload(auth, GOOD_CSV.encode(), "b.csv").status_code == 403
    assert auth.post("/budgets/rows", data={"year": "2026", "month": "12", "department": "marketing",
                                            "cost_item": "PACK", "planned": "1"}).status_code == 403
    assert rows(core, users) == []


def test_the_row_form_sets_and_removes_a_month(auth, core, users):
    auth.login("finance")
    form = {"year": "2026", "month": "12", "department": "marketing", "cost_item": "PACK", "planned": "1000,50"}
    assert auth.post("/budgets/rows", data=form).status_code == 303
    assert rows(core, users) == [(12, "marketing", "PACK", "1000.50")]
    page = auth.client.get("/budgets?year=2026").get_data(as_text=True)
    assert "1000.50" in page
    assert auth.post("/budgets/rows", data={**form, "planned": ""}).status_code == 303
    assert rows(core, users) == []


def test_a_csv_import_writes_every_row(auth, core, users):
    auth.login("finance")
    assert upload(auth, GOOD_CSV.encode("utf-8-sig"), "budget.csv").status_code == 303
    assert rows(core, users) == [(12, "marketing", "PACK", "500000.00"), (11, "purchasing", "RAW", "250000.00")]


def test_an_xlsx_import_writes_every_row(auth, core, users):
    book = Workbook()
    sheet = book.active
    sheet.append(["department", "cost_item", "year", "month", "planned"])
    sheet.append(["marketing", "ADS", 2026, 3, 120000.5])
    buffer = io.BytesIO()
    book.save(buffer)
    auth.login("admin")
    assert upload(auth, buffer.getvalue(), "budget.xlsx").status_code == 303
    assert rows(core, users) == [(3, "marketing", "ADS", "120000.50")]


# (file text, the errors listed): every bad row is named; nothing is written.
BAD = [
    (HEADER + "2026;12;marketing;PACK;100\n2026;13;marketing;PACK;100\n2026;1;nowhere;NOPE;-1\n",
     ["row 3: month: ", "row 4: department: ", "row 4: cost_item: ", "row 4: planned: "]),
    (HEADER + "2026;12;marketing;PACK;100\n2026;12;marketing;PACK;200\n", ["row 3: month: "]),
    ("year;month;department\n2026;1;marketing\n", ["row 1: the columns cost_item, planned are missing"]),
]


@pytest.mark.parametrize("text, errors", BAD)
def test_a_bad_file_names_every_bad_row_and_writes_nothing(auth, core, users, text, errors):
    auth.login("finance")
    auth.client.post("/profile/language", data={"locale": "en", "csrf_token": auth.token})
    response = upload(auth, text.encode(), "budget.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for error in errors:
        assert error in page
    assert rows(core, users) == []


@pytest.mark.parametrize("data, name", [(b"\x00\x01junk", "budget.xlsx"), (b"a,b", "budget.txt"),
                                        ("год;месяц".encode("cp1251"), "budget.csv")])
def test_an_unreadable_file_is_refused(auth, core, users, data, name):
    auth.login("finance")
    assert upload(auth, data, name).status_code == 422
    assert rows(core, users) == []


def test_the_card_shows_the_budget_line_and_the_overrun(auth, core, users, filed):
    budgets.put_budgets(core, users["finance"], T0, [{"year": 2026, "month": 12, "department": "marketing",
                                                      "cost_item": "PACK", "planned": "100000"}])
    auth.login("mhead")
    auth.client.post("/profile/language", data={"locale": "en", "csrf_token": auth.token})
    page = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    line = page[page.index('data-testid="budget"'):]
    assert "marketing · PACK" in line and 'data-testid="budget-overrun"' in line
    assert "remaining after it" in line and "over by" in line


def test_the_override_role_approves_over_the_budget_and_the_page_shows_the_warn(auth, core, users, filed):
    from tests.helpers import approve_stage, open_task

    approve_stage(core, users, filed, "head_approval")
    # December: the year (block) and month-to-date (warn) are both exceeded by 50,000.
    budgets.put_budgets(core, users["finance"], T0, [{"year": 2026, "month": 12, "department": "marketing",
                                                      "cost_item": "PACK", "planned": "100000"}])
    task = open_task(core, users, filed, "finance_review")
    auth.login("ops")
    auth.client.post("/profile/language", data={"locale": "en", "csrf_token": auth.token})
    page = auth.post(f"/tasks/{task['id']}/approve", data={"comment": "agreed with the board"},
                     follow_redirects=True).get_data(as_text=True)
    assert "Over the month-to-date budget of marketing · PACK: this request exceeds it by 50000.00 RUB." in page
    assert open_task(core, users, filed, "payment", "make_payment")["status"] == "open"
