"""Benchmark: what the budget check adds to filing and to an approval, with 100,000 requests and 10,000 budget lines.

The database holds the demo company plus 40 departments × 21 cost items, a budget row for
each pair and month of 2026 (10,080 rows), and 100,000 payment requests spread over the
pairs: a third paid during 2026, a third approved and waiting for payment (committed), a
third at the head's approval. Two cores share the database: one with the shipped rules
(the budget policy checks at filing and at finance review, the line locked), one with the
`budget:` section removed (no check, no budget facts). Rounds interleave the two (the order
alternating each round): file one request each, then approve one request each at finance
review. Prints, per backend, the medians with and without the check and the median of the
paired differences, in wall time and in this process's CPU time (the PostgreSQL server's
work is only in the wall time; on a loaded machine the wall time mostly measures waiting
for a core). Usage:

    .venv/bin/python bench/bench_budget_check.py [--rounds 300] [--requests 100000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import shutil
import signal
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, update  # noqa: E402

from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.models import Budget, Card, CostItem, Counterparty, Department, ProcessRun, Task, User  # noqa: E402
from soglasie.services import actions  # noqa: E402
from soglasie.services.cards import CardInput, create_card  # noqa: E402
from soglasie.services.common import Upload  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402
from tests.support.files import pdf_bytes  # noqa: E402
from tests.support.postgres import throwaway_database  # noqa: E402

MSK = dt.timezone(dt.timedelta(hours=3))
_INVOICE_NUMBERS = itertools.count(1)
T0 = dt.datetime(2026, 6, 2, 10, 0, tzinfo=MSK)  # the measured requests are filed in June
DEPARTMENTS, ITEMS, MONTHS = 40, 21, 12
STAGES = ("paid", "payment", "head_approval")  # a third each


def _rules(tmp: Path, with_budget: bool) -> Path:
    """A copy of the shipped rules; without the budget section when `with_budget` is false."""
    target = tmp / ("rules-on" if with_budget else "rules-off")
    shutil.copytree(REPO_ROOT / "rules", target)
    payment = target / "payment.yaml"
    text = payment.read_text(encoding="utf-8")
    if not with_budget:  # the `budget:` section (with its comment) comes before the routing rules
        text = text[:text.index("\n# Budgets per department")] + text[text.index("\n# Routing and validation"):]
    payment.write_text(text, encoding="utf-8")
    return target


def _core(url: str, tmp: Path, with_budget: bool) -> Core:
    return Core.from_settings(Settings(database_url=url, data_dir=tmp / "data", rules_dir=_rules(tmp, with_budget),
                                       secret_key="bench"))


def populate(core: Core, requests: int) -> dict[str, int]:
    """Departments, cost items, 10,080 budget rows and `requests` payment requests; returns user ids by login."""
    schema.upgrade(core.db)
    with core.db.write() as session:
        load_demo(session, T0)
        session.execute(insert(Department), [{"code": f"d{n:02d}", "name": f"Отдел {n}"}
                                             for n in range(DEPARTMENTS - 3)])
        session.execute(insert(CostItem), [{"code": f"I{n:02d}", "name": f"Статья {n}", "active": True}
                                           for n in range(ITEMS - 6)])
    with core.db.write() as session:
        departments = list(session.scalars(select(Department.id).order_by(Department.id)))
        items = list(session.scalars(select(CostItem.id).order_by(CostItem.id)))
        ids = {user.login: user.id for user in session.scalars(select(User))}
        pairs = [(d, i) for d in departments for i in items]
        session.execute(insert(Budget), [
            {"year": 2026, "month": m, "department_id": d, "cost_item_id": i, "planned": Decimal("1000000000.00"),
             "updated_at": T0} for d, i in pairs for m in range(1, MONTHS + 1)])
        counterparty = session.scalar(select(Counterparty.id).limit(1))
        _requests(session, requests, pairs, ids["memployee"], counterparty)
    return ids


def _requests(session, count: int, pairs, initiator: int, counterparty: int) -> None:
    """`count` cards with one run each, spread over the pairs and the stages, in chunks."""
    start = dt.datetime(2026, 1, 10, 10, 0, tzinfo=MSK)
    for first in range(0, count, 10_000):
        chunk = range(first, min(count, first + 10_000))
        cards = []
        for n in chunk:
            department, item = pairs[n % len(pairs)]
            at = start + dt.timedelta(minutes=n * 2)  # through 2026
            cards.append({"kind": "payment", "initiator_id": initiator, "department_id": department,
                          "counterparty_id": counterparty, "amount": Decimal("1500.00"), "currency": "RUB",
                          "cost_item_id": item, "comment": "", "stage": STAGES[n % 3], "created_at": at,
                          "updated_at": at})
        card_ids = list(session.scalars(insert(Card).returning(Card.id), cards))
        session.execute(insert(ProcessRun), [
            {"card_id": card_id, "number": 1, "process": "payment", "rules_version": "bench",
             "route": ["head_approval", "finance_review", "payment"], "assignee_overrides": {},
             "stage": row["stage"], "stage_entered_at": row["created_at"], "started_at": row["created_at"],
             "finished_at": row["created_at"] if row["stage"] == "paid" else None}
            for card_id, row in zip(card_ids, cards)])
    session.flush()
    runs = select(ProcessRun.id).where(ProcessRun.card_id == Card.id).scalar_subquery()
    session.execute(update(Card).where(Card.current_run_id.is_(None)).values(current_run_id=runs),
                    execution_options={"synchronize_session": False})


def _file(core: Core, ids: dict, now: dt.datetime, invoice: Upload) -> int:
    # each filing its own invoice number: no possible duplicate (its acknowledgement) muddies the approvals
    return create_card(core, ids["memployee"], now, "payment", CardInput(
        counterparty_inn="7701526010", amount="1500.00", cost_item="PACK", document=invoice,
        invoice_number=f"BUDGET-{next(_INVOICE_NUMBERS)}", vat_rate="22")).card_id


def _timed(call) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) of one call: CPU time is what a loaded machine cannot inflate."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(cores: dict[str, Core], ids: dict, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Interleaved rounds: filing, then (on cards filed and head-approved for it) the finance approval."""
    invoice = Upload(pdf_bytes("invoice"), "invoice.pdf")
    samples = {op: {name: [] for name in cores} for op in ("file", "approve")}
    waiting: dict[str, list[int]] = {name: [] for name in cores}
    for number in range(rounds):
        now = T0 + dt.timedelta(seconds=number)
        order = list(cores) if number % 2 == 0 else list(reversed(cores))
        for name in order:
            holder: list[int] = []
            samples["file"][name].append(_timed(lambda: holder.append(_file(cores[name], ids, now, invoice))))
            waiting[name].append(holder[0])
    for name, core in cores.items():  # the head approves (not measured): the cards reach finance review
        for card_id in waiting[name]:
            with core.db.read() as session:
                task = session.scalar(select(Task.id).where(Task.card_id == card_id, Task.stage == "head_approval"))
            actions.approve(core, ids["mhead"], task, T0)
    for number in range(rounds):
        order = list(cores) if number % 2 == 0 else list(reversed(cores))
        for name in order:
            core = cores[name]
            with core.db.read() as session:
                task = session.scalar(select(Task.id).where(Task.card_id == waiting[name][number],
                                                            Task.stage == "finance_review"))
            samples["approve"][name].append(_timed(lambda: actions.approve(core, ids["finance"], task, T0)))
    return samples


