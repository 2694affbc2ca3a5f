"""Benchmark: what the duplicate-invoice check adds to filing a payment request and to an approval.

With `--requests` payment requests (100,000 by default, across 1,000 counterparties, each with
an invoice number and date) in the database, the same filing and approvals are timed with the
check on (`duplicates: level: warn`, the shipped default) and off (`level: off`) — two cores
on one database, differing only in that line of rules/payment.yaml — in interleaved rounds
(the order rotates each round), on SQLite and on a throwaway PostgreSQL. A second core with
the check off measured the same way gives the noise floor (off − off, "A/A"), and the check's
own work is timed alone: its query, and the counterparty lock plus the query that `block`
takes in a write transaction. It prints a Markdown table of medians; the target is ≤ 2 ms
added per filing at the median. Usage:

    .venv/bin/python bench/bench_controls.py [--requests 100000] [--rounds 200] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench.bench_portal import add_people_and_directories  # noqa: E402
from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.invoices import normalize_invoice_number, vat_of  # noqa: E402
from soglasie.models import Card, Counterparty, Task, User  # noqa: E402
from soglasie.process.duplicates import find_duplicates  # noqa: E402
from soglasie.services import actions  # noqa: E402
from soglasie.services.cards import CardInput, create_card  # noqa: E402
from soglasie.services.common import Upload  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402
from tests.support.files import pdf_bytes  # noqa: E402
from tests.support.postgres import throwaway_database  # noqa: E402

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
BATCH = 5_000
STAGES = (["paid"] * 80 + ["rejected"] * 8 + ["head_approval"] * 5 + ["finance_review"] * 4 + ["payment"] * 3)
TARGET_MS = 2.0


def rules_at(directory: Path, mode: str, level: str) -> Path:
    """A copy of the shipped rules with the duplicate check at `level`.

    Each mode's file differs (a comment names the mode), so each core has its own rules
    version and its own registered ruleset, as on and off do: the A/A pair pays the same
    cost of alternating between rulesets in one process that on vs off pays.
    """
    rules = directory / f"rules-{mode}"
    shutil.copytree(REPO_ROOT / "rules", rules)
    path = rules / "payment.yaml"
    text = path.read_text()
    assert "duplicates:\n  level: warn" in text, "the shipped rules changed: update the bench"
    path.write_text(text.replace("duplicates:\n  level: warn", f"duplicates:\n  level: {level}") + f"# {mode}\n")
    return rules


def fill(core: Core, total: int, rng: random.Random) -> list[int]:
    """`total` payment requests with invoices across 1,000 counterparties; returns the counterparty ids."""
    world = add_people_and_directories(core.db, rng)
    initiators = [value for login, value in world["users"].items() if login.startswith("emp")]
    for start in range(1, total + 1, BATCH):
        rows = []
        for number in range(start, min(start + BATCH, total + 1)):
            initiator, department = rng.choice(initiators)
            created = NOW - dt.timedelta(minutes=5 * (total - number))
            amount = Decimal(round(10 ** rng.uniform(3, 6.7))) / 100 * 100
            day = (created - dt.timedelta(days=rng.randint(0, 10))).date()
            written = f"СЧ-{number:06d}"
            rows.append({
                "kind": "payment", "initiator_id": initiator, "department_id": department,
                "counterparty_id": rng.choice(world["counterparties"]), "amount": amount, "currency": "RUB",
                "cost_item_id": rng.choice(world["cost_items"]), "comment": "", "stage": rng.choice(STAGES),
                "created_at": created, "updated_at": created, "invoice_number": written, "invoice_date": day,
                "invoice_key": normalize_invoice_number(written), "invoice_year": day.year, "vat_rate": "22",
                "vat_amount": vat_of(amount, "22")})
        with core.db.write() as session:
            session.execute(insert(Card), rows)
    return world["counterparties"]


def timed(call) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def one_round(cores: dict[str, Core], order: list[str], number: int, counterparties: list, rng: random.Random,
              ids: dict[str, int], samples: dict) -> None:
    """File one new request in each mode, then approve it at the head's and the finance stage, in `order`."""
    invoice = Upload(pdf_bytes(f"bench {number}"), "invoice.pdf")
    inn = rng.choice(counterparties)
    amount = f"{rng.randint(1_000, 900_000)}.00"  # below the director's threshold: head, then finance
    for mode in order:
        core = cores[mode]
        data = CardInput(counterparty_inn=inn, amount=amount, cost_item="PACK", document=invoice,
                         invoice_number=f"NEW-{mode}-{number}", invoice_date="2026-11-30", vat_rate="22")
        created = []
        samples[mode]["file"].append(timed(lambda: created.append(create_card(core, ids["memployee"], NOW,
                                                                                "payment", data))))
        card_id = created[0].card_id
        if mode == "on":
            own_work(core, card_id, samples[mode])
        for stage, login in (("head_approval", "mhead"), ("finance_review", "finance")):
            with core.db.read() as session:
                task_id = session.scalar(select(Task.id).where(Task.card_id == card_id, Task.stage == stage))
            samples[mode]["approve"].append(timed(lambda: actions.approve(core, ids[login], task_id, NOW)))


