"""Benchmark: the cost of one transition, beside the plain-sqlite3 floor and the SpiffWorkflow peer.

Files N payment requests and drives each to `paid` through the services (create → head
approval → finance approval → attach the payment order → two completions), on SQLite and on a
throwaway PostgreSQL cluster. In the same run, interleaved request by request:

- the floor: the SQL each Soglasie transition sent on SQLite (captured with a
  `before_cursor_execute` event), replayed through plain `sqlite3` in one transaction on a copy
  of the database taken before the first request — the same writes and reads, no Python above;
- the peer: SpiffWorkflow running the same route as BPMN and persisting its workflow JSON in
  one `sqlite3` transaction (bench/spiff_peer.py; skipped when not installed).

Prints per-transition medians, p95, ratios to the floor and to the peer, and the statements
each transition sent (BEGIN not counted). Usage:

    .venv/bin/python bench/bench_process.py [--requests 2000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event, select  # noqa: E402

import spiff_peer  # noqa: E402
from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.models import Task, User  # noqa: E402
from soglasie.services import actions  # noqa: E402
from soglasie.services.cards import CardInput, create_card  # noqa: E402
from soglasie.services.common import Upload  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402
from tests.support.files import pdf_bytes  # noqa: E402
from tests.support.postgres import throwaway_database  # noqa: E402

T0 = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.timezone.utc)
KINDS = ("create", "approve", "attach", "complete")
TIMED = ("create", "approve", "complete")  # the transitions of the targets ("any transition")


def _core(url: str, data_dir: Path) -> Core:
    core = Core.from_settings(Settings(database_url=url, data_dir=data_dir, rules_dir=REPO_ROOT / "rules",
                                       secret_key="bench" * 8))
    schema.upgrade(core.db)
    with core.db.write() as session:
        load_demo(session, T0)
    return core


class Recorder:
    """The statements a Soglasie engine sends, with their DBAPI parameters (for counting and the replay)."""

    def __init__(self, core: Core):
        self.statements: list[tuple[str, object, bool]] = []
        event.listen(core.db.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, executemany):
        self.statements.append((statement, parameters, executemany))

    def take(self) -> list[tuple[str, object, bool]]:
        taken, self.statements = self.statements, []
        return taken


class Floor:
    """Replays a transition's captured SQL through plain sqlite3, in one transaction."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")

    def replay(self, statements) -> float:
        start = time.perf_counter()
        cursor = self.db.cursor()
        for statement, parameters, executemany in statements:
            # insertmanyvalues batches flag executemany but send one statement: go by the parameters' shape
            if executemany and parameters and isinstance(parameters[0], (list, tuple, dict)):
                cursor.executemany(statement, [tuple(row) if isinstance(row, list) else row for row in parameters])
            else:
                cursor.execute(statement, tuple(parameters) if isinstance(parameters, list) else parameters)
            cursor.fetchall()
        self.db.execute("COMMIT")
        return time.perf_counter() - start


def _timed(samples: dict, kind: str, call):
    start = time.perf_counter()
    result = call()
    samples[kind].append(time.perf_counter() - start)
    return result


def _steps(core: Core, ids: dict, number: int, invoice: Upload, order: Upload):
    """The transitions of one request, in order: (kind, spiff task or None, call)."""
    now = T0 + dt.timedelta(seconds=number)
    state: dict = {}

    def create():
        state["card"] = create_card(core, ids["memployee"], now, "payment", CardInput(
            counterparty_inn="7701526010", amount="1500.00", cost_item="PACK", document=invoice,
            invoice_number=f"B-{number}", invoice_date=T0.date().isoformat(), vat_rate="22")).card_id

    def task(stage: str, kind: str | None = None) -> int:
        with core.db.read() as session:
            query = select(Task.id).where(Task.card_id == state["card"], Task.stage == stage)
            return session.scalar(query.where(Task.kind == kind) if kind else query)

    yield "create", None, create
    for stage, login in (("head_approval", "mhead"), ("finance_review", "finance")):
        task_id = task(stage)
        yield "approve", stage, lambda: actions.approve(core, ids[login], task_id, now)
    order_id, pay_id = task("payment", "payment_order"), task("payment", "make_payment")
    yield "attach", None, lambda: actions.attach_file(core, ids["accountant"], order_id, order, now)
    yield "complete", "payment_order", lambda: actions.complete(core, ids["accountant"], order_id, now)
    yield "complete", "make_payment", lambda: actions.complete(core, ids["chief"], pay_id, now)


