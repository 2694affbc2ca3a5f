"""The last good rules across restarts: versions stored in the database, a fresh process falls back on them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import select

from soglasie.cli import main
from soglasie.core import Core
from soglasie.models import RulesVersion, User
from soglasie.rulebook.errors import RuleBookError
from soglasie.settings import REPO_ROOT
from tests.conftest import T0
from tests.support.rules import RULES_DIR
from webapp import create_app
from webapp.auth.identity import session_key

BROKEN = "processes: [\n  - this is: not a process\n"


@pytest.fixture
def rules_dir(tmp_path):
    """A copy of the test rules the test may break and fix."""
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


@pytest.fixture
def live(settings, rules_dir):
    """A process that started on good files: its version is stored. Returns (settings, version)."""
    settings = settings.with_overrides(rules_dir=rules_dir)
    core = Core.from_settings(settings)
    version = core.rulebook.version
    core.db.dispose()
    return settings, version


def _env(settings) -> dict[str, str]:
    return {"DATABASE_URL": settings.database_url, "SOGLASIE_DATA_DIR": str(settings.data_dir),
            "SOGLASIE_RULES_DIR": str(settings.rules_dir), "SECRET_KEY": settings.secret_key}


def _sweep_in_a_new_process(settings) -> subprocess.CompletedProcess:
    env = {**os.environ, **_env(settings), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "soglasie", "sweep", "--now", T0.isoformat(), "--json"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)


def _stored(settings) -> list[tuple[str, str]]:
    core = Core.from_settings(settings)
    try:
        with core.db.read() as session:
            rows = session.scalars(select(RulesVersion).order_by(RulesVersion.id))
            return [(row.version, row.loaded_by) for row in rows]
    finally:
        core.db.dispose()


def _break(settings) -> None:
    (settings.rules_dir / "payment.yaml").write_text(BROKEN, encoding="utf-8")


def _fix(settings) -> str:
    """Good files again, with a change (a comment): a new version."""
    shutil.copy(RULES_DIR / "payment.yaml", settings.rules_dir / "payment.yaml")
    with (settings.rules_dir / "payment.yaml").open("a", encoding="utf-8") as stream:
        stream.write("\n# fixed\n")
    return settings.rules_dir


def test_a_version_is_stored_once_when_it_goes_live_and_history_lists_it(live, monkeypatch, capsys):
    settings, version = live
    Core.from_settings(settings).db.dispose()  # a second process on the same files adds nothing
    assert [stored for stored, _ in _stored(settings)] == [version]
    for name, value in _env(settings).items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    assert main(["rules", "history"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert f"  {version}  4 files  " in line and f"pid {os.getpid()}" in line


def test_a_sweep_started_while_the_files_are_broken_runs_on_the_stored_version_then_picks_up_the_fix(live):
    settings, version = live
    _break(settings)
    broken = _sweep_in_a_new_process(settings)
    assert broken.returncode == 0, broken.stderr
    assert f"running on the last good version {version} stored in the database" in broken.stderr
    assert "payment.yaml:" in broken.stderr  # and says what is wrong, file:line
    _fix(settings)
    fixed = Core.from_settings(settings)  # the next process to start runs on the files again, and stores them
    assert fixed.rules.fallback is None and fixed.rulebook.version != version
    fixed.db.dispose()
    assert [stored for stored, _ in _stored(settings)] == [version, fixed.rulebook.version]


def test_without_a_stored_version_broken_files_still_stop_the_process(settings, rules_dir):
    settings = settings.with_overrides(rules_dir=rules_dir)
    _break(settings)
    with pytest.raises(RuleBookError, match="payment.yaml"):
        Core.from_settings(settings)


def test_rules_check_says_which_stored_version_stays_in_force_and_still_exits_1(live, monkeypatch, capsys):
    settings, version = live
    _break(settings)
    for name, value in _env(settings).items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    assert main(["rules", "check"]) == 1
    out = capsys.readouterr().out
    assert "payment.yaml:" in out and f"the last good rules version {version}, stored in the database" in out


def test_a_fresh_portal_on_broken_files_runs_on_the_stored_version_and_shows_it_until_the_files_are_fixed(
        live, users):
    settings, version = live
    _break(settings)
    app = create_app({"SOGLASIE_SETTINGS": settings, "TESTING": True})
    core = app.extensions["soglasie"]
    try:
        assert core.rulebook.version == version and core.rules.fallback.version == version
        page = _rules_page(app, users)
        assert 'data-testid="rules-fallback"' in page and version in page and "payment.yaml" in page
        _fix(settings)
        new_version = core.rules.reload().version
        assert new_version != version and core.rules.fallback is None and not core.rules.last_errors
        page = _rules_page(app, users)
        assert 'data-testid="rules-fallback"' not in page and new_version in page
        assert [stored for stored, _ in _stored(settings)] == [version, new_version]
    finally:
        core.db.dispose()


def _rules_page(app, users) -> str:
    client = app.test_client()
    core = app.extensions["soglasie"]
    with core.db.read() as session:
        admin = session.get(User, users["admin"])
        key = f"{admin.id}:{session_key(admin)}"
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = key, True
    response = client.get("/admin/rules")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_init_stores_the_version_of_a_fresh_installation(tmp_path, rules_dir, monkeypatch, capsys):
    monkeypatch.setenv("SOGLASIE_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.setenv("SOGLASIE_RULES_DIR", str(rules_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["rules", "history"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert "  4 files  " in line
