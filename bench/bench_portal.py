"""Benchmark of the portal with 100,000 payment requests in SQLite: p95 of the board, a list and a card.

Run:  .venv/bin/python bench/bench_portal.py [--requests 100000] [--rounds 200] [--as ops] [--db PATH]

It builds a migrated SQLite database with the demo company, 200 more employees, 1,000
counterparties and `--requests` payment requests inserted in bulk (cards, runs, tasks,
timeline, invoices, inbox messages — consistent with the model: most requests are paid or
rejected, the newest ones wait at every stage). Then it serves the portal with werkzeug
(threaded) on 127.0.0.1 and lets 2 clients, logged in as `--as`, request each page
`--rounds` times at the same time. A trivial page (/healthz) measured in the same run is
the baseline; the target is p95 ≤ 100 ms for every page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.process.chain import GENESIS, row_hash  # noqa: E402
from soglasie.db import Database  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.models import Card, CostItem, Counterparty, Department, User, UserRole  # noqa: E402
from soglasie.services import worklists  # noqa: E402
from soglasie.services.queries import CardFilter  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402
from soglasie.validation import is_valid_inn  # noqa: E402

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, a Tuesday
INVOICE_SHA = "0" * 64
BATCH = 5_000
TARGET_MS = 100.0


# --- data ------------------------------------------------------------------------------------


def valid_inn(rng: random.Random) -> str:
    """A random 10-digit INN with the right checksum."""
    while True:
        body = "".join(rng.choice("0123456789") for _ in range(9))
        weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
        inn = body + str(sum(int(d) * w for d, w in zip(body, weights)) % 11 % 10)
        if is_valid_inn(inn) and not inn.startswith("0"):
            return inn


def add_people_and_directories(db: Database, rng: random.Random) -> dict:
    """200 more employees across the demo departments, and 1,000 counterparties."""
    with db.write() as session:
        password = session.scalar(select(User.password_hash).where(User.login == "memployee"))
        departments = {row.code: row.id for row in session.scalars(select(Department))}
        heads = {row.id: row.head_id for row in session.scalars(select(Department))}
        for n in range(200):
            department = rng.choice(list(departments.values()))
            user = User(login=f"emp{n:03d}", name=f"Сотрудник {n:03d}", password_hash=password, locale="ru",
                        department_id=department, active=True, created_at=NOW)
            user.role_rows = [UserRole(role="employee")]
            session.add(user)
        inns = set()
        while len(inns) < 1000:
            inns.add(valid_inn(rng))
        session.execute(insert(Counterparty), [
            {"name": f"ООО «Поставщик {n:04d}»", "inn": inn, "active": True, "created_at": NOW}
            for n, inn in enumerate(sorted(inns))])
        session.flush()
        users = {u.login: (u.id, u.department_id) for u in session.scalars(select(User))}
        return {"users": users, "heads": heads,
                "counterparties": list(session.scalars(select(Counterparty.id))),
                "cost_items": list(session.scalars(select(CostItem.id)))}


ACTIVE = 600  # requests in progress: about four working days of filing at 140 a day


def plan_stage(index: int, total: int, rng: random.Random) -> str:
    """Older requests are finished; the newest ACTIVE wait at every stage."""
    if index <= total - ACTIVE:
        return rng.choices(["paid", "rejected"], weights=[90, 10])[0]
    return rng.choices(["head_approval", "finance_review", "payment", "documents_requested", "director_approval",
                        "frozen"], weights=[40, 30, 20, 4, 3, 3])[0]


class Generator:
    """Rows for one card at a time, with explicit ids so that everything links up."""

    def __init__(self, world: dict, rng: random.Random, total: int):
        self.world, self.rng, self.total = world, rng, total
        self.users = world["users"]
        self.initiators = [v for k, v in world["users"].items() if k.startswith("emp") or k.endswith("employee")]
        self.rows = {name: [] for name in ("cards", "runs", "tasks", "timeline", "attachments", "outbox")}
        self.chain_heads: dict[int, str] = {}
        self.task_id = self.event_id = self.message_id = 0

    def card(self, card_id: int) -> None:
        """One request: its card, run, tasks, timeline, invoice and inbox messages."""
        rng = self.rng
        created = NOW - dt.timedelta(minutes=10 * (self.total - card_id) + rng.randint(0, 9))
        initiator, department = rng.choice(self.initiators)
        amount = Decimal(round(10 ** rng.uniform(3, 6.7))) / 100 * 100  # whole rubles: exact kopecks
        stage = plan_stage(card_id, self.total, rng)
        route = ["head_approval"] + (["director_approval"] if amount > 1_000_000 or stage == "director_approval"
                                     else []) + ["finance_review", "payment"]
        self.rows["cards"].append({
            "id": card_id, "kind": "payment", "initiator_id": initiator, "department_id": department,
            "counterparty_id": rng.choice(self.world["counterparties"]), "amount": amount, "currency": "RUB",
            "cost_item_id": rng.choice(self.world["cost_items"]), "comment": "", "stage": stage,
            "current_run_id": card_id, "created_at": created, "updated_at": created + dt.timedelta(hours=3)})
        self.rows["attachments"].append({
            "card_id": card_id, "purpose": "invoice", "sha256": INVOICE_SHA, "size": 1024,
            "content_type": "application/pdf", "original_name": f"invoice-{card_id}.pdf", "comment": "",
            "uploaded_by_id": initiator, "uploaded_at": created})
        self.event(card_id, created, initiator, "created", "head_approval")
        self.walk(card_id, created, initiator, department, stage, route)

    def walk(self, card_id, created, initiator, department, stage, route) -> None:
        """Tasks and events of the stages passed, and the open tasks where the request waits."""
        current = {"paid": None, "rejected": "finance_review", "frozen": "finance_review",
                   "documents_requested": "head_approval"}.get(stage, stage)
        at = created
        for stage_id in route:
            at += dt.timedelta(hours=4)
            self.event(card_id, at, None, "stage_entered", stage_id)
            waiting = stage_id == current
            for kind, assignee in self.assignees(stage_id, department):
                status = "open" if waiting and stage not in ("rejected",) else "done"
                outcome = None if status == "open" else ("rejected" if waiting else "approved")
                self.task(card_id, stage_id, kind, assignee, at, status, outcome)
                self.message(assignee, card_id, at, read=status == "done")
                if status == "done":
                    self.event(card_id, at + dt.timedelta(hours=1), assignee, outcome, stage_id)
            if waiting:
                break
        self.rows["runs"].append({
            "id": card_id, "card_id": card_id, "number": 1, "process": "payment", "rules_version": "bench",
            "route": route, "assignee_overrides": {}, "stage": stage, "started_at": created,
            "resume_stage": current if stage == "frozen" else None,
            "asking_stage": current if stage == "documents_requested" else None,
            "stage_entered_at": at, "finished_at": at if stage in ("paid", "rejected") else None, "version": 1})
        if stage == "paid":
            self.event(card_id, at + dt.timedelta(hours=2), None, "finished", "paid")
            self.message(initiator, card_id, at, read=True)

    def assignees(self, stage_id: str, department: int) -> list[tuple[str, int]]:
        """The (task kind, assignee id) pairs a stage creates, as the rule file routes them."""
        users = self.users
        if stage_id == "head_approval":
            return [("approval", self.world["heads"].get(department) or users["ops"][0])]
        if stage_id == "director_approval":
            return [("approval", users["signer"][0])]
        if stage_id == "finance_review":
            return [("approval", users["finance"][0])]
        return [("make_payment", users["chief"][0]), ("payment_order", users["accountant"][0])]

    def task(self, card_id, stage_id, kind, assignee, at, status, outcome) -> None:
        """One task row."""
        self.task_id += 1
        self.rows["tasks"].append({
            "id": self.task_id, "run_id": card_id, "card_id": card_id, "stage": stage_id, "kind": kind, "seq": 1,
            "assignee_id": assignee, "status": status, "deadline": at + dt.timedelta(days=2), "created_at": at,
            "started_at": None if status == "open" else at, "decided_at": None if status == "open" else at,
            "decided_by_id": None if status == "open" else assignee, "outcome": outcome,
            "next_check_at": at + dt.timedelta(hours=4) if status == "open" else None,
            "sla_consumed_minutes": 0, "version": 1})

    def event(self, card_id, at, actor, event, stage) -> None:
        """One timeline row, chained to the card's previous one as the portal writes it (soglasie/process/chain.py)."""
        self.event_id += 1
        row = {"id": self.event_id, "card_id": card_id, "run_id": card_id, "task_id": None, "at": at,
               "actor_id": actor, "on_behalf_of_id": None, "event": event, "stage": stage, "comment": None,
               "data": {}}
        row["prev_hash"] = self.chain_heads.get(card_id, GENESIS)
        row["hash"] = self.chain_heads[card_id] = row_hash(row["prev_hash"], row)
        self.rows["timeline"].append(row)

    def message(self, recipient, card_id, at, read: bool) -> None:
        """One inbox message."""
        self.message_id += 1
        self.rows["outbox"].append({
            "recipient_id": recipient, "channel": "inbox", "kind": "task_assigned", "card_id": card_id,
            "text": f"Новая задача по заявке №{card_id}", "payload": {}, "status": "sent", "attempts": 0,
            "idempotency_key": f"bench:{self.message_id}", "created_at": at, "sent_at": at,
            "read_at": at if read else None})


