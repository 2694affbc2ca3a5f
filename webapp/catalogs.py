"""Compiling the portal's translations (.po → .mo) when an install skipped `make setup`'s `pybabel compile`."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).parent / "translations"
log = logging.getLogger(__name__)


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every messages.po under `directory` into the messages.mo next to it."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        # Write then rename: portal workers starting together never read a half-written catalog.
        with tempfile.NamedTemporaryFile(dir=mo_path.parent, delete=False) as target:
            write_mo(target, catalog)
        os.chmod(target.name, 0o644)  # a temporary file starts private; a catalog is for every reader
        os.replace(target.name, mo_path)
        written.append(mo_path)
    return written


def ensure_compiled(directory: Path = TRANSLATIONS) -> None:
    """Compile when a .mo is missing or older than its .po (an install that skipped `make setup`).

    A read-only installation keeps whatever it has: the portal then shows English texts
    rather than failing to start.
    """
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            try:
                compile_catalogs(directory)
            except OSError as error:
                log.warning("cannot compile the translations in %s: %s", directory, error)
            return

