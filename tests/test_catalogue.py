"""Every text has its Russian: the core's catalogue (and the portal's) is complete, current and not fuzzy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from soglasie import i18n

ROOT = Path(__file__).resolve().parents[1]
CORE_POT = i18n.TRANSLATIONS / "soglasie.pot"
CORE_PO = i18n.TRANSLATIONS / "ru" / "LC_MESSAGES" / "soglasie.po"
PORTAL_PO = ROOT / "webapp" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
# The texts about cards name no process and no stage: they take the process's nouns (the registry).
PROCESS_NEUTRAL = ["soglasie/notifications", "soglasie/telegram_bot", "soglasie/services/digest.py",
                   "soglasie/process/notices.py", "soglasie/nouns.py", "soglasie/i18n.py"]
KIND_OR_STAGE = re.compile(r"""["'](payment|contract|requisition|head_approval|director_approval|finance_review|"""
                           r"""signing|signed|paid|manager_review|procurement|purchased)["']""")


def _read(path: Path):
    with path.open("rb") as source:
        return read_po(source, locale="ru")


def _source_messages() -> set[tuple[str | None, str]]:
    """What `pybabel extract -F babel-core.cfg` finds in the core, as (context, msgid)."""
    found = extract_from_dir(str(ROOT / "soglasie"), [("**.py", "soglasie.i18n:extract")], keywords=DEFAULT_KEYWORDS)
    return {(context, message if isinstance(message, str) else message[0])
            for _file, _line, message, _comments, context in found}


def _keys(catalog) -> set[tuple[str | None, str]]:
    return {(message.context, message.id) for message in catalog if message.id}


def test_the_committed_template_is_up_to_date_with_the_sources():
    assert _source_messages() == _keys(_read(CORE_POT)), "re-run pybabel extract (docs/operations.md, Translations)"


def test_every_core_message_has_a_russian_text():
    catalog = _read(CORE_PO)
    assert _keys(catalog) == _keys(_read(CORE_POT)), "re-run pybabel update (docs/operations.md, Translations)"
    untranslated = sorted(message.id for message in catalog if message.id and not message.string)
    assert untranslated == []


@pytest.mark.parametrize("po_path", [CORE_PO, PORTAL_PO], ids=["core", "portal"])
def test_no_message_is_fuzzy_or_breaks_its_placeholders(po_path):
    catalog = _read(po_path)
    assert not catalog.fuzzy
    assert sorted(message.id for message in catalog if message.id and message.fuzzy) == []
    assert [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()] == []
    assert list(catalog.obsolete) == []


def test_the_portal_has_no_empty_translation():
    catalog = _read(PORTAL_PO)
    assert sorted(message.id for message in catalog if message.id and not message.string) == []


def test_every_gendered_text_has_all_three_genders():
    catalog = _read(CORE_PO)
    by_id: dict[str, set[str]] = {}
    for message in catalog:
        if message.context in i18n.GENDERS:
            by_id.setdefault(message.id, set()).add(message.context)
    assert by_id and all(contexts == set(i18n.GENDERS) for contexts in by_id.values())


def test_the_compiled_catalogue_is_what_the_core_reads():
    i18n._russian.cache_clear()
    assert i18n._("Done.").get("ru") == "Готово." and i18n._("Done.").get("en") == "Done."
    assert i18n._("Done.").get(None) == "Готово."  # Russian is the default language


@pytest.mark.parametrize("path", PROCESS_NEUTRAL)
def test_texts_about_cards_name_no_process_and_no_stage(path):
    files = [ROOT / path] if path.endswith(".py") else sorted((ROOT / path).rglob("*.py"))
    found = [f"{file.relative_to(ROOT)}:{number}: {line.strip()}" for file in files
             for number, line in enumerate(file.read_text().splitlines(), 1) if KIND_OR_STAGE.search(line)]
    assert found == []