def own_work(core: Core, card_id: int, samples: dict) -> None:
    """The check's own work on a filed card: its query (read transaction); the lock and the query (`block`)."""
    policy, tz = core.rulebook.process("payment").duplicates, core.rulebook.calendar.tz
    with core.db.read() as session:
        card = session.get(Card, card_id)
        samples["query"].append(timed(lambda: find_duplicates(session, policy, card, tz)))
    with core.db.write() as session:
        card = session.get(Card, card_id)
        samples["locked"].append(timed(lambda: (
            session.execute(select(Counterparty.id).where(Counterparty.id == card.counterparty_id)
                            .with_for_update(key_share=True)),
            find_duplicates(session, policy, card, tz))))


def measure(url: str, workdir: Path, total: int, rounds: int) -> dict:
    """Fill the database, then time filing and approving with the check on and off, interleaved."""
    rng = random.Random(12)
    cores = {mode: Core.from_settings(Settings(database_url=url, data_dir=workdir / "data",
                                               rules_dir=rules_at(workdir, mode, level), secret_key="bench"))
             for mode, level in (("on", "warn"), ("off", "off"), ("off2", "off"))}
    schema.upgrade(cores["on"].db)
    with cores["on"].db.write() as session:
        load_demo(session, NOW)
    counterparty_ids = fill(cores["on"], total, rng)
    with cores["on"].db.read() as session:
        inns = list(session.scalars(select(Counterparty.inn).where(Counterparty.id.in_(counterparty_ids))))
        ids = {user.login: user.id for user in session.scalars(select(User))}
    samples = {mode: {"file": [], "approve": [], "query": [], "locked": []} for mode in cores}
    modes = list(cores)
    for number in range(rounds):
        order = modes[number % 3:] + modes[:number % 3]
        one_round(cores, order, number, inns, rng, ids, samples)
    for core in cores.values():
        core.db.dispose()
    return samples


def row(backend: str, what: str, values: list[float], base: list[float] | None, target: str = "—") -> str:
    """One table row: medians in ms and the difference to `base` (none: the values are the cost itself)."""
    median = statistics.median(values) * 1000
    off = statistics.median(base) * 1000 if base is not None else 0.0
    return (f"| {backend} | {what} | {len(values)} | {off:.2f} | {median:.2f} | {median - off:+.2f} | {target} |"
            if base is not None else f"| {backend} | {what} | {len(values)} | — | {median:.2f} | {median:+.2f} | "
            f"{target} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print("| backend | what | n | median off, ms | median on, ms | added, ms | target ≤ 2 ms per filing |")
    print("|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, throwaway_database(backend, Path(tmp)) as url:
            started = time.perf_counter()
            samples = measure(url, Path(tmp), args.requests, args.rounds)
            on, off, other = samples["on"], samples["off"], samples["off2"]
            locked = statistics.median(on["locked"]) * 1000
            print(row(backend, "file (end to end)", on["file"], off["file"]))
            print(row(backend, "approve, head + finance (end to end)", on["approve"], off["approve"]))
            print(row(backend, "file, A/A: off vs off (noise floor)", other["file"], off["file"]))
            print(row(backend, "approve, A/A: off vs off (noise floor)", other["approve"], off["approve"]))
            print(row(backend, "the check's query alone", on["query"], None))
            print(row(backend, "the lock + the query (block)", on["locked"], None,
                      "met" if locked <= TARGET_MS else "MISSED"))
            print(f"<!-- {backend}: {args.requests} requests, {args.rounds} rounds, "
                  f"{time.perf_counter() - started:.0f} s -->")


if __name__ == "__main__":
    main()
