"""Broken and hostile rule files: `soglasie rules check` names each as `file:line: what is wrong`, exits 1,
runs nothing from the file, and leaves every rule file byte-for-byte as it was.
"""

from __future__ import annotations

import hashlib
import re
import shutil

import pytest

from soglasie.cli import main
from tests.support.rules import RULES_DIR

PAYMENT = (RULES_DIR / "payment.yaml").read_text(encoding="utf-8")


def replaced(old: str, new: str) -> str:
    assert old in PAYMENT, old
    return PAYMENT.replace(old, new, 1)


BROKEN = [
    pytest.param("payment.yaml", "", id="empty"),
    pytest.param("payment.yaml", "stages: [unclosed\n", id="yaml-unclosed"),
    pytest.param("payment.yaml", "\tprocess: payment\n", id="tab-indent"),
    pytest.param("payment.yaml", "- a\n- b\n", id="top-level-list"),
    pytest.param("payment.yaml", b"\x00\xff\xfe\x00garbage", id="binary"),
    pytest.param("payment.yaml", "process: payment\n" + "x: " + "[" * 5000 + "]" * 5000 + "\n", id="nested-5000"),
    pytest.param("payment.yaml", "!!python/object/apply:os.system [\"touch /tmp/pwned\"]\n", id="python-object-tag"),
    pytest.param("payment.yaml", replaced("when: amount > 1000000", "when: __import__('os').system('id')"),
                 id="condition-python-code"),
    pytest.param("payment.yaml", replaced("when: amount > 1000000", "when: amount >"), id="condition-incomplete"),
    pytest.param("payment.yaml", replaced("when: amount > 1000000", "when: amount > 1e309"), id="condition-infinity"),
    pytest.param("payment.yaml", replaced("when: amount > 1000000", "when: amount > 1000000 and"),
                 id="condition-dangling-and"),
    pytest.param("payment.yaml", replaced("when: amount > 1000000", "when: password_hash == \"x\""),
                 id="condition-unknown-field"),
    pytest.param("payment.yaml", replaced("add_stages: [director_approval]", "add_stages: [nowhere]"),
                 id="routing-unknown-stage"),
    pytest.param("payment.yaml", replaced("check_every: 4h", "check_every: -4h"), id="sla-negative-duration"),
    pytest.param("payment.yaml", replaced("check_every: 4h", "check_every: forever"), id="sla-words"),
    pytest.param("payment.yaml", replaced('cutoff: "13:00"', 'cutoff: "25:61"'), id="cutoff-hour-25"),
    pytest.param("payment.yaml", replaced("assignee: initiator_head", "assignee: {user: nobody, role: x}"),
                 id="assignee-two-kinds"),
    pytest.param("payment.yaml", replaced("  - id: head_approval", "  - id: head_approval\n    id: twice"),
                 id="duplicate-key"),
    pytest.param("payment.yaml", replaced("process: payment", "process: contract"), id="process-id-taken"),
    pytest.param("payment.yaml", replaced("api: {path: payment-requests}", "api: {path: tasks}"),
                 id="api-path-of-a-fixed-route"),
    pytest.param("payment.yaml", replaced("api: {path: payment-requests}", "api: {path: \"../admin\"}"),
                 id="api-path-traversal"),
    pytest.param("payment.yaml", replaced("stages:\n", "stages: head_approval\nold_stages:\n"), id="stages-a-text"),
    pytest.param("payment.yaml", PAYMENT.encode("utf-16"), id="utf-16"),
    pytest.param("calendar.yaml", "timezone: Mars/Olympus_Mons\n", id="calendar-unknown-zone"),
    pytest.param("evil.yaml", "process: evil\n" + "a: &a [" + ",".join(["*a"] * 3) + "]\n", id="recursive-alias"),
]


def _hashes(directory) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


@pytest.mark.parametrize(("name", "text"), BROKEN)
def test_a_broken_rule_file_is_named_with_its_line_and_nothing_runs(tmp_path, capsys, name, text):
    directory = tmp_path / "rules"
    shutil.copytree(RULES_DIR, directory)
    target = directory / name
    target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    before = _hashes(directory)
    code = main(["rules", "check", str(directory)])
    out = capsys.readouterr().out
    assert code == 1, out
    lines = out.splitlines()
    assert lines and all(re.match(rf"{re.escape(str(directory))}/[\w.-]+:\d+: \S", line) for line in lines), out
    assert any(line.startswith(f"{target}:") for line in lines), out
    assert _hashes(directory) == before
    assert not (tmp_path / "pwned").exists()
