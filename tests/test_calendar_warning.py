"""The morning digest tells the admins, once a week from 1 November, that next year's calendar is missing."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select

from soglasie.models import OutboxMessage
from soglasie.rulebook.provider import RulesProvider
from soglasie.services import profile
from soglasie.services.digest import calendar_warning, morning_digest
from tests.conftest import MSK
from tests.helpers import inbox


def _at(month: int, day: int, year: int = 2027) -> dt.datetime:
    return dt.datetime(year, month, day, 9, 0, tzinfo=MSK)


def _warnings(core) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "calendar_missing"))


# The holidays package knows the decrees up to 2027; 2028's is not published yet.
@pytest.mark.parametrize("runs, told", [
    ([_at(10, 29)], [0]),  # before November: too early
    ([_at(11, 16, 2026)], [0]),  # the package knows 2027
    ([_at(11, 1)], [1]),
    ([_at(11, 1), _at(11, 1), _at(11, 3), _at(11, 7)], [1, 0, 0, 0]),  # a retry, later days of the same week
    ([_at(11, 1), _at(11, 8), _at(11, 15), _at(12, 31)], [1, 1, 1, 1]),  # once a week, until fixed
    ([_at(11, 6)], [1]),  # the first run of the week, even on a Saturday off
])
def test_once_a_week_from_november(core, users, runs, told):
    assert [calendar_warning(core, now) for now in runs] == told
    assert _warnings(core) == sum(told)


def test_the_digest_counts_it_and_the_admin_reads_the_command(core, users):
    assert morning_digest(core, _at(11, 1))["calendar_warnings"] == 1
    message = inbox(core, users, "admin")[0]
    assert message["kind"] == "calendar_missing"
    assert "Производственный календарь на 2028 год ещё неизвестен" in message["text"]
    assert "soglasie calendar import FILE" in message["text"]
    assert inbox(core, users, "mhead") == []  # admins only
    assert morning_digest(core, _at(11, 6))["calendar_warnings"] == 0  # Saturday: skipped, already told


def test_in_english_for_an_english_admin(core, users):
    profile.set_locale(core, users["admin"], "en")
    calendar_warning(core, _at(11, 1))
    assert inbox(core, users, "admin")[0]["text"].startswith(
        "The production calendar of 2028 is not known yet: its transfer decree is neither in the holidays package")


def test_an_imported_year_stops_it(core, users, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(core.settings.rules_dir, rules)
    (rules / "calendar-2028.yaml").write_text("year: 2028\ndays_off:\n  2028-01-03: New Year\n", encoding="utf-8")
    core.rules = RulesProvider(rules, check_interval=0)
    assert calendar_warning(core, _at(11, 1)) == 0 and _warnings(core) == 0
