"""Benchmark: file N payment requests and drive each to `paid`; the cost of one transition.

Runs on SQLite and on a throwaway PostgreSQL cluster in the same run and prints a Markdown
table of per-transition medians (and p95) by kind. Usage:

    .venv/bin/python bench/bench_process.py [--requests 10000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.services import actions  # noqa: E402
from soglasie.services.cards import CardInput, create_card  # noqa: E402
from soglasie.services.common import Upload  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402
from tests.support.files import pdf_bytes  # noqa: E402
from tests.support.postgres import throwaway_database  # noqa: E402

T0 = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.timezone.utc)


def _core(url: str, data_dir: Path) -> Core:
    core = Core.from_settings(Settings(database_url=url, data_dir=data_dir, rules_dir=REPO_ROOT / "rules",
                                       secret_key="bench" * 8))
    schema.upgrade(core.db)
    with core.db.write() as session:
        load_demo(session, T0)
    return core


def _timed(samples: dict, kind: str, call):
    start = time.perf_counter()
    result = call()
    samples[kind].append(time.perf_counter() - start)
    return result


def drive(core: Core, requests: int) -> dict[str, list[float]]:
    """File `requests` requests and take each through every stage; returns seconds per kind."""
    with core.db.read() as session:
        from sqlalchemy import select

        from soglasie.models import Task, User
        ids = {user.login: user.id for user in session.scalars(select(User))}
    invoice, order = Upload(pdf_bytes("invoice"), "invoice.pdf"), Upload(pdf_bytes("order"), "order.pdf")
    samples: dict[str, list[float]] = defaultdict(list)
    for number in range(requests):
        now = T0 + dt.timedelta(seconds=number)
        created = _timed(samples, "create", lambda: create_card(core, ids["memployee"], now, "payment", CardInput(
            counterparty_inn="7701526010", amount="1500.00", cost_item="PACK", document=invoice,
            invoice_number=f"B-{number}", invoice_date=T0.date().isoformat(), vat_rate="22")))
        for stage, login in (("head_approval", "mhead"), ("finance_review", "finance")):
            with core.db.read() as session:
                task_id = session.scalar(select(Task.id).where(Task.card_id == created.card_id, Task.stage == stage))
            _timed(samples, "approve", lambda: actions.approve(core, ids[login], task_id, now))
        with core.db.read() as session:
            tasks = {task.kind: task.id for task in session.scalars(
                select(Task).where(Task.card_id == created.card_id, Task.stage == "payment"))}
        _timed(samples, "attach", lambda: actions.attach_file(core, ids["accountant"], tasks["payment_order"],
                                                              order, now))
        _timed(samples, "complete", lambda: actions.complete(core, ids["accountant"], tasks["payment_order"], now))
        _timed(samples, "complete", lambda: actions.complete(core, ids["chief"], tasks["make_payment"], now))
    return samples


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print("| backend | transition | n | median ms | p95 ms |\n|---|---|---|---|---|")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, throwaway_database(backend, Path(tmp)) as url:
            core = _core(url, Path(tmp) / "data")
            started = time.perf_counter()
            samples = drive(core, args.requests)
            elapsed = time.perf_counter() - started
            everything = [value for values in samples.values() for value in values]
            for kind in ("create", "approve", "attach", "complete"):
                values = samples[kind]
                print(f"| {backend} | {kind} | {len(values)} | {statistics.median(values) * 1000:.2f} "
                      f"| {_ms(values, 0.95):.2f} |")
            print(f"| {backend} | **any transition** | {len(everything)} | "
                  f"{statistics.median(everything) * 1000:.2f} | {_ms(everything, 0.95):.2f} |")
            print(f"<!-- {backend}: {args.requests} requests to paid in {elapsed:.1f} s -->")
            core.db.dispose()

if __name__ == "__main__":
    main()
