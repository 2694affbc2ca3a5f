"""The embedded mode's secret key file, `<data dir>/secret_key`: read by Settings, created by `soglasie init`.

Sessions, API-token hashes and signed Telegram buttons must survive restarts and be the same in
every process of one installation, so a random per-process key will not do: one key is written
once and every process reads it (unless SECRET_KEY is set).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

FILE_NAME = "secret_key"


def secret_key_path(data_dir: Path) -> Path:
    """Where the key file of a data directory lives."""
    return data_dir / FILE_NAME


def read_secret_key(data_dir: Path) -> str | None:
    """The key in the data directory, or None when there is none yet (reading never creates it)."""
    try:
        key = secret_key_path(data_dir).read_text().strip()
    except FileNotFoundError:
        return None
    return key or None


def create_secret_key(data_dir: Path) -> bool:
    """Write a new random key, readable by its owner only; False (and nothing changed) if one exists.

    The key is written to a temporary file in the same directory and then linked into place, so a
    reader never sees half a key and a concurrent `init` never replaces a key already in use.
    """
    path = secret_key_path(data_dir)
    if path.exists():
        return False
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=f".{FILE_NAME}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        return _move_into_place(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _move_into_place(temporary: str, path: Path) -> bool:
    try:
        os.link(temporary, path)  # atomic, and fails rather than overwrite
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: replace, after checking once more
        if path.exists():
            return False
        os.replace(temporary, path)
    return True
