"""Helpers shared by the rules tests (time in Moscow, the repository's rule files)."""

from __future__ import annotations

import datetime as dt
import textwrap
from zoneinfo import ZoneInfo

from soglasie.settings import REPO_ROOT

MSK = ZoneInfo("Europe/Moscow")
RULES_DIR = REPO_ROOT / "rules"
# The smallest valid process file: one stage, one task, a terminal.
MINIMAL = textwrap.dedent("""\
    process: demo
    title: Demo
    stages:
      - id: review
        title: Review
        tasks:
          - kind: approval
            title: Approve
            assignee: {role: finance_manager}
            actions: [approve, reject]
    terminal: {id: done, title: Done}
    """)
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=MSK)  # a Tuesday morning; decisions ignore it


def msk(*parts: int) -> dt.datetime:
    """A Moscow wall-clock instant."""
    return dt.datetime(*parts, tzinfo=MSK)


def real_text(name: str) -> str:
    """The text of one of the repository's rule files."""
    return (RULES_DIR / name).read_text(encoding="utf-8")


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th line containing `marker` in `text` (-1: the last)."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if marker in line]
    return found[occurrence - 1 if occurrence > 0 else occurrence]
