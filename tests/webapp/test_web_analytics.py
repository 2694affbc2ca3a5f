"""The /analytics page: who sees it and its header link, what it shows, drill-down links, exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.webapp.test_api_analytics import paid_two  # noqa: F401 (a fixture)

PAGE = "/analytics?from=2026-12-01&to=2026-12-31"


@pytest.fixture
def database_url(sqlite_database):
    """The page's own checks: one backend (the reports' SQL runs on both elsewhere)."""
    return sqlite_database


@pytest.mark.parametrize("login, status", [
    ("finance", 200), ("ops", 200), ("chief", 200), ("accountant", 200), ("admin", 200), ("mhead", 200),
    ("memployee", 403), ("signer", 403),
])
def test_who_sees_the_page_and_the_link(auth, login, status):
    auth.login(login)
    assert auth.client.get(PAGE).status_code == status
    header = auth.client.get("/").get_data(as_text=True)
    assert ('href="/analytics"' in header) == (status == 200)


def test_the_kpi_the_baseline_and_the_charts(auth, paid_two):  # noqa: F811
    auth.login("finance")
    html = auth.client.get(PAGE).get_data(as_text=True)
    # Two payments, 1 and 3 working days: median 2.0 against a 5–7 baseline is 3× faster.
    assert re.search(r'data-testid="kpi-median">2.0<', html)
    assert re.search(r'data-testid="faster">[^<]*3.0[^<]*<', html)  # "в 3.0 раза быстрее" / "3.0× faster"
    for chart in ("trend-chart", "stage-chart"):
        svg = re.search(rf'<svg[^>]*data-testid="{chart}".*?</svg>', html, re.S).group(0)
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert 'data-testid="trend-table"' in html and 'data-testid="approvers-table"' in html


def test_numbers_drill_down_to_the_list_with_its_filters(auth, paid_two):  # noqa: F811
    auth.login("finance")
    html = auth.client.get(PAGE + "&group_by=department").get_data(as_text=True)
    links = set(re.findall(r'href="(/list\?[^"]+)"', html))
    assert any("department=marketing" in link and "stage=paid" in link for link in links)
    assert any("approver=mhead" in link for link in links)
    listing = auth.client.get(next(link for link in links if "department=marketing" in link).replace("&amp;", "&"))
    assert listing.status_code == 200
    assert re.search(r'data-testid="total">1<', listing.get_data(as_text=True))


def test_a_head_sees_his_department_only(auth, paid_two):  # noqa: F811
    auth.login("mhead")
    html = auth.client.get(PAGE + "&group_by=department").get_data(as_text=True)
    assert "department=marketing" in html and "department=purchasing" not in html


def test_exports_defuse_formula_cells(auth, core, paid_two):  # noqa: F811
    with core.db.write() as session:
        from sqlalchemy import update

        from soglasie.models import Department
        session.execute(update(Department).where(Department.code == "marketing").values(name="=HYPERLINK(1)"))
    auth.login("finance")
    text = auth.client.get("/analytics/groups.csv?from=2026-12-01&to=2026-12-31&group_by=department").get_data(
        as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][0] == "'=HYPERLINK(1)" and len(rows) == 3
    data = auth.client.get("/analytics/stages.xlsx?from=2026-12-01&to=2026-12-31").data
    sheet = load_workbook(io.BytesIO(data)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [2, 2, 4]


def test_bad_parameters_say_which(auth):
    auth.login("finance")
    response = auth.client.get("/analytics?from=nope")
    assert response.status_code == 422
