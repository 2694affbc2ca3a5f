"""Fuzz the REST API with schemathesis from its OpenAPI document: ten thousand calls by default.

    .venv/bin/python bench/bench_fuzz.py [--calls 10000] [--rules DIR] [--seed-cards 3]

A live throwaway portal (`soglasie serve` on 127.0.0.1, a temporary SQLite database with the
demo company, a few cards filed through the API), every documented operation in a positive
and a negative phase, as seven users by Bearer token (tests/support/fuzzing.py). Prints the
calls made, the 5xx seen and the answers that do not match the document; exits 1 when there
is any. `make test` runs the same with SOGLASIE_FUZZ_CALLS (default 200).
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.fuzzing import fuzz  # noqa: E402
from tests.support.live_portal import LivePortal  # noqa: E402

LOGINS = ("memployee", "pemployee", "mhead", "phead", "finance", "chief", "ops", "admin")


def main() -> int:
    """Run the fuzzer and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--rules", type=Path, default=REPO / "rules")
    parser.add_argument("--seed-cards", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        portal = LivePortal(Path(workdir), args.rules, LOGINS).start()
        try:
            known = portal.seed(args.seed_cards)
            started = time.perf_counter()
            report = fuzz(portal.base_url, portal.tokens, args.calls, known, derandomize=False)
            elapsed = time.perf_counter() - started
        finally:
            portal.stop()
        log = portal.log_text()
        tracebacks = [block.split("\n\n")[0][-1500:] for block in log.split("Traceback")[1:]]
    print(f"Python {platform.python_version()}, {platform.machine()}; {elapsed:.0f} s, "
          f"{report.calls / elapsed:.1f} calls/s")
    print(report.summary())
    print(f"tracebacks in the portal's log: {len(tracebacks)}")
    for line in report.server_errors + report.mismatches:
        print(" -", line.replace("\n", " ")[:400])
    for block in tracebacks:
        print("Traceback" + block)
    return 1 if report.server_errors or report.mismatches or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
