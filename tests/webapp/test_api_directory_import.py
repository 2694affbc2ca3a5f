"""REST API of the directory imports: the report's shape, 400/422, dry run, all or nothing, who may."""

from __future__ import annotations

import io
import re

import pytest

from tests.support.xlsx import workbook
from tests.test_directory_import import BAD_ROWS, EN_ROWS, RU_CSV, counterparties


def _import(client, headers, data: bytes | None, name: str = "export.csv", kind: str = "counterparties",
            query: str = ""):
    form = {} if data is None else {"file": (io.BytesIO(data), name)}
    return client.post(f"/api/v1/{kind}/import{query}", data=form, headers=headers, content_type="multipart/form-data")


def test_an_import_answers_counts_and_every_row(client, bearer, core):
    response = _import(client, bearer("admin"), RU_CSV.encode("cp1251"))
    assert response.status_code == 200, response.json
    assert response.json == {"dry_run": False, "created": 2, "updated": 0, "unchanged": 0, "errors": [],
                             "rows": [{"row": 2, "key": "7707083893", "outcome": "created"},
                                      {"row": 3, "key": "500100732259", "outcome": "created"}]}
    assert "7707083893" in counterparties(core)


def test_a_dry_run_writes_nothing(client, bearer, core):
    before = counterparties(core)
    response = _import(client, bearer("admin"), workbook(EN_ROWS), "export.xlsx", query="?dry_run=1")
    assert response.status_code == 200 and response.json["dry_run"] is True and response.json["created"] == 2
    assert counterparties(core) == before


@pytest.mark.parametrize("query", ["", "?dry_run=1"])
def test_row_errors_are_422_with_the_whole_report_and_nothing_is_written(client, bearer, core, query):
    before = counterparties(core)
    response = _import(client, bearer("admin"), BAD_ROWS.encode("cp1251"), query=query)
    assert response.status_code == 422
    body = response.json
    assert body["code"] == "invalid" and body["field"] == "inn" and body["dry_run"] is bool(query)
    assert re.match(r"(row|строка) 3: inn: .+; (row|строка) 4: account: ", body["error"]), body["error"]
    assert [(error["row"], error["field"]) for error in body["errors"]] == [
        (3, "inn"), (4, "account"), (5, "name"), (6, "inn"), (7, "corr_account")]
    assert body["errors"][0]["message"] in ("Invalid INN: checksum mismatch.",
                                            "Неверный ИНН: не сходится контрольное число.")
    assert body["created"] == 1 and [row["outcome"] for row in body["rows"]].count("invalid") == 5
    assert counterparties(core) == before


@pytest.mark.parametrize("data, name", [(None, "x.csv"), (b"code;name\nX;Y\n", "items.txt"), (b"junk", "x.xlsx"),
                                        (b"what;ever\nX;Y\n", "items.csv")])
def test_a_missing_or_unreadable_file_is_400(client, bearer, data, name):
    response = _import(client, bearer("admin"), data, name, kind="cost-items")
    assert response.status_code == 400 and response.json["field"] == "file"


def test_cost_items_reimport_updates_by_code(client, bearer):
    headers = bearer("admin")
    assert _import(client, headers, b"Code;Name\nTRAVEL;Trips\n", kind="cost-items").json["created"] == 1
    again = _import(client, headers, "Код;Наименование\nTRAVEL;Командировки\n".encode("cp1251"), kind="cost-items")
    assert (again.json["created"], again.json["updated"]) == (0, 1)
    items = client.get("/api/v1/cost-items", headers=headers).json["items"]
    assert [item["name"] for item in items if item["code"] == "TRAVEL"] == ["Командировки"]


@pytest.mark.parametrize("kind", ["counterparties", "cost-items"])
@pytest.mark.parametrize("who", ["finance", "chief", "memployee"])
def test_only_the_admin_may_import(client, bearer, core, kind, who):
    before = counterparties(core)
    response = _import(client, bearer(who), RU_CSV.encode("cp1251"), kind=kind)
    assert response.status_code == 403 and response.json["code"] == "forbidden"
    assert counterparties(core) == before


def test_an_anonymous_call_is_401(client):
    assert _import(client, {}, b"code;name\nX;Y\n", kind="cost-items").status_code == 401
