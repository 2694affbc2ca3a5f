"""Benchmark: the bank loop at 1,000 requests — exporting 1,000 payment orders, importing a 1,000-document statement.

A template SQLite database holds the demo company and `--requests` requests at the payment
stage (the chief accountant's task done, the junior accountant's open). Each round copies it
(outside the timing) and times, in an order that alternates each round: the baseline — the
accounting work list of the same requests (`payment_queue`, a read of the same rows) —, the
export of all of them (numbering included), and the import of the bank's statement built from
that export (every document matched, every request paid). It prints a Markdown table of medians
and the ratio to the baseline; the target is under 2 s for each. Usage:

    .venv/bin/python bench/bench_bank.py [--requests 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.models import Card, CostItem, Counterparty, ProcessRun, Task, User  # noqa: E402
from soglasie.services import bank_statements  # noqa: E402
from soglasie.services.bank_statements import import_statement  # noqa: E402
from soglasie.services.payment_orders import export_orders, payment_queue  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402

MSK = dt.timezone(dt.timedelta(hours=3))
NOW = dt.datetime(2026, 12, 2, 11, 0, tzinfo=MSK)
ENTERED = dt.datetime(2026, 12, 1, 10, 0, tzinfo=MSK)


def open_core(path: Path, data_dir: Path) -> Core:
    """A core on the SQLite file `path` with the shipped rules."""
    return Core.from_settings(Settings(database_url=f"sqlite:///{path}", data_dir=data_dir,
                                       rules_dir=REPO_ROOT / "rules", secret_key="bench"))


def build(core: Core, requests: int) -> None:
    """The demo company and `requests` requests standing at the payment stage."""
    schema.upgrade(core.db)
    with core.db.write() as session:
        load_demo(session, ENTERED)
    with core.db.write() as session:
        ids = {user.login: user.id for user in session.scalars(select(User))}
        counterparties = list(session.scalars(select(Counterparty.id)))
        cost_item = session.scalar(select(CostItem.id).limit(1))
        numbers = range(1, requests + 1)
        session.execute(insert(Card), [{
            "id": n, "kind": "payment", "initiator_id": ids["memployee"], "counterparty_id": counterparties[n % 5],
            "amount": 1000 + n, "currency": "RUB", "cost_item_id": cost_item, "comment": "", "stage": "payment",
            "invoice_number": f"INV-{n}", "invoice_date": ENTERED.date(), "vat_rate": "22",
            "created_at": ENTERED, "updated_at": ENTERED} for n in numbers])
        session.execute(insert(ProcessRun), [{
            "id": n, "card_id": n, "number": 1, "process": "payment", "rules_version": "bench",
            "route": ["head_approval", "finance_review", "payment"], "assignee_overrides": {}, "stage": "payment",
            "stage_entered_at": ENTERED, "started_at": ENTERED} for n in numbers])
        session.execute(insert(Task), [{
            "run_id": n, "card_id": n, "stage": "payment", "kind": kind, "seq": 1, "assignee_id": ids[login],
            "status": status, "created_at": ENTERED, "sla_consumed_minutes": 0, "version": 1,
            "outcome": "completed" if status == "done" else None}
            for n in numbers for kind, login, status in (("make_payment", "chief", "done"),
                                                         ("payment_order", "accountant", "open"))])
        for n in numbers:
            session.execute(Card.__table__.update().where(Card.id == n).values(current_run_id=n))


def statement_of(export: bytes) -> bytes:
    """The bank's statement of an export: every document written off the next day."""
    text = export.decode("cp1251").replace("КонецДокумента", "ДатаСписано=02.12.2026\r\nКонецДокумента")
    return text.encode("cp1251")


def one_round(template: Path, requests: int, baseline_first: bool) -> dict[str, float]:
    """Times of the baseline, the export and the import on a fresh copy of the template."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        shutil.copy(template, path)
        core = open_core(path, Path(tmp) / "data")
        try:
            with core.db.read() as session:
                chief = session.scalar(select(User.id).where(User.login == "chief"))
                accountant = session.scalar(select(User.id).where(User.login == "accountant"))
            times: dict[str, float] = {}
            if baseline_first:
                times["baseline"] = timed(lambda: payment_queue(core, chief))
            exported = []
            times["export"] = timed(lambda: exported.append(export_orders(core, chief, None, NOW)))
            data = statement_of(exported[0].data)
            report = []
            with engine_clock() as inside:
                times["import"] = timed(lambda: report.append(import_statement(core, accountant, data, "st.txt",
                                                                               NOW)))
            times["engine"] = inside[0]
            if not baseline_first:
                times["baseline"] = timed(lambda: payment_queue(core, chief))
            assert len(exported[0].numbers) == requests and len(report[0]["matched"]) == requests
            return times
        finally:
            core.db.dispose()


@contextlib.contextmanager
def engine_clock():
    """The time the import spends inside the engine's `execute` (the transition function), summed."""
    inside, original = [0.0], bank_statements.execute

    def clocked(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            inside[0] += time.perf_counter() - started

    bank_statements.execute = clocked
    try:
        yield inside
    finally:
        bank_statements.execute = original


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    """Build the template, run the rounds, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.db"
        core = open_core(template, Path(tmp) / "data")
        build(core, args.requests)
        core.db.dispose()
        rounds = [one_round(template, args.requests, index % 2 == 0) for index in range(args.rounds)]
    medians = {key: statistics.median(row[key] for row in rounds) for key in ("baseline", "export", "import", "engine")}
    print(f"| SQLite, {args.requests} requests, {args.rounds} rounds | median s | × baseline | target |")
    print("|---|---|---|---|")
    print(f"| baseline: the work list of the same requests | {medians['baseline']:.3f} | 1.0 | — |")
    print(f"| export of {args.requests} payment orders | {medians['export']:.3f} | "
          f"{medians['export'] / medians['baseline']:.1f} | < 2 s |")
    print(f"| import of a {args.requests}-document statement | {medians['import']:.3f} | "
          f"{medians['import'] / medians['baseline']:.1f} | < 2 s |")
    outside = medians["import"] - medians["engine"]
    print(f"| — of which inside the engine's transitions | {medians['engine']:.3f} | "
          f"{medians['engine'] / medians['baseline']:.1f} | — |")
    print(f"| — outside them ({outside / args.requests * 1000:.2f} ms a document) | {outside:.3f} | "
          f"{outside / medians['baseline']:.1f} | — |")


if __name__ == "__main__":
    main()
