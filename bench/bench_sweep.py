"""Benchmark: the SLA sweep's cost follows the *due* tasks, not the open ones.

Two databases per backend, built by bulk inserts consistent with the model: A holds 1,000
open requests, all due; B holds 100,000 open requests of which the same 1,000 are due. One
sweep runs on each (a fresh copy per repeat), timed, with its peak Python memory
(tracemalloc, on a second untimed sweep). Target: time(B) ≤ 1.3 × time(A). Usage:

    .venv/bin/python bench/bench_sweep.py [--open 100000] [--due 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.models import Card, Counterparty, CostItem, ProcessRun, Task, User  # noqa: E402
from soglasie.services.sweep import sweep  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402

MSK = dt.timezone(dt.timedelta(hours=3))
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=MSK)  # Friday noon
DUE_CREATED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=MSK)  # 3 working days earlier: everything due
FRESH_CREATED = dt.datetime(2026, 12, 4, 11, 0, tzinfo=MSK)  # an hour ago: next check in 3 h
CHUNK = 5000


def build(core: Core, open_requests: int, due: int) -> None:
    """Insert `open_requests` cards at head_approval; the first `due` have overdue SLA checks."""
    schema.upgrade(core.db)
    with core.db.write() as session:
        load_demo(session, DUE_CREATED)
    with core.db.write() as session:
        ids = {user.login: user.id for user in session.scalars(select(User))}
        counterparty = session.scalar(select(Counterparty.id).limit(1))
        cost_item = session.scalar(select(CostItem.id).limit(1))
        department = session.get(User, ids["memployee"]).department_id
    calendar = core.rulebook.calendar
    for start in range(0, open_requests, CHUNK):
        numbers = range(start, min(start + CHUNK, open_requests))
        with core.db.write() as session:
            cards = [{"id": n + 1, "kind": "payment", "initiator_id": ids["memployee"], "department_id": department,
                      "counterparty_id": counterparty, "amount": 1000 + n, "currency": "RUB",
                      "cost_item_id": cost_item, "comment": "", "stage": "head_approval",
                      "created_at": _created(n, due), "updated_at": _created(n, due)} for n in numbers]
            session.execute(insert(Card), cards)
            session.execute(insert(ProcessRun), [{
                "id": n + 1, "card_id": n + 1, "number": 1, "process": "payment", "rules_version": "bench",
                "route": ["head_approval", "finance_review", "payment"], "assignee_overrides": {},
                "stage": "head_approval", "stage_entered_at": _created(n, due), "started_at": _created(n, due),
            } for n in numbers])
            session.execute(insert(Task), [{
                "id": n + 1, "run_id": n + 1, "card_id": n + 1, "stage": "head_approval", "kind": "approval",
                "seq": 1, "assignee_id": ids["mhead"], "status": "open", "created_at": _created(n, due),
                "sla_consumed_minutes": 0, "sla_resumed_at": _created(n, due),
                "next_check_at": calendar.add_working_minutes(_created(n, due), 240), "version": 1,
            } for n in numbers])
            for n in numbers:
                session.execute(Card.__table__.update().where(Card.id == n + 1).values(current_run_id=n + 1))


def _created(n: int, due: int) -> dt.datetime:
    return DUE_CREATED if n < due else FRESH_CREATED


def _reset_due(core: Core, due: int) -> None:
    """Make the first `due` tasks due again, as new (their SLA items deleted; the timeline is append-only and stays)."""
    from soglasie.models import OutboxMessage, SlaEvent

    with core.db.write() as session:
        for model in (SlaEvent, OutboxMessage):
            session.execute(model.__table__.delete())
        session.execute(Task.__table__.update().where(Task.id <= due).values(next_check_at=DUE_CREATED))


def measure(url_factory, open_requests: int, due: int, repeats: int) -> tuple[float, float, float, dict]:
    """Median sweep wall seconds, median CPU seconds of this process, and peak MiB over fresh databases."""
    seconds, cpu, peaks, counts = [], [], [], {}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            url, cleanup = url_factory(tmp)
            core = Core.from_settings(Settings(database_url=url, data_dir=Path(tmp) / "data",
                                               rules_dir=REPO_ROOT / "rules", secret_key="bench" * 8))
            try:
                build(core, open_requests, due)
                started, cpu_started = time.perf_counter(), time.process_time()
                counts = sweep(core, NOW)
                seconds.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                assert counts["due_tasks"] == due, counts
                # Memory on a second, untimed sweep over the same due set (tracemalloc slows
                # Python down several times, so it never runs inside the timed sweep).
                _reset_due(core, due)
                tracemalloc.start()
                sweep(core, NOW)
                peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
                tracemalloc.stop()
            finally:
                core.db.dispose()
                cleanup()
    return statistics.median(seconds), statistics.median(cpu), max(peaks), counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print("| backend | open | due | sweep median s | ratio | client CPU s | CPU ratio | peak MiB |\n"
          "|---|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        cluster, counter = None, iter(range(10**6))
        if backend == "postgresql":
            cluster = PostgresCluster()
            cluster.start()

            def factory(tmp):
                name = f"bench_{next(counter)}"
                cluster.admin_sql(f"CREATE DATABASE {name}")
                return cluster.url(name), lambda: cluster.admin_sql(f"DROP DATABASE {name} WITH (FORCE)")
        else:
            def factory(tmp):
                return f"sqlite:///{tmp}/bench.db", lambda: None
        try:
            base, base_cpu, base_peak, counts = measure(factory, args.due, args.due, args.repeats)
            big, big_cpu, big_peak, _ = measure(factory, args.open, args.due, args.repeats)
        finally:
            if cluster:
                cluster.stop()
        print(f"| {backend} | {args.due:,} | {args.due:,} | {base:.3f} | 1.00 | {base_cpu:.3f} | 1.00 "
              f"| {base_peak:.1f} |")
        print(f"| {backend} | {args.open:,} | {args.due:,} | {big:.3f} | {big / base:.2f} | {big_cpu:.3f} "
              f"| {big_cpu / base_cpu:.2f} | {big_peak:.1f} |")
        print(f"<!-- {backend} sweep counts: {counts} -->")


if __name__ == "__main__":
    main()
