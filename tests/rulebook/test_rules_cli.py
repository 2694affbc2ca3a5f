"""`soglasie rules check|deadline` and `soglasie calendar workdays|add`, as a user types them."""

from __future__ import annotations

import pytest

from soglasie.cli import main
from tests.rulebook.rules_helpers import RULES_DIR, line_of, real_text


@pytest.fixture(autouse=True)
def rules_dir_from_env(monkeypatch):
    """The commands find the rules through SOGLASIE_RULES_DIR, as in production."""
    monkeypatch.setenv("SOGLASIE_RULES_DIR", str(RULES_DIR))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_ok(capsys, rulebook):
    ok = f"OK: rules version {rulebook.version} (4 files)\n"
    assert run(capsys, "rules", "check", "--today", "2026-12-01") == (0, ok, "")


def test_check_prints_every_error_and_exits_1(capsys, rules_copy):
    payment = real_text("payment.yaml").replace("    optional: true", "    optinal: true")
    payment = payment.replace("sla: finance", "sla: finanse")
    directory = rules_copy({"payment.yaml": payment})
    code, out, _ = run(capsys, "rules", "check", str(directory))
    path = directory / "payment.yaml"
    assert code == 1
    assert out.splitlines() == [
        f"{path}:{line_of(payment, 'optinal')}: unknown key 'optinal' in a stage (did you mean 'optional'?)",
        f"{path}:{line_of(payment, 'finanse')}: unknown SLA policy 'finanse' (did you mean 'finance'?); "
        "known: approval, finance",
    ]


@pytest.mark.parametrize("argv, out", [
    (["calendar", "workdays", "--year", "2024"], "248\n"),
    (["calendar", "workdays", "--year", "2025"], "247\n"),
    (["calendar", "workdays", "--year", "2026"], "247\n"),
    (["calendar", "add", "--from", "2025-12-31T17:00", "--hours", "2"], "2026-01-12T11:00:00+03:00\n"),
    (["calendar", "add", "--from", "2026-11-27T14:00:00Z", "--hours", "1"], "2026-11-27T18:00:00+03:00\n"),
    (["calendar", "add", "--from", "2026-11-27T14:00:00Z", "--hours", "1.5"], "2026-11-30T09:30:00+03:00\n"),
    (["rules", "deadline", "--process", "payment", "--arrived-at", "2026-12-01T12:59"], "2026-12-01T18:00:00+03:00\n"),
    (["rules", "deadline", "--process", "payment", "--arrived-at", "2026-12-01T13:00"], "2026-12-02T18:00:00+03:00\n"),
    (["rules", "deadline", "--process", "payment", "--arrived-at", "2026-12-01T13:00", "--deadline", "2026-12-10"],
     "2026-12-10T18:00:00+03:00\n"),
    (["rules", "deadline", "--process", "payment", "--arrived-at", "2026-12-01T13:00",
      "--deadline", "2026-12-03T10:00+00:00"], "2026-12-03T13:00:00+03:00\n"),
])
def test_commands_print_iso_instants_and_numbers(capsys, argv, out):
    assert run(capsys, *argv) == (0, out, "")


@pytest.mark.parametrize("argv, message", [
    (["calendar", "add", "--from", "yesterday", "--hours", "2"], "--from: 'yesterday' is not an ISO 8601 time"),
    (["calendar", "add", "--from", "2026-12-01T10:00", "--hours", "-1"], "--hours must not be negative"),
    (["calendar", "add", "--from", "2026-12-01T10:00", "--hours", "two"], "--hours: 'two' is not a number"),
    (["calendar", "workdays", "--year", "0"], "--year 0 is out of range"),
    (["rules", "deadline", "--process", "loan", "--arrived-at", "2026-12-01T10:00"], "unknown process 'loan'"),
    (["rules", "deadline", "--process", "contract", "--arrived-at", "2026-12-01T10:00"], "declares no deadline rule"),
    (["rules", "deadline", "--process", "payment", "--arrived-at", "2026-12-01T10:00", "--deadline", "2026-13-01"],
     "--deadline: '2026-13-01' is not a date"),
])
def test_bad_input_is_one_line_on_stderr_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "") and message in err and "Traceback" not in err
