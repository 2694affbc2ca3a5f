"""The repository explains itself: no file points outside it, and the README opens with its two commands."""

from __future__ import annotations

import re
import subprocess

import pytest

from soglasie.settings import REPO_ROOT

# A citation of an outside document: the word SPEC in capitals (SPEC.md, SPEC "Rules", SPEC:),
# or a relative path out of the repository into a sibling directory.
OUTSIDE_REFERENCES = (
    ("the word SPEC", re.compile(r"\bSPEC\b")),
    ("a ../shared path", re.compile(r"\.\./shared")),
)
README_COMMANDS = [
    "make run    # sets up .venv, creates the database with the demo company, starts portal + Airflow + dispatcher",
    "make test   # sets up .venv and runs the whole test suite (SQLite and a throwaway PostgreSQL)",
]
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def tracked_files() -> list[str]:
    """Every file git tracks, outside tests/ (the tests may name what they forbid)."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    return sorted(name for name in listing.decode().split("\0") if name and not name.startswith("tests/"))


def outside_references(name: str, text: str) -> list[str]:
    """`file:line: what` for each reference to something outside the repository in `text`."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for what, pattern in OUTSIDE_REFERENCES:
            if pattern.search(line):
                found.append(f"{name}:{number}: {what}")
    return found


def first_code_block(markdown: str) -> list[str] | None:
    """The lines of the first fenced code block of `markdown` (None when there is none)."""
    match = _FENCE.search(markdown)
    return match.group(1).splitlines() if match else None


@pytest.mark.parametrize(("text", "expected"), [
    ('"""Filing a payment request (SPEC process 1)."""', ["f:1: the word SPEC"]),
    ("See [`../shared/SPEC.md`](../shared/SPEC.md).", ["f:1: the word SPEC", "f:1: a ../shared path"]),
    ("# SPEC: only working time counts", ["f:1: the word SPEC"]),
    ("ok\n{# (SPEC \"Access\") #}", ["f:2: the word SPEC"]),
    ("TASK_SPECS = {}  # a name that merely contains the letters", []),
    ("the spec of the API; a Spec object", []),
    ("see docs/rules.md, \"SLA\"", []),
])
def test_outside_references_are_recognised(text, expected):
    assert outside_references("f", text) == expected


@pytest.mark.parametrize(("markdown", "expected"), [
    ("# T\n\n```sh\na\nb\n```\n\n```\nc\n```\n", ["a", "b"]),
    ("# T\n\nno code here\n", None),
])
def test_first_code_block(markdown, expected):
    assert first_code_block(markdown) == expected


def test_no_tracked_file_points_outside_the_repository():
    problems = []
    for name in tracked_files():
        path = REPO_ROOT / name
        if not path.is_file():
            continue  # deleted in the work tree but not yet in the index
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary files (images) cite nothing
        problems.extend(outside_references(name, text))
    assert problems == []


def test_readme_opens_with_exactly_the_two_commands():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert first_code_block(readme) == README_COMMANDS
