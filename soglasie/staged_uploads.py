"""Uploads kept between a dry run and its confirmation (the portal's directory import).

The checked file waits under `DATA_DIR/staged/` (owner-only, mode 0600) as
`<user id>-<random token><extension>`: only the user who uploaded it can take it back, by a
token nobody can guess. It is discarded once imported; a file left waiting longer than `KEEP` is
removed when the next one is staged.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path

from soglasie.services.common import Upload

KEEP = dt.timedelta(days=1)
_TOKEN = re.compile(r"[0-9a-f]{32}")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")


def stage(root: Path, owner_id: int, upload: Upload, now: dt.datetime) -> str:
    """Keep `upload` for `owner_id`; returns the token that takes it back."""
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        if old.is_file() and old.stat().st_mtime < (now - KEEP).timestamp():
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    fd = os.open(root / f"{owner_id}-{token}{_suffix(upload.filename)}", os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(upload.data)
    return token


def read(root: Path, owner_id: int, token: str | None) -> Upload | None:
    """The upload `owner_id` staged under `token`; None if there is none (or it expired)."""
    path = _path(root, owner_id, token)
    return Upload(path.read_bytes(), "staged" + path.suffix) if path else None


def discard(root: Path, owner_id: int, token: str | None) -> None:
    """Remove the staged upload (once imported)."""
    path = _path(root, owner_id, token)
    if path:
        path.unlink(missing_ok=True)


def _path(root: Path, owner_id: int, token: str | None) -> Path | None:
    if not _TOKEN.fullmatch(token or "") or not root.is_dir():
        return None
    return next(root.glob(f"{owner_id}-{token}*"), None)


def _suffix(filename: str) -> str:
    suffix = Path(filename.lower()).suffix
    return suffix if _SUFFIX.fullmatch(suffix) else ""
