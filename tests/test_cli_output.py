"""`soglasie` as a user runs it: a command prints its result and nothing on stderr; `-v` shows the logs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def soglasie(tmp_path, *argv: str, **variables: str) -> subprocess.CompletedProcess:
    """Run `python -m soglasie ARGV` on a fresh SQLite database in `tmp_path`."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(SOGLASIE_DATA_DIR=str(tmp_path / "data"), **variables)
    return subprocess.run([sys.executable, "-m", "soglasie", *argv], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("argv, stdout", [
    (["calendar", "add", "--from", "2024-02-22T09:00+03:00", "--hours", "8"], "2024-02-26T10:00:00+03:00\n"),
    (["init"], "Schema is up to date: sqlite:///{data}/soglasie.db\nSecret key created: {data}/secret_key\n"),
])
def test_a_command_prints_its_result_and_nothing_on_stderr(tmp_path, argv, stdout):
    result = soglasie(tmp_path, *argv)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == stdout.format(data=tmp_path / "data")


def test_verbose_shows_the_migration_log(tmp_path):
    result = soglasie(tmp_path, "-v", "init")
    assert result.returncode == 0
    assert "INFO alembic.runtime.migration: Running upgrade  -> 0001" in result.stderr


def test_a_second_init_keeps_the_key_and_secret_key_set_needs_no_file(tmp_path):
    soglasie(tmp_path, "init")
    key = (tmp_path / "data" / "secret_key").read_text()
    again = soglasie(tmp_path, "init")
    assert (again.returncode, again.stderr, "Secret key" in again.stdout) == (0, "", False)
    assert (tmp_path / "data" / "secret_key").read_text() == key
    elsewhere = tmp_path / "elsewhere"
    configured = soglasie(elsewhere, "init", SECRET_KEY="set-by-the-deployment")
    assert configured.returncode == 0 and not (elsewhere / "data" / "secret_key").exists()
