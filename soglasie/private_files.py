"""Files only their owner may read (mode 0600): passwords, keys and the SQLite database.

Created with the right mode from the start (never written first and restricted after), and
replaced atomically: a temporary file in the same directory, then a rename.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_MODE = 0o600


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` (mode 0600), replacing it atomically; a reader sees the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def create_private(path: Path) -> bool:
    """Create `path` empty with mode 0600 unless it exists (or its directory does not); True when created.

    SQLite creates its -wal and -shm files with the mode of the database file, so they stay private too.
    """
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE))
    except (FileExistsError, FileNotFoundError):
        return False
    return True
