"""The production calendar on the admin's rules page: the year as month grids, the next-year banner."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest

from soglasie.rulebook.provider import RulesProvider
from soglasie.services import profile
from tests.conftest import MSK


@pytest.fixture
def database_url(sqlite_database):
    """A page over the rule files: one backend is enough."""
    return sqlite_database


def _cell(page: str, date: str) -> str:
    """The class attribute of the calendar cell of `date`."""
    match = re.search(rf'<td class="([^"]+)" data-date="{date}"', page)
    assert match, date
    return match.group(1)


def _page(auth, query: str = "") -> str:
    auth.login("admin")
    response = auth.client.get("/admin/rules" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("date, classes", [
    ("2024-02-22", "day day-shortened"),  # the eve of 23 February
    ("2024-02-23", "day day-holiday"),
    ("2024-04-27", "day day-weekend_work day-moved"),  # a Saturday worked for Monday 29 April
    ("2024-04-29", "day day-transfer"),
    ("2024-11-02", "day day-shortened day-moved"),  # a working Saturday, shortened (eve of 4 November)
    ("2024-11-03", "day day-weekend"),
    ("2024-12-02", "day day-working"),
])
def test_the_year_is_shown_day_by_day(auth, date, classes):
    page = _page(auth, "?year=2024")
    assert _cell(page, date) == classes
    assert page.count('class="calendar-month"') == 12
    assert "Производственный календарь 2024" in page
    assert "Рабочих дней: 248, рабочих часов: 1979 (40-часовая неделя)" in page


def test_the_year_defaults_to_the_current_one_and_bad_years_fall_back(auth):
    assert 'data-date="2026-04-30"' in _page(auth) and _cell(_page(auth), "2026-04-30") == "day day-shortened"
    for query in ("?year=abc", "?year=99999"):
        assert 'data-date="2026-01-01"' in _page(auth, query)


@pytest.mark.parametrize("locale, texts", [
    ("ru", ["Производственный календарь 2024", "сокращённый день (на час короче)", "рабочий выходной (перенос)",
            "выходной (перенос)", "праздник", "Январь", "Пн", "День защитника Отечества"]),
    ("en", ["Production calendar 2024", "shortened day (an hour less)", "working weekend day (transfer)",
            "day off (transfer)", "public holiday", "January", "Mo", "Defender of the Fatherland Day"]),
])
def test_the_legend_and_names_in_both_languages(auth, core, users, locale, texts):
    profile.set_locale(core, users["admin"], locale)
    page = _page(auth, "?year=2024")
    for text in texts:
        assert text in page, text


def test_only_the_admin_sees_it(auth):
    auth.login("mhead")
    assert auth.client.get("/admin/rules?year=2024").status_code == 403


@pytest.mark.parametrize("now, banner", [
    (dt.datetime(2027, 10, 31, 23, 0, tzinfo=MSK), False),  # before November
    (dt.datetime(2027, 11, 1, 9, 0, tzinfo=MSK), True),  # 2028's decree is not in the package
    (dt.datetime(2026, 11, 15, 9, 0, tzinfo=MSK), False),  # the package knows 2027
])
def test_the_banner_from_november_when_next_year_is_unknown(auth, clock, now, banner):
    clock.now = now
    page = _page(auth)
    assert ('data-testid="calendar-banner"' in page) is banner
    assert ("soglasie calendar import FILE" in page) is banner
    assert ("Производственный календарь на 2028 год ещё неизвестен." in page) is banner


def test_the_banner_goes_once_next_year_is_imported(auth, core, clock, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(core.settings.rules_dir, rules)
    (rules / "calendar-2028.yaml").write_text("year: 2028\ndays_off:\n  2028-01-03: New Year\n", encoding="utf-8")
    core.rules = RulesProvider(rules, check_interval=0)
    clock.now = dt.datetime(2027, 11, 1, 9, 0, tzinfo=MSK)
    page = _page(auth, "?year=2028")
    assert 'data-testid="calendar-banner"' not in page
    assert "calendar-2028.yaml" in page and _cell(page, "2028-01-03") == "day day-holiday"
