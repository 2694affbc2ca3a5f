"""Live reload: a good change is picked up, a broken one is logged and the last good rules stay."""

from __future__ import annotations

import logging
import os

import pytest

from soglasie.rulebook.loader import RuleBookError
from soglasie.rulebook.provider import RulesProvider
from tests.rulebook.rules_helpers import line_of, real_text


class FakeClock:
    """Monotonic seconds that only move when a test says so (no sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _write(directory, name: str, text: str, bump: int) -> None:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    stat = path.stat()  # a distinct mtime even when the test writes twice within one tick
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))


@pytest.fixture
def setup(rules_copy):
    directory = rules_copy()
    clock = FakeClock()
    return directory, clock, RulesProvider(directory, check_interval=1.0, clock=clock)


def test_a_good_change_is_picked_up_after_the_interval(setup):
    directory, clock, provider = setup
    first = provider.current()
    _write(directory, "payment.yaml", real_text("payment.yaml").replace("amount > 1000000", "amount > 2000000"), 1)
    assert provider.current() is first  # within the interval the files are not looked at
    clock.now += 1.0
    second = provider.current()
    assert second.version != first.version and provider.last_errors == ()
    assert second.process("payment").routing[0].when.source == "amount > 2000000"


def test_a_broken_change_keeps_the_last_good_rules_and_is_logged_once(setup, caplog):
    directory, clock, provider = setup
    good = provider.current()
    broken = real_text("payment.yaml").replace("    optional: true", "    optinal: true")
    _write(directory, "payment.yaml", broken, 1)
    clock.now += 1.0
    with caplog.at_level(logging.ERROR, logger="soglasie.rulebook.provider"):
        assert provider.current() is good
        clock.now += 5.0
        _write(directory, "payment.yaml", broken, 2)  # touched again, same bytes
        assert provider.current() is good
    (error,) = provider.last_errors
    line = line_of(broken, "optinal")
    message = "unknown key 'optinal' in a stage (did you mean 'optional'?)"
    assert str(error) == f"{directory / 'payment.yaml'}:{line}: {message}"
    assert len(caplog.records) == 1 and str(error) in caplog.records[0].getMessage()
    # Fixing the file brings the fix in; reverting to the good bytes clears the errors.
    _write(directory, "payment.yaml", real_text("payment.yaml"), 3)
    clock.now += 1.0
    assert provider.current().version == good.version and provider.last_errors == ()


def test_a_new_and_a_deleted_file_are_changes(setup):
    directory, clock, provider = setup
    before = provider.current()
    (directory / "requisition.yaml").unlink()
    clock.now += 1.0
    assert sorted(provider.current().processes) == ["contract", "payment"]
    _write(directory, "requisition.yaml", real_text("requisition.yaml"), 1)
    assert provider.reload().version == before.version


def test_a_broken_first_load_raises(rules_copy):
    directory = rules_copy({"calendar.yaml": "timezone: Nowhere/City\nworking_hours: {start: '09:00', end: '18:00'}\n"})
    with pytest.raises(RuleBookError) as raised:
        RulesProvider(directory)
    assert str(raised.value.errors[0]).endswith(
        "calendar.yaml:1: unknown time zone 'Nowhere/City' (e.g. Europe/Moscow)")


def test_passing_now_drives_the_throttle(setup):
    directory, clock, provider = setup
    first = provider.current(now=clock.now)
    _write(directory, "calendar.yaml", real_text("calendar.yaml") + "\n# touched\n", 1)
    assert provider.current(now=clock.now + 0.5) is first
    assert provider.current(now=clock.now + 1.5).version != first.version
