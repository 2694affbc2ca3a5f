"""Russian by default, English on request: every portal string is in the Russian catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from soglasie.services import profile
from webapp.catalogs import TRANSLATIONS, compile_catalogs

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None,
            "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}

@pytest.fixture
def database_url(sqlite_database):
    """Translations are the web layer's own: one backend is enough."""
    return sqlite_database



def _source_messages() -> set[tuple[str | None, str]]:
    found = set()
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.do"}}
    for _file, _line, message, _comments, context in extract_from_dir(
            str(WEBAPP), method_map, options, keywords=KEYWORDS):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_every_portal_string_has_a_russian_translation():
    with (TRANSLATIONS / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    translated = {(message.context, message.id) for message in catalog if message.id and message.string}
    missing = sorted(key for key in _source_messages() - translated if key[1])
    assert missing == [], "untranslated (see webapp/translations/README.md)"


def test_the_catalogs_compile():
    assert [path.parent.parent.name for path in compile_catalogs()] == ["ru"]


def test_pages_follow_the_users_language(auth, core, users, filed):
    auth.login("memployee")
    russian = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert "Согласование руководителем" in russian and "150\xa0000,00\xa0₽" in russian and "1 дек. 2026" in russian
    profile.set_locale(core, users["memployee"], "en")
    english = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert "Head approval" in english and "150,000.00\xa0₽" in english and "1 Dec 2026, 10:00" in english
    assert "Согласование руководителем" not in english


def test_english_pages_have_no_untranslated_russian_chrome(auth, core, users, filed):
    profile.set_locale(core, users["ops"], "en")
    auth.login("ops")
    for path in ("/", "/board", "/list", "/requests/new", "/profile", "/inbox", "/contracts/new", "/list?kind=contract",
                 "/board?kind=contract"):
        page = auth.client.get(path).get_data(as_text=True)
        assert 'lang="en"' in page
        assert "Мои дела" not in page and "Доска" not in page, path


def test_core_errors_come_in_the_users_language(auth, core, users, filed):
    profile.set_locale(core, users["mhead"], "en")
    auth.login("mhead")
    from tests.helpers import open_task

    task_id = open_task(core, users, filed, "head_approval")["id"]
    page = auth.post(f"/tasks/{task_id}/reject", {"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "A reason is required to reject." in page
