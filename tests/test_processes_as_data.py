"""Processes are data: no process id or stage id is written into the code or the templates.

Every surface asks the registry built from the rule files (docs/architecture.md, "Processes
as data"), so a new process is one rule file. This test reads every Python file and template
outside the rule files and the tests and fails on a string literal that names a process, a
stage, a terminal stage or a main document of the shipped or the test rules.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from soglasie.rulebook.loader import load_rulebook
from soglasie.settings import REPO_ROOT
from tests.support.rules import RULES_DIR

CODE_DIRS = ("soglasie", "webapp", "dags", "plugins", "devstack")
# Migrations are history: they describe the schema as it was, kinds included.
HISTORY = re.compile(r"soglasie/migrations/versions/")
# Literals that are the same word as a process id but are not about a process: JSON keys of
# the public card shape and keys of the rule-file format. Each pair is (file, literal).
NOT_A_PROCESS = {
    ("soglasie/services/views.py", "contract"),  # the card's "contract" key (the contract it is paid against)
    ("soglasie/rulebook/card_file.py", "contract"),  # the `card.contract` key of a process file
    ("webapp/cards/filing.py", "contract"),  # the new-card form's `?contract=N` query argument
}


def _names() -> set[str]:
    """Process ids, stage ids, terminals and document purposes of the shipped and the test rules."""
    names = set()
    for directory in (REPO_ROOT / "rules", RULES_DIR):
        for process in load_rulebook(directory).processes.values():
            names |= {process.id, process.terminal, *(stage.id for stage in process.stages)}
            if process.card.document is not None:
                names.add(process.card.document.purpose)
    return names


def _python_literals(path: Path):
    """(line, text) of every plain string literal in a Python file."""
    for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if token.type == tokenize.STRING and re.fullmatch(r"[rbuRBU]?(['\"])[a-z_]+\1", token.string):
            yield token.start[0], token.string[1:-1] if token.string[0] in "'\"" else token.string[2:-1]


def _template_literals(path: Path):
    """(line, text) of every quoted word inside a template's {{ }} / {% %} blocks."""
    text = path.read_text(encoding="utf-8")
    for block in re.finditer(r"\{[{%].*?[%}]\}", text, re.S):
        for literal in re.finditer(r"(['\"])([a-z_]+)\1", block.group(0)):
            yield text.count("\n", 0, block.start() + literal.start()) + 1, literal.group(2)


def _hits():
    names = _names()
    for directory in CODE_DIRS:
        for path in sorted((REPO_ROOT / directory).rglob("*")):
            relative = path.relative_to(REPO_ROOT).as_posix()
            if HISTORY.match(relative) or path.suffix not in (".py", ".html") or "/translations/" in relative:
                continue
            literals = _python_literals(path) if path.suffix == ".py" else _template_literals(path)
            for line, literal in literals:
                if literal in names and (relative, literal) not in NOT_A_PROCESS:
                    yield f"{relative}:{line}: {literal!r}"


def test_no_process_or_stage_is_named_in_code_or_templates():
    assert list(_hits()) == []


@pytest.mark.parametrize("source, found", [
    ('x = "paid"\n', ["paid"]),
    ("if card.kind == 'contract': pass\n", ["contract"]),
    ('y = "paid soon"  # "signed"\n', []),
])
def test_the_scanner_finds_quoted_python_literals(tmp_path, source, found):
    path = tmp_path / "sample.py"
    path.write_text(source, encoding="utf-8")
    assert [literal for _, literal in _python_literals(path) if literal in _names()] == found


def test_the_scanner_finds_template_literals(tmp_path):
    path = tmp_path / "sample.html"
    path.write_text('<p>paid</p>\n{% if card.stage == "paid" %}x{% endif %}\n', encoding="utf-8")
    assert list(_template_literals(path)) == [(2, "paid")]
