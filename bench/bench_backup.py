"""Backup and restore of a demo database with some hundreds of cards: size, time, and a verified restore.

Builds the demo company plus `--cards` payment requests through the services (each with its own
PDF invoice; most approved by the head and finance, so the timeline has several rows per card),
then, in interleaved rounds, times:

- the baseline: a plain copy of the database file(s) and the attachments directory (SQLite: the
  file copied with the WAL checkpointed; PostgreSQL: `pg_dump` alone, the floor of any dump);
- `soglasie backup` (snapshot + attachments + SHA-256 manifest), `backup verify`, and `restore`
  into an empty database and data directory, followed by `audit verify` and a comparison of every
  card, timeline row and attachment with the source (the "restore verified" column).

Prints a Markdown table (medians over the rounds, ratio to the baseline of the same run).

    .venv/bin/python bench/bench_backup.py [--cards 300] [--rounds 5] [--backends sqlite,postgresql]
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.models import Attachment, Card, Task, TimelineEvent, User  # noqa: E402
from soglasie.services import actions  # noqa: E402
from soglasie.services.audit import verify_timeline  # noqa: E402
from soglasie.services.backup import pg_dump_to, backup, restore, verify  # noqa: E402
from soglasie.services.cards import CardInput, create_card  # noqa: E402
from soglasie.services.common import Upload  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402
from tests.support.files import pdf_bytes  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402

NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.timezone.utc)


def build(core: Core, cards: int) -> None:
    """The demo company and `cards` requests, two of three approved by the head and then finance."""
    schema.upgrade(core.db)
    with core.db.write() as session:
        load_demo(session, NOW)
    with core.db.read() as session:
        initiator = session.scalar(select(User.id).where(User.login == "memployee"))
    for number in range(cards):
        invoice = Upload(pdf_bytes(f"invoice {number} " + "x" * (number % 50) * 40), f"invoice-{number}.pdf")
        card = create_card(core, initiator, NOW, "payment", CardInput(
            document=invoice, document_field="invoice", counterparty_inn="7701526010", cost_item="PACK",
            amount=f"{1000 + number}.00", comment=f"bench {number}"))
        if number % 3:
            for stage in ("head_approval", "finance_review"):
                with core.db.read() as session:
                    task_id, assignee = session.execute(select(Task.id, Task.assignee_id).where(
                        Task.card_id == card.card_id, Task.stage == stage)).one()
                actions.approve(core, assignee, task_id, NOW)


def state(core: Core) -> list:
    """Every card, timeline row and attachment row, for comparing a restore with its source."""
    with core.db.read() as session:
        return [[tuple(row) for row in session.execute(select(model.__table__).order_by(model.__table__.c.id))]
                for model in (Card, TimelineEvent, Attachment)]


def baseline(settings: Settings, target: Path) -> None:
    """A plain copy (SQLite file + attachments), or pg_dump alone."""
    if settings.database_url.startswith("sqlite"):
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target.mkdir(parents=True)
        shutil.copyfile(path, target / "soglasie.db")
        shutil.copytree(settings.attachments_dir, target / "attachments")
    else:
        target.mkdir(parents=True)
        pg_dump_to(settings.database_url, target / "soglasie.pgdump")


def size(directory: Path) -> int:
    """Bytes of every file under `directory`."""
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def measure(backend: str, cards: int, rounds: int) -> dict:
    """Medians of each step over `rounds` interleaved rounds on one source database."""
    timings = {name: [] for name in ("baseline", "backup", "verify", "restore")}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cluster = PostgresCluster() if backend == "postgresql" else None
        if cluster:
            cluster.start()
        try:
            url = _database(cluster, tmp, "source")
            settings = Settings(database_url=url, data_dir=tmp / "data", rules_dir=REPO_ROOT / "rules",
                                secret_key="bench")
            source = Core.from_settings(settings)
            build(source, cards)
            expected = state(source)
            verified, sizes = True, {}
            for number in range(rounds):
                started = time.perf_counter()
                baseline(settings, tmp / f"copy{number}")
                timings["baseline"].append(time.perf_counter() - started)
                started = time.perf_counter()
                result = backup(settings, tmp / f"backup{number}", NOW)
                timings["backup"].append(time.perf_counter() - started)
                started = time.perf_counter()
                assert verify(result.directory) is None
                timings["verify"].append(time.perf_counter() - started)
                target = settings.with_overrides(database_url=_database(cluster, tmp, f"restored{number}"),
                                                 data_dir=tmp / f"restored{number}")
                started = time.perf_counter()
                restore(target, result.directory)
                timings["restore"].append(time.perf_counter() - started)
                restored = Core.from_settings(target)
                verified &= verify_timeline(restored).ok and state(restored) == expected
                restored.db.dispose()
                sizes = {"backup": size(result.directory), "baseline": size(tmp / f"copy{number}"),
                         "files": result.files}
            source.db.dispose()
        finally:
            if cluster:
                cluster.stop()
    return {"medians": {name: statistics.median(values) for name, values in timings.items()}, "verified": verified,
            **sizes}


def _database(cluster, tmp: Path, name: str) -> str:
    if cluster is None:
        return f"sqlite:///{tmp / (name + '.db')}"
    cluster.admin_sql(f"CREATE DATABASE {name}")
    return cluster.url(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print("| backend | cards | files | backup size | baseline size | backup s | baseline s | ratio | verify s "
          "| restore s | restore verified |\n|---|---|---|---|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        result = measure(backend, args.cards, args.rounds)
        medians = result["medians"]
        print(f"| {backend} | {args.cards} | {result['files']} | {result['backup'] / 2**20:.2f} MiB "
              f"| {result['baseline'] / 2**20:.2f} MiB | {medians['backup']:.3f} | {medians['baseline']:.3f} "
              f"| {medians['backup'] / medians['baseline']:.2f} | {medians['verify']:.3f} | {medians['restore']:.3f} "
              f"| {'yes' if result['verified'] else 'NO'} |")


if __name__ == "__main__":
    main()
