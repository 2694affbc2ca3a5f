"""Importing counterparties and cost items from 1C exports: headers, encodings, every row's error, all or nothing.

XLSX files are written by tests/support/xlsx.py (not by openpyxl, the reader); CSV as 1C saves
it — Windows-1251 with `;`. Both databases.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from soglasie.errors import PermissionDenied
from soglasie.models import CostItem, Counterparty
from soglasie.services.common import Upload
from soglasie.services.directory_import import (COST_ITEMS, COUNTERPARTIES, FileRefused, RowsRefused,
                                                import_directory)
from tests.conftest import T0
from tests.support.xlsx import workbook

RU_HEADER = " Наименование ;ИНН;КПП;БИК;Расчётный счёт;Банк;Корр. счет\r\n"
SBER = "044525225;40702810200000000001;ПАО Сбербанк;30101810400000000225"
RU_CSV = RU_HEADER + f"ПАО «Ромашка»;7707083893;773601001;{SBER}\r\n" \
                     "ИП Иванов;500100732259;;;;;\r\n"
EN_ROWS = [["Name", "INN", "kpp", "bik", "ACCOUNT", "Comment"],
           ["Alpha Supplies LLC", "7728168971", "772801001", "044525593", "40702810800000000001", "ignored"],
           [None, None, None, None, None, None],
           ["Beta Trade LLC", 7710140679, None, None, None, None]]


def run(core, users, directory, data: bytes, name: str, dry_run: bool = False, who: str = "admin"):
    return import_directory(core, users[who], T0, directory, Upload(data, name), dry_run=dry_run)


def counterparties(core) -> dict[str, tuple]:
    with core.db.read() as session:
        return {row.inn: (row.name, row.kpp, row.bik, row.account, row.bank_name, row.corr_account)
                for row in session.scalars(select(Counterparty))}


def count(core, model) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_cp1251_csv_with_russian_headers_creates_counterparties(core, users):
    report = run(core, users, COUNTERPARTIES, RU_CSV.encode("cp1251"), "контрагенты.csv")
    assert (report.count("created"), report.count("updated"), report.count("unchanged")) == (2, 0, 0)
    assert [(row["row"], row["key"], row["outcome"]) for row in report.rows] == [
        (2, "7707083893", "created"), (3, "500100732259", "created")]
    stored = counterparties(core)
    assert stored["7707083893"] == ("ПАО «Ромашка»", "773601001", "044525225", "40702810200000000001",
                                    "ПАО Сбербанк", "30101810400000000225")
    assert stored["500100732259"] == ("ИП Иванов", None, None, None, None, None)


def test_an_xlsx_with_english_headers_creates_counterparties_and_skips_blank_rows(core, users):
    report = run(core, users, COUNTERPARTIES, workbook(EN_ROWS), "export.XLSX")
    assert [(row["row"], row["outcome"]) for row in report.rows] == [(2, "created"), (4, "created")]
    assert counterparties(core)["7710140679"][0] == "Beta Trade LLC"  # a number cell is read as its digits


def test_reimport_updates_by_inn_and_never_duplicates(core, users):
    run(core, users, COUNTERPARTIES, RU_CSV.encode("cp1251"), "a.csv")
    before = count(core, Counterparty)
    changed = RU_CSV.replace("ИП Иванов", "ИП Иванов И. И.").replace("ПАО «Ромашка»", "ПАО «Ромашка-2»")
    changed += "ООО «Косметик Пак»;7701526010;770101001;" + SBER + "\r\n"  # a demo counterparty: new account
    report = run(core, users, COUNTERPARTIES, changed.encode("utf-8-sig"), "a.csv")
    assert [row["outcome"] for row in report.rows] == ["updated", "updated", "updated"]
    assert count(core, Counterparty) == before
    assert counterparties(core)["7701526010"][3] == "40702810200000000001"
    again = run(core, users, COUNTERPARTIES, changed.encode("utf-8-sig"), "a.csv")
    assert [row["outcome"] for row in again.rows] == ["unchanged"] * 3


def test_columns_the_file_lacks_keep_their_stored_values(core, users):
    kept = counterparties(core)["7701526010"]
    run(core, users, COUNTERPARTIES, "ИНН,Наименование\n7701526010,ООО Косметик Пак\n".encode(), "short.csv")
    assert counterparties(core)["7701526010"] == ("ООО Косметик Пак", *kept[1:])


def test_a_dry_run_reports_and_writes_nothing(core, users):
    before = counterparties(core)
    report = run(core, users, COUNTERPARTIES, RU_CSV.encode("cp1251"), "a.csv", dry_run=True)
    assert report.dry_run and report.count("created") == 2
    assert counterparties(core) == before


BAD_ROWS = (RU_HEADER
            + f"ПАО «Ромашка»;7707083893;773601001;{SBER}\r\n"          # row 2: good
            + "Плохой ИНН;7707083890;;;;;\r\n"                             # row 3: checksum
            + "Счёт не тот;7702070139;;044525225;40702810200000000002;;\r\n"  # row 4: control key
            + ";7728168971;;;;;\r\n"                                       # row 5: no name
            + "Повтор;7707083893;;;;;\r\n"                                 # row 6: the INN of row 2
            + "Корсчёт;7710140679;;044525225;40702810200000000001;Банк;30101810400000000999\r\n")  # row 7


@pytest.mark.parametrize("dry_run", [False, True])
def test_every_bad_row_is_reported_and_nothing_is_written(core, users, dry_run):
    before = counterparties(core)
    with pytest.raises(RowsRefused) as refused:
        run(core, users, COUNTERPARTIES, BAD_ROWS.encode("cp1251"), "bad.csv", dry_run=dry_run)
    assert [line.split(": ")[:2] for line in refused.value.lines("en")] == [
        ["row 3", "inn"], ["row 4", "account"], ["row 5", "name"], ["row 6", "inn"], ["row 7", "corr_account"]]
    assert refused.value.lines("en")[0] == "row 3: inn: Invalid INN: checksum mismatch."
    report = refused.value.report
    assert [row["outcome"] for row in report.rows] == ["created", "invalid", "invalid", "invalid", "invalid", "invalid"]
    assert counterparties(core) == before


@pytest.mark.parametrize("data, name, field_text", [
    (b"", "a.csv", "Choose an XLSX or CSV file."),
    (b"Name;INN\nX;7707083893\n", "a.txt", "Choose an XLSX or CSV file."),
    (b"\x00\x01junk", "a.xlsx", "The file is not a readable XLSX workbook."),
    ("Наименование;КПП\nX;773601001\n".encode("cp1251"), "a.csv", "row 1: the columns inn are missing"),
    ("Name;INN;ИНН\nX;7707083893;7707083893\n".encode(), "a.csv", "row 1: two columns are inn."),
    ("Name;INN\n;\n".encode(), "a.csv", "The file has no rows below its header."),
])
def test_a_file_that_is_no_table_is_refused_as_a_whole(core, users, data, name, field_text):
    with pytest.raises(FileRefused) as refused:
        run(core, users, COUNTERPARTIES, data, name)
    assert refused.value.http_status == 400 and refused.value.field == "file"
    assert refused.value.message("en").startswith(field_text)


def test_cost_items_import_by_code(core, users):
    rows = [["Код", "Наименование"], ["ADS", "Реклама"], ["TRAVEL", "Командировки"]]
    report = run(core, users, COST_ITEMS, workbook(rows), "статьи.xlsx")
    assert [(row["key"], row["outcome"]) for row in report.rows] == [("ADS", "updated"), ("TRAVEL", "created")]
    with core.db.read() as session:
        assert dict(session.execute(select(CostItem.code, CostItem.name)).all())["ADS"] == "Реклама"
    assert count(core, CostItem) == 7
    csv = "code,name\nADS,Реклама\nTRAVEL,Командировки\nTRAVEL,Ещё раз\n,Без кода\n"
    with pytest.raises(RowsRefused) as refused:
        run(core, users, COST_ITEMS, csv.encode(), "items.csv")
    assert [line.split(": ")[:2] for line in refused.value.lines("en")] == [["row 4", "code"], ["row 5", "code"]]


def test_only_the_admin_imports(core, users):
    with pytest.raises(PermissionDenied):
        run(core, users, COST_ITEMS, b"code,name\nX,Y\n", "a.csv", who="finance")
    assert count(core, CostItem) == 6


def test_the_cli_imports_and_its_dry_run_writes_nothing(core, settings, monkeypatch, capsys, tmp_path):
    from soglasie.cli import main

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOGLASIE_RULES_DIR", str(settings.rules_dir))
    monkeypatch.setenv("SOGLASIE_DATA_DIR", str(settings.data_dir))
    path = tmp_path / "контрагенты.csv"
    path.write_bytes(RU_CSV.encode("cp1251"))
    assert main(["directory", "import", "counterparties", str(path), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "dry run, nothing written: created=2, updated=0, unchanged=0"
    assert "7707083893" not in counterparties(core)
    assert main(["directory", "import", "counterparties", str(path)]) == 0
    assert "row 2: 7707083893: created" in capsys.readouterr().out and "7707083893" in counterparties(core)
    path.write_bytes(BAD_ROWS.encode("cp1251"))
    assert main(["directory", "import", "counterparties", str(path)]) == 1
    assert capsys.readouterr().err.startswith("row 3: inn: Invalid INN: checksum mismatch.\n")
    assert main(["directory", "import", "cost-items", str(path), "--as", "finance"]) == 2
    assert "Only the admin edits directories." in capsys.readouterr().err
