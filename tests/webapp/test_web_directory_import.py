"""The admin's directory import page: check a file (every row's outcome), confirm, all or nothing; admin only."""

from __future__ import annotations

import io
import re

import pytest

from soglasie import staged_uploads
from soglasie.services.common import Upload
from tests.conftest import T0
from tests.support.xlsx import workbook
from tests.test_directory_import import BAD_ROWS, RU_CSV, counterparties


@pytest.fixture
def database_url(sqlite_database):
    """The web layer on SQLite only: the SQL (both databases) is tests/test_directory_import.py's."""
    return sqlite_database


def check(auth, data: bytes, name: str, kind: str = "counterparties"):
    return auth.post(f"/admin/{kind}/import", {"action": "check", "file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


def staged_token(page: str) -> str:
    return re.search(r'name="staged" type="hidden" value="([0-9a-f]{32})"', page).group(1)


@pytest.mark.parametrize("language, words", [("en", ("new", "Import")), ("ru", ("новый", "Импортировать"))])
def test_check_shows_every_row_then_confirm_imports(auth, core, language, words):
    auth.login("admin")
    auth.client.post("/profile/language", data={"locale": language, "csrf_token": auth.token})
    before = counterparties(core)
    response = check(auth, RU_CSV.encode("cp1251"), "контрагенты.csv")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = page[page.index('data-testid="import-rows"'):]
    assert "7707083893" in rows and "500100732259" in rows and words[0] in rows and words[1] in page
    assert counterparties(core) == before  # the check writes nothing
    done = auth.post("/admin/counterparties/import", {"action": "import", "staged": staged_token(page)})
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/counterparties")
    assert "7707083893" in counterparties(core)
    again = auth.post("/admin/counterparties/import", {"action": "import", "staged": staged_token(page)})
    assert again.status_code == 422  # the checked file is imported once


def test_bad_rows_are_listed_and_no_confirm_is_offered(auth, core):
    auth.login("admin")
    auth.client.post("/profile/language", data={"locale": "en", "csrf_token": auth.token})
    response = check(auth, BAD_ROWS.encode("cp1251"), "bad.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "row 3: inn: Invalid INN: checksum mismatch." in page and "row 7: corr_account: " in page
    assert 'data-testid="import-confirm"' not in page


def test_an_unreadable_file_is_named_on_the_form(auth):
    auth.login("admin")
    auth.client.post("/profile/language", data={"locale": "en", "csrf_token": auth.token})
    response = check(auth, b"what;ever\n1;2\n", "items.csv", kind="cost-items")
    assert response.status_code == 400
    assert "the columns code, name are missing" in response.get_data(as_text=True)


def test_cost_items_from_xlsx(auth, core):
    auth.login("admin")
    page = check(auth, workbook([["Code", "Name"], ["TRAVEL", "Trips"]]), "items.xlsx", kind="cost-items")
    token = staged_token(page.get_data(as_text=True))
    done = auth.post("/admin/cost-items/import", {"action": "import", "staged": token})
    assert done.status_code == 303
    assert "TRAVEL" in auth.client.get("/admin/cost-items").get_data(as_text=True)


def test_a_staged_file_is_its_owners_only_and_expires(tmp_path):
    upload = Upload(b"code;name\nX;Y\n", "items.CSV")
    token = staged_uploads.stage(tmp_path, 7, upload, T0)
    assert staged_uploads.read(tmp_path, 8, token) is None and staged_uploads.read(tmp_path, 7, "../" + token) is None
    assert staged_uploads.read(tmp_path, 7, token) == Upload(upload.data, "staged.csv")
    staged_uploads.stage(tmp_path, 7, upload, T0 + staged_uploads.KEEP * 10**6)  # far later: the first one expired
    assert staged_uploads.read(tmp_path, 7, token) is None


@pytest.mark.parametrize("login", ["finance", "chief", "memployee"])
def test_only_the_admin_sees_the_page(auth, login):
    auth.login(login)
    assert auth.client.get("/admin/counterparties/import").status_code == 403
    assert check(auth, RU_CSV.encode("cp1251"), "a.csv").status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    assert client.get("/admin/cost-items/import").status_code in (302, 303)