def sqlite_value(value):
    """What SQLAlchemy would store on SQLite: naive-UTC datetime text, kopecks, JSON text."""
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, Decimal):
        return int(value * 100)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


def bulk_insert(connection: sqlite3.Connection, table: str, rows: list[dict]) -> None:
    """One executemany per table and batch (the rows of a table all have the same keys)."""
    columns = list(rows[0])
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    connection.executemany(statement, ([sqlite_value(row[c]) for c in columns] for row in rows))


def fill(db: Database, path: Path, total: int, seed: int) -> dict[str, int]:
    """Insert `total` payment requests in bulk with sqlite3 directly; returns the row counts."""
    rng = random.Random(seed)
    world = add_people_and_directories(db, rng)
    db.dispose()
    generator = Generator(world, rng, total)
    tables = {"cards": "cards", "runs": "process_runs", "tasks": "tasks", "timeline": "timeline_events",
              "attachments": "attachments", "outbox": "outbox"}
    counts = dict.fromkeys(tables, 0)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous = OFF")
    for start in range(1, total + 1, BATCH):
        for card_id in range(start, min(start + BATCH, total + 1)):
            generator.card(card_id)
        connection.execute("BEGIN")
        # Cards and runs refer to each other: check the foreign keys at commit, not per row.
        connection.execute("PRAGMA defer_foreign_keys = ON")
        for name, table in tables.items():
            bulk_insert(connection, table, generator.rows[name])
            counts[name] += len(generator.rows[name])
            generator.rows[name] = []
        connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    return counts


