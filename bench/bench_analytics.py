"""Benchmark of the analytics with 100,000 payment requests in SQLite: p95 of each endpoint and the page.

Run:  .venv/bin/python bench/bench_analytics.py [--requests 100000] [--rounds 100] [--as finance,mhead] [--db PATH]

It builds the same database as bench/bench_portal.py (the demo company, 200 more employees,
1,000 counterparties and `--requests` payment requests inserted in bulk, about two years of
them), then fills `durations` from that history with the migration's backfill (timed: what
`soglasie init` costs on such a database). It serves the portal with werkzeug (threaded) on
127.0.0.1 and lets 2 clients, logged in as each `--as` user, request every analytics endpoint
(the default period: six months, about 26,000 requests) and the page `--rounds` times each at
the same time. /healthz in the same run is the baseline; the target is p95 ≤ 200 ms.
The reports keep their tallies between requests (soglasie/analytics/tally.py), so each
endpoint's first request is the cold one: the slowest of its samples.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_portal import NOW, fill, measure, percentile, serve  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from soglasie import schema  # noqa: E402
from soglasie.analytics.backfill import backfill  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.db import Database  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.models import Card, Duration  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402

TARGET_MS = 200.0
PERIOD = "process=payment&from=2026-06-01&to=2026-12-01"
PAGES = {
    "trivial page (/healthz), baseline": "/healthz",
    "GET /api/v1/analytics/cycle-time (by month)": f"/api/v1/analytics/cycle-time?{PERIOD}",
    "GET /api/v1/analytics/cycle-time (by counterparty)":
        f"/api/v1/analytics/cycle-time?{PERIOD}&group_by=counterparty",
    "GET /api/v1/analytics/stages": f"/api/v1/analytics/stages?{PERIOD}",
    "GET /api/v1/analytics/approvers": f"/api/v1/analytics/approvers?{PERIOD}",
    "page /analytics (six months)": "/analytics?from=2026-06-01&to=2026-12-01",
    "page /analytics (a year, by department)": "/analytics?from=2025-12-01&to=2026-12-01&group_by=department",
}


def build(path: Path, total: int) -> None:
    """The bench_portal database, then the durations backfilled from it."""
    db = Database.from_url(f"sqlite:///{path}")
    started = time.perf_counter()
    schema.upgrade(db)
    with db.write() as session:
        load_demo(session, NOW)
    counts = fill(db, path, total, seed=7)
    print(f"generated in {time.perf_counter() - started:.1f} s: {counts}")
    db = Database.from_url(f"sqlite:///{path}")
    started = time.perf_counter()
    with db.engine.begin() as connection:
        rows = backfill(connection, _calendar())
    print(f"backfilled {rows:,} durations in {time.perf_counter() - started:.1f} s")
    db.dispose()


def _calendar():
    from soglasie.rulebook.loader import load_rulebook

    return load_rulebook(REPO_ROOT / "rules").calendar


def main() -> None:
    """Build (or reuse) the database, then measure and print one table per user."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100, help="requests per client and endpoint")
    parser.add_argument("--as", dest="logins", default="finance,mhead", help="who the clients log in as")
    parser.add_argument("--db", type=Path, help="keep the database here (default: a temporary directory)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="soglasie-bench-analytics-"))
    path = args.db or workdir / "bench.db"
    if not path.exists():
        build(path, args.requests)
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=workdir / "data", rules_dir=REPO_ROOT / "rules",
                        secret_key="bench-secret-key-of-32-bytes-or-more")
    core = Core.from_settings(settings)
    for login in args.logins.split(","):
        report(core, login.strip(), args.rounds)


def report(core: Core, login: str, rounds: int) -> None:
    """Measure every endpoint and the page; print a Markdown table with the ratio to the baseline."""
    with core.db.read() as session:
        cards = session.scalar(select(func.count(Card.id)))
        rows = session.scalar(select(func.count(Duration.id)))
    base, stop = serve(core)
    try:
        results = {name: measure(base, login, path, rounds) for name, path in PAGES.items()}
    finally:
        stop()
    baseline = percentile(results["trivial page (/healthz), baseline"], 0.95)
    print(f"\n{cards:,} payment requests, {rows:,} durations; 2 concurrent clients as {login}, {rounds} requests "
          f"each per endpoint; Python {platform.python_version()}\n")
    print("| endpoint | p50 ms | p95 ms | p99 ms | p95 vs baseline |")
    print("|---|---|---|---|---|")
    for name, latencies in results.items():
        p95 = percentile(latencies, 0.95)
        mark = "" if name.startswith("trivial") or p95 <= TARGET_MS else " (over target)"
        print(f"| {name} | {percentile(latencies, 0.5):.1f} | {p95:.1f} | {percentile(latencies, 0.99):.1f} "
              f"| {p95 / baseline:.1f}×{mark} |")


if __name__ == "__main__":
    main()
