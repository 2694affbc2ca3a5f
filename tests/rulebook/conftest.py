"""Fixtures for the rules module: the repository's rules, and throwaway copies to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from soglasie.rulebook.loader import load_rulebook
from tests.rulebook.rules_helpers import RULES_DIR


@pytest.fixture(scope="session")
def rulebook():
    """The repository's rules, loaded once."""
    return load_rulebook(RULES_DIR)


@pytest.fixture
def rules_copy(tmp_path: Path):
    """A function returning a copy of the repository's rules with file texts replaced.

    `rules_copy({"payment.yaml": text})` writes `text` over the copy's payment.yaml (None
    deletes the file) and returns the directory.
    """
    def make(changes: dict[str, str | None] | None = None) -> Path:
        target = tmp_path / "rules"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(RULES_DIR, target)
        for name, text in (changes or {}).items():
            if text is None:
                (target / name).unlink()
            else:
                (target / name).write_text(text, encoding="utf-8")
        return target
    return make