def _figures(on: list[float], off: list[float]) -> str:
    """Median with the check, median without, and the median of the paired differences (ms)."""
    added = statistics.median(a - b for a, b in zip(on, off)) * 1000
    return f"{statistics.median(on) * 1000:.2f} | {statistics.median(off) * 1000:.2f} | {added:+.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped run still stops its PostgreSQL cluster
    print("| backend | operation | n | wall ms, check on | wall ms, no check | added wall ms | "
          "CPU ms, check on | CPU ms, no check | added CPU ms |\n|---|---|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, throwaway_database(backend, Path(tmp)) as url:
            cores = {"on": _core(url, Path(tmp), True), "off": _core(url, Path(tmp), False)}
            started = time.perf_counter()
            ids = populate(cores["on"], args.requests)
            setup = time.perf_counter() - started
            samples = measure(cores, ids, args.rounds)
            for op, by_core in samples.items():
                print(f"| {backend} | {op} | {len(by_core['on'])} | " + " | ".join(
                    _figures([s[kind] for s in by_core["on"]], [s[kind] for s in by_core["off"]]) for kind in (0, 1))
                    + " |")
            print(f"<!-- {backend}: {args.requests} requests and {DEPARTMENTS * ITEMS * MONTHS} budget rows "
                  f"set up in {setup:.1f} s -->")
            for core in cores.values():
                core.db.dispose()


if __name__ == "__main__":
    main()