# --- measuring -------------------------------------------------------------------------------


def serve(core: Core):
    """The portal on a free 127.0.0.1 port; returns (base URL, stop function)."""
    from webapp import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log lines in the figures
    app = create_app({"SOGLASIE_CORE": core, "SOGLASIE_CLOCK": lambda: NOW, "SOGLASIE_LOGIN_IP_LIMIT": 1000})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def logged_in(base: str, login: str) -> requests.Session:
    """A client session logged in through the login form."""
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = session.post(f"{base}/login", data={"login": login, "password": "demo", "csrf_token": token})
    assert answer.url.rstrip("/") == base, f"login as {login} failed"
    return session


def measure(base: str, login: str, paths, rounds: int, clients: int = 2) -> list[float]:
    """Latencies (ms) of `rounds` requests per client, `clients` clients at once."""
    sessions = [logged_in(base, login) for _ in range(clients)]
    latencies: list[float] = []
    lock = threading.Lock()

    def run(session: requests.Session, offset: int) -> None:
        """One client's requests, timed one by one."""
        mine = []
        for n in range(rounds):
            path = paths[(n + offset) % len(paths)] if isinstance(paths, list) else paths
            start = time.perf_counter()
            response = session.get(base + path)
            mine.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        with lock:
            latencies.extend(mine)

    for session in sessions:  # warm up connections, the database's pages in memory, caches and the rules
        for n in range(20):
            session.get(base + (paths[n % len(paths)] if isinstance(paths, list) else paths))
    threads = [threading.Thread(target=run, args=(session, index * 7)) for index, session in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0.95 → p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    """Build (or reuse) the database, then measure and print one table per user."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=200, help="requests per client and page")
    parser.add_argument("--as", dest="logins", default="ops,finance,mhead",
                        help="who the clients log in as (comma-separated: one table each)")
    parser.add_argument("--db", type=Path, help="keep the database here (default: a temporary directory)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="soglasie-bench-"))
    path = args.db or workdir / "bench.db"
    database_url = f"sqlite:///{path}"
    db = Database.from_url(database_url)
    if not path.exists() or not db.engine.connect().exec_driver_sql("SELECT 1 FROM sqlite_master "
                                                                    "WHERE name='cards'").first():
        started = time.perf_counter()
        schema.upgrade(db)
        with db.write() as session:
            load_demo(session, NOW)
        counts = fill(db, path, args.requests, seed=7)
        print(f"generated in {time.perf_counter() - started:.1f} s: {counts}")
    settings = Settings(database_url=database_url, data_dir=workdir / "data", rules_dir=REPO_ROOT / "rules",
                        secret_key="bench" * 8)
    core = Core.from_settings(settings)
    for login in args.logins.split(","):
        report(core, login.strip(), args.rounds)


def report(core: Core, login: str, rounds: int) -> None:
    """Measure every page and print a Markdown table with the ratio to the trivial page."""
    with core.db.read() as session:
        cards = session.scalar(select(func.count(Card.id)))
        user_id = session.scalar(select(User.id).where(User.login == login))
    rng = random.Random(3)
    # Cards this person may open: the newest 500 of his list (what people open most).
    visible = [item["id"] for page in range(1, 11)
               for item in worklists.list_page(core, user_id, CardFilter(kind="payment"), page, 50)["items"]]
    card_paths = [f"/requests/{rng.choice(visible)}" for _ in range(50)]
    pages = {
        "trivial page (/healthz), baseline": "/healthz",
        "board (/board)": "/board",
        "list, filtered, first page": "/list?department=marketing&cost_item=RAW&sort=-created",
        "card (/requests/<id>, 50 visible ids)": card_paths,
    }
    base, stop = serve(core)
    try:
        results = {name: measure(base, login, paths, rounds) for name, paths in pages.items()}
    finally:
        stop()
    baseline = percentile(results["trivial page (/healthz), baseline"], 0.95)
    print(f"\n{cards:,} payment requests; 2 concurrent clients as {login}, {rounds} requests each per page; "
          f"Python {platform.python_version()}, {platform.machine()}\n")
    print("| page | p50 ms | p95 ms | p99 ms | p95 vs baseline | target p95 ≤ 100 ms |")
    print("|---|---:|---:|---:|---:|---|")
    for name, values in results.items():
        p95 = percentile(values, 0.95)
        print(f"| {name} | {statistics.median(values):.1f} | {p95:.1f} | {percentile(values, 0.99):.1f} | "
              f"{p95 / baseline:.1f}× | {'met' if p95 <= TARGET_MS else 'MISSED'} |")


if __name__ == "__main__":
    main()
