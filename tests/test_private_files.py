"""Secrets stay secret (issue 11, points 2 and 8): key length, private file modes, plain HTTP warnings."""

from __future__ import annotations

import os

import pytest

from soglasie.db import Database
from soglasie.private_files import write_private
from soglasie.secret_key import secret_key_path
from soglasie.settings import Settings, SettingsError
from webapp.security import CSP, plain_http_warning


def _mode(path) -> int:
    return os.stat(path).st_mode & 0o777


@pytest.mark.parametrize("key", ["short", "x" * 31, "ключ" * 7])  # "ключ" × 7: 28 characters, 56 bytes (kept)
def test_a_key_under_32_bytes_is_refused_at_start_with_a_clear_message(tmp_path, key):
    settings = Settings.from_env({"SOGLASIE_DATA_DIR": str(tmp_path), "SECRET_KEY": key})
    if len(key.encode()) >= 32:
        assert settings.require_secret_key() == key
        return
    with pytest.raises(SettingsError, match=rf"too short: {len(key.encode())} bytes, at least 32"):
        settings.require_secret_key()


def test_a_short_key_file_is_refused_too_and_named(tmp_path):
    secret_key_path(tmp_path).write_text("0123456789\n")
    with pytest.raises(SettingsError, match=str(secret_key_path(tmp_path))):
        Settings.from_env({"SOGLASIE_DATA_DIR": str(tmp_path)}).require_secret_key()


def test_the_portal_refuses_to_start_on_a_short_key(tmp_path):
    from webapp import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db'}", data_dir=tmp_path, rules_dir=tmp_path,
                        secret_key="tiny")
    with pytest.raises(SettingsError, match="too short"):
        create_app({"SOGLASIE_SETTINGS": settings})


def test_a_new_sqlite_database_and_its_wal_are_private(tmp_path):
    database = Database.from_url(f"sqlite:///{tmp_path / 'soglasie.db'}")
    with database.write() as session:
        session.connection().exec_driver_sql("CREATE TABLE t (x)")
    for name in ("soglasie.db", "soglasie.db-wal", "soglasie.db-shm"):
        if (tmp_path / name).exists():
            assert _mode(tmp_path / name) == 0o600, name
    database.dispose()
    assert _mode(tmp_path / "soglasie.db") == 0o600


def test_private_files_are_replaced_atomically_and_stay_private(tmp_path):
    path = tmp_path / "passwords.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_private(path, "new")
    assert path.read_text() == "new" and _mode(path) == 0o600
    assert [item.name for item in tmp_path.iterdir()] == ["passwords.json"]  # no temporary file left


@pytest.mark.parametrize(("host", "url", "warned"), [
    ("127.0.0.1", "http://127.0.0.1:5000", False),
    ("localhost", "http://localhost:5000", False),
    ("::1", "http://[::1]:5000", False),
    ("0.0.0.0", "http://soglasie.example.com", True),
    ("192.168.1.10", "http://192.168.1.10:5000", True),
    ("", "http://127.0.0.1:5000", True),
    ("0.0.0.0", "https://soglasie.example.com", False),  # TLS at the proxy in front
])
def test_a_portal_reachable_over_plain_http_warns(host, url, warned):
    warning = plain_http_warning(host, url)
    assert (warning is not None) == warned
    if warned:
        assert "plain HTTP" in warning and "127.0.0.1" in warning


def test_todays_content_security_policy_is_kept():
    """Every asset is a file under /static: no inline script or style, no framing, no plugins."""
    assert CSP == ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
                   "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                   "frame-ancestors 'none'")
