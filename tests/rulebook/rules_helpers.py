"""Helpers shared by the rules tests (time in Moscow, the repository's rule files)."""

from __future__ import annotations

import datetime as dt
import textwrap
from zoneinfo import ZoneInfo

from tests.support.rules import RULES_DIR

MSK = ZoneInfo("Europe/Moscow")
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=MSK)  # a Tuesday morning; decisions ignore it


# The keys every process file needs for the surfaces (nouns, card fields, URL paths); tests that
# write a process file from scratch append them at the end so their line numbers stay put.
SURFACE_KEYS = """\
nouns:
  ru: {one: "заявка", many: "заявки", short: "заявка", short_many: "заявки", accusative: "заявку",
       genitive: "заявки", gender: feminine}
  en: {one: "request", many: "requests", short: "request", short_many: "requests"}
card: {amount: required, cost_item: optional}
portal: {path: PATH}
api: {path: PATH}
"""


def surface_keys(path: str) -> str:
    """SURFACE_KEYS with the process's URL path."""
    return SURFACE_KEYS.replace("PATH", path)


# The smallest valid process file: one stage, one task, a terminal (and the surface keys).
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
    """) + surface_keys("demo")


def msk(*parts: int) -> dt.datetime:
    """A Moscow wall-clock instant."""
    return dt.datetime(*parts, tzinfo=MSK)


def real_text(name: str) -> str:
    """The text of one of the test rule files (copies of the shipped ones)."""
    return (RULES_DIR / name).read_text(encoding="utf-8")


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th line containing `marker` in `text` (-1: the last)."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if marker in line]
    return found[occurrence - 1 if occurrence > 0 else occurrence]
