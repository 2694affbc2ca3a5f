"""Settings are a pure read of the environment; `create_secret_key` is the one writer of the key file."""

from __future__ import annotations

import stat

import pytest

from soglasie.secret_key import create_secret_key, read_secret_key, secret_key_path
from soglasie.settings import Settings, SettingsError


def _env(tmp_path, **variables) -> dict[str, str]:
    return {"SOGLASIE_DATA_DIR": str(tmp_path / "data"), **variables}


def test_reading_settings_writes_nothing_and_says_how_to_get_a_key(tmp_path):
    settings = Settings.from_env(_env(tmp_path))
    assert settings.secret_key is None and list(tmp_path.iterdir()) == []
    with pytest.raises(SettingsError, match=r"SECRET_KEY is not set and .*data/secret_key does not exist; "
                                            r"run `soglasie init`"):
        settings.require_secret_key()


@pytest.mark.parametrize("environment, file_key, expected", [
    ({}, "from-the-file", "from-the-file"),
    ({"SECRET_KEY": "from-the-env"}, "from-the-file", "from-the-env"),
    ({"SECRET_KEY": "from-the-env"}, None, "from-the-env"),
    ({}, "", None),  # an empty file is no key
])
def test_the_key_comes_from_secret_key_else_the_data_directorys_file(tmp_path, environment, file_key, expected):
    if file_key is not None:
        (tmp_path / "data").mkdir()
        secret_key_path(tmp_path / "data").write_text(file_key + "\n")
    assert Settings.from_env(_env(tmp_path, **environment)).secret_key == expected


def test_init_s_key_file_is_private_and_never_replaced(tmp_path):
    data_dir = tmp_path / "data"
    assert create_secret_key(data_dir) is True
    key = read_secret_key(data_dir)
    assert key and len(key) == 64
    assert stat.S_IMODE(secret_key_path(data_dir).stat().st_mode) == 0o600
    assert create_secret_key(data_dir) is False and read_secret_key(data_dir) == key
    assert [path.name for path in data_dir.iterdir()] == ["secret_key"]  # no temporary file left behind


@pytest.mark.parametrize("raw, expected", [(None, 0), ("", 0), ("0", 0), ("2", 2), (" 1 ", 1)])
def test_trusted_proxies_is_a_count_that_defaults_to_none(tmp_path, raw, expected):
    environment = {} if raw is None else {"SOGLASIE_TRUSTED_PROXIES": raw}
    assert Settings.from_env(_env(tmp_path, **environment)).trusted_proxies == expected


@pytest.mark.parametrize("raw, message", [
    ("-1", "SOGLASIE_TRUSTED_PROXIES must be zero or more, got -1"),
    ("two", "SOGLASIE_TRUSTED_PROXIES must be a whole number, got 'two'"),
    ("1.5", "SOGLASIE_TRUSTED_PROXIES must be a whole number, got '1.5'"),
])
def test_a_bad_trusted_proxies_value_is_refused_by_name(tmp_path, raw, message):
    with pytest.raises(SettingsError) as error:
        Settings.from_env(_env(tmp_path, SOGLASIE_TRUSTED_PROXIES=raw))
    assert str(error.value) == message


@pytest.mark.parametrize("raw, expected", [(None, "data/bank/inbox"), ("", "data/bank/inbox"), ("drop", "drop")])
def test_the_bank_inbox_defaults_to_the_data_directory(tmp_path, raw, expected):
    environment = {"SOGLASIE_DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "k"}
    if raw is not None:
        environment["SOGLASIE_BANK_INBOX"] = str(tmp_path / raw) if raw else ""
    assert Settings.from_env(environment).bank_inbox_dir == (tmp_path / expected).resolve()
