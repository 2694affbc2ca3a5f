"""Settings of one Soglasie process, built once from the environment by each entry point."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from soglasie.secret_key import read_secret_key, secret_key_path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MIN_SECRET_KEY_BYTES = 32  # sessions and Telegram buttons are signed with it: no short, guessable keys


class SettingsError(ValueError):
    """A configuration variable has a value Soglasie cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable; code below the entry points receives this, never os.environ."""

    database_url: str
    data_dir: Path
    rules_dir: Path
    secret_key: str | None  # None: neither SECRET_KEY nor <data dir>/secret_key (see require_secret_key)
    portal_url: str = "http://127.0.0.1:5000"
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    trusted_proxies: int = 0  # reverse proxies in front of the portal whose X-Forwarded-* to trust
    telegram_bot_token: str | None = None
    telegram_api_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_bot_username: str | None = None
    backup_dir: Path | None = None  # None: <data dir>/backups (the nightly `backup` DAG)
    backup_keep: int = 7  # how many nightly backups the `backup` DAG keeps
    bank_inbox: Path | None = None  # None: <data dir>/bank/inbox (see bank_inbox_dir)
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def attachments_dir(self) -> Path:
        """Where uploaded files are stored, by content hash."""
        return self.data_dir / "attachments"

    @property
    def backups_dir(self) -> Path:
        """Where the nightly backups go: SOGLASIE_BACKUP_DIR, else <data dir>/backups."""
        return self.backup_dir or self.data_dir / "backups"

    @property
    def bank_inbox_dir(self) -> Path:
        """The folder the `bank_statement_import` DAG polls for statements (processed/ and failed/ beside it)."""
        return self.bank_inbox or self.data_dir / "bank" / "inbox"

    @property
    def telegram_enabled(self) -> bool:
        """Telegram is on only when a bot token is configured."""
        return bool(self.telegram_bot_token)

    def require_secret_key(self) -> str:
        """The secret key (it signs sessions and Telegram buttons): at least MIN_SECRET_KEY_BYTES long."""
        if not self.secret_key:
            raise SettingsError(f"no secret key: SECRET_KEY is not set and {secret_key_path(self.data_dir)} "
                                "does not exist; run `soglasie init` to create it, or set SECRET_KEY")
        size = len(self.secret_key.encode())
        if size < MIN_SECRET_KEY_BYTES:
            raise SettingsError(f"the secret key is too short: {size} bytes, at least {MIN_SECRET_KEY_BYTES} are "
                                "required (a guessable key lets anyone forge sessions and Telegram buttons); set "
                                "SECRET_KEY to e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`, or "
                                f"remove {secret_key_path(self.data_dir)} and run `soglasie init` to write a new one")
        return self.secret_key

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read the documented environment variables, with working embedded-mode defaults; writes nothing."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("SOGLASIE_DATA_DIR") or REPO_ROOT / "var").resolve()
        rules_dir = rules_dir_from_env(env)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'soglasie.db'}"
        return cls(
            database_url=database_url,
            data_dir=data_dir,
            rules_dir=rules_dir,
            secret_key=env.get("SECRET_KEY") or read_secret_key(data_dir),
            portal_url=(env.get("SOGLASIE_PORTAL_URL") or cls.portal_url).rstrip("/"),
            max_upload_bytes=_whole_number(env, "SOGLASIE_MAX_UPLOAD_MB", 20) * 1024 * 1024,
            trusted_proxies=_whole_number(env, "SOGLASIE_TRUSTED_PROXIES", 0, allow_zero=True),
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
            telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME") or None,
            backup_dir=Path(env["SOGLASIE_BACKUP_DIR"]).resolve() if env.get("SOGLASIE_BACKUP_DIR") else None,
            backup_keep=_whole_number(env, "SOGLASIE_BACKUP_KEEP", 7),
            bank_inbox=Path(env["SOGLASIE_BANK_INBOX"]).resolve() if env.get("SOGLASIE_BANK_INBOX") else None,
        )

    def with_overrides(self, **changes) -> "Settings":
        """A copy with some fields replaced (tests, the CLI's --database option)."""
        return replace(self, **changes)


def rules_dir_from_env(environ: Mapping[str, str] | None = None) -> Path:
    """`SOGLASIE_RULES_DIR`, else the repository's `rules/` — for commands that need nothing more."""
    env = os.environ if environ is None else environ
    return Path(env.get("SOGLASIE_RULES_DIR") or REPO_ROOT / "rules").resolve()


def _whole_number(env: Mapping[str, str], name: str, default: int, allow_zero: bool = False) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise SettingsError(f"{name} must be {'zero or more' if allow_zero else 'positive'}, got {value}")
    return value
