"""REST API: GET /api/v1/budgets (who reads what) and PUT /api/v1/budgets (who writes; all-or-nothing)."""

from __future__ import annotations

import re

import pytest

ROWS = [{"year": 2026, "month": 12, "department": "marketing", "cost_item": "PACK", "planned": "500000.00"},
        {"year": 2026, "month": 12, "department": "purchasing", "cost_item": "RAW", "planned": "250000"}]


@pytest.fixture
def database_url(sqlite_database):
    """The web layer on SQLite only: the SQL (both databases) is tests/test_budgets.py's."""
    return sqlite_database


def put(client, headers, rows):
    return client.put("/api/v1/budgets", json=rows, headers=headers)


def test_finance_writes_and_reads_rows_with_committed_actual_remaining(client, bearer, filed):
    headers = bearer("finance")
    assert put(client, headers, ROWS).json == {"written": 2}
    items = client.get("/api/v1/budgets?year=2026&month=12&department=marketing&cost_item=PACK", headers=headers).json
    assert items == {"items": [{"year": 2026, "month": 12, "department": "marketing", "cost_item": "PACK",
                                "planned": "500000.00", "committed": "0.00", "actual": "0.00",
                                "remaining": "500000.00"}]}
    card = client.get(f"/api/v1/payment-requests/{filed}", headers=headers).json
    assert (card["budget"]["planned"], card["budget"]["request"]) == ("500000.00", "150000.00")


# (who, method, status): finance and admins write; finance, ops, accounting, admins and heads read.
ACCESS = [("finance", "PUT", 200), ("admin", "PUT", 200), ("ops", "PUT", 403), ("chief", "PUT", 403),
          ("mhead", "PUT", 403), ("memployee", "PUT", 403),
          ("ops", "GET", 200), ("accountant", "GET", 200), ("mhead", "GET", 200), ("memployee", "GET", 403),
          ("signer", "GET", 403)]


@pytest.mark.parametrize("login, method, status", ACCESS)
def test_who_may_read_and_write(client, bearer, login, method, status):
    headers = bearer(login)
    response = put(client, headers, ROWS) if method == "PUT" else client.get("/api/v1/budgets", headers=headers)
    assert response.status_code == status, response.json
    if status == 403:
        assert response.json["code"] == "forbidden"


def test_a_head_reads_only_his_departments(client, bearer):
    put(client, bearer("finance"), ROWS)
    headers = bearer("mhead")
    assert [row["department"] for row in client.get("/api/v1/budgets", headers=headers).json["items"]] == ["marketing"]
    assert client.get("/api/v1/budgets?department=purchasing", headers=headers).status_code == 403


# (rows, the field the 422 names, the row it names)
BAD = [
    ([ROWS[0], {**ROWS[1], "planned": "-5"}], "planned", 2),
    ([{**ROWS[0], "month": 13}], "month", 1),
    ([{**ROWS[0], "year": "next"}], "year", 1),
    ([ROWS[0], {**ROWS[0], "department": "nowhere"}], "department", 2),
    ([{**ROWS[0], "cost_item": ""}], "cost_item", 1),
    ([ROWS[0], ROWS[1], {**ROWS[0], "planned": "1.00"}], "month", 3),  # the same line and month twice
    ([{**ROWS[0], "planned": "10.005"}], "planned", 1),
    ([{**ROWS[0], "colour": "red"}], "colour", 1),
    (["a row"], "row", 1),
]


@pytest.mark.parametrize("rows, field, row", BAD)
def test_bad_rows_are_422_naming_row_and_field_and_nothing_is_written(client, bearer, rows, field, row):
    headers = bearer("finance")
    response = put(client, headers, rows)
    assert response.status_code == 422, response.json
    assert response.json["field"] == field and response.json["code"] == "invalid"
    assert re.match(rf"(row|строка) {row}: {field}: ", response.json["error"]), response.json["error"]
    assert client.get("/api/v1/budgets?year=2026", headers=headers).json == {"items": []}


@pytest.mark.parametrize("data, content_type, status", [
    ('{"year": 2026}', "application/json", 422), ("not json", "application/json", 400),
    ("year;month", "text/csv", 400)])
def test_a_body_that_is_not_a_json_list_is_refused(client, bearer, data, content_type, status):
    response = client.put("/api/v1/budgets", data=data, content_type=content_type, headers=bearer("finance"))
    assert (response.status_code, response.json["field"]) == (status, "body")


@pytest.mark.parametrize("query, field", [("year=1999", "year"), ("month=0", "month"), ("year=abc", "year")])
def test_bad_query_parameters_name_the_field(client, bearer, query, field):
    response = client.get(f"/api/v1/budgets?{query}", headers=bearer("finance"))
    assert response.status_code == 400 and response.json["field"] == field