def drive(cores: dict[str, Core], floor: Floor | None, recorder: Recorder | None, peer, requests: int):
    """Every request through every backend, the floor and the peer in turn; seconds and statements per kind."""
    with next(iter(cores.values())).db.read() as session:
        ids = {user.login: user.id for user in session.scalars(select(User))}
    invoice, order = Upload(pdf_bytes("invoice"), "invoice.pdf"), Upload(pdf_bytes("order"), "order.pdf")
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(list)
    for number in range(requests):
        walks = {backend: _steps(core, ids, number, invoice, order) for backend, core in cores.items()}
        workflow = None
        for steps in zip(*walks.values()):
            for backend, (kind, _, call) in zip(walks, steps):
                if recorder is not None and backend == "sqlite":
                    recorder.take()
                start = time.perf_counter()
                call()
                samples[(backend, kind)].append(time.perf_counter() - start)
                if recorder is not None and backend == "sqlite":
                    sent = recorder.take()
                    counts[kind].append(sum(1 for statement, _, _ in sent if not statement.startswith("BEGIN")))
                    if floor is not None:
                        samples[("floor", kind)].append(floor.replay(sent))
            kind, spiff_task, _ = steps[0]
            if peer is not None and kind != "attach":  # the peer keeps no files
                start = time.perf_counter()
                if kind == "create":
                    workflow = peer.create()
                else:
                    peer.complete(workflow, spiff_task)
                samples[("spiffworkflow", kind)].append(time.perf_counter() - start)
    return samples, counts


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(samples, counts, requests: int) -> None:
    """The Markdown table: medians, p95, ratios to the floor and the peer, statements per transition."""
    print("| engine | transition | n | median ms | p95 ms | × floor | × SpiffWorkflow | statements |")
    print("|---|---|---|---|---|---|---|---|")
    engines = dict.fromkeys(engine for engine, _ in samples)
    for engine in engines:
        for kind in (*KINDS, "any"):
            values = ([v for k in TIMED for v in samples.get((engine, k), [])] if kind == "any"
                      else samples.get((engine, kind), []))
            if not values:
                continue
            median = statistics.median(values)
            ratios = []
            for baseline in ("floor", "spiffworkflow"):
                base = ([v for k in TIMED for v in samples.get((baseline, k), [])] if kind == "any"
                        else samples.get((baseline, kind)))
                ratios.append(f"{median / statistics.median(base):.1f}" if base else "—")
            statements = counts.get(kind) if engine == "sqlite" and kind != "any" else None
            label = "**any transition** (create, approve, complete)" if kind == "any" else kind
            print(f"| {engine} | {label} | {len(values)} | {median * 1000:.2f} | {_ms(values, 0.95):.2f} | "
                  f"{ratios[0]} | {ratios[1]} | {'/'.join(map(str, sorted(set(statements)))) if statements else ''} |")
    print(f"<!-- {requests} requests to paid, interleaved request by request -->")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        cores, floor, recorder = {}, None, None
        for backend in args.backends.split(","):
            directory = tmp / backend
            directory.mkdir()
            url = stack.enter_context(throwaway_database(backend, directory))
            cores[backend] = _core(url, directory / "data")
            stack.callback(cores[backend].db.dispose)
            if backend == "sqlite":
                cores[backend].db.dispose()  # a quiet file to copy for the floor
                shutil.copy(directory / "bench.db", tmp / "floor.db")
                floor, recorder = Floor(tmp / "floor.db"), Recorder(cores[backend])
        peer = spiff_peer.load(tmp / "spiff.db")
        samples, counts = drive(cores, floor, recorder, peer, args.requests)
        report(samples, counts, args.requests)


if __name__ == "__main__":
    main()
