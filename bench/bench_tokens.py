"""Benchmark of Bearer reads on SQLite: a GET must not write, nor wait for another writer's lock.

Run:  .venv/bin/python bench/bench_tokens.py [--rounds 7] [--calls 100] [--lock-ms 20]

A migrated SQLite database with the demo company; the portal in-process (Flask's test client,
no network). Three kinds of call, interleaved round by round, each `--calls` times:

- `healthz`: GET /healthz, the baseline (no database);
- `fresh token`: GET /api/v1/cost-items with a token whose use was noted less than 5 minutes
  ago — what nearly every Bearer call is now: a read, no write;
- `noting every call`: the same GET with the portal's clock moved 6 minutes before each call,
  so that each one notes the token's use — what every Bearer call did before (a write).

Each kind runs twice: alone, and while another thread takes SQLite's write lock for
`--lock-ms` ms over and over (a busy portal or sweep). Reported: the median per call over
the rounds, its ratio to the baseline, and the writes (INSERT/UPDATE/BEGIN IMMEDIATE) per call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.services import profile  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402
from webapp import create_app  # noqa: E402

NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.timezone.utc)
KINDS = ("healthz", "fresh token", "noting every call")


class Clock:
    """The portal's clock, moved by the benchmark."""

    def __init__(self):
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


class Writes:
    """Statements of the calling thread (the portal's requests) that write or take SQLite's write lock."""

    def __init__(self, engine):
        self.count, self.thread = 0, threading.get_ident()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args):
        if threading.get_ident() == self.thread and statement.lstrip().upper().startswith(
                ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")):
            self.count += 1


def build(directory: Path):
    """The demo database, the portal on it, a token for memployee."""
    settings = Settings(database_url=f"sqlite:///{directory / 'soglasie.db'}", data_dir=directory,
                        rules_dir=REPO_ROOT / "rules", secret_key="bench" * 8)
    core = Core.from_settings(settings)
    schema.upgrade(core.db)
    with core.db.write() as session:
        load_demo(session, NOW)
    with core.db.engine.connect() as connection:
        user_id = connection.exec_driver_sql("SELECT id FROM users WHERE login = 'memployee'").scalar_one()
    token = profile.create_api_token(core, user_id, NOW, "bench")
    clock = Clock()
    app = create_app({"SOGLASIE_CORE": core, "SOGLASIE_CLOCK": clock})
    return core, app.test_client(), {"Authorization": f"Bearer {token}"}, clock


def call(client, headers, clock, kind: str) -> None:
    """One call of `kind`."""
    if kind == "healthz":
        response = client.get("/healthz")
    else:
        if kind == "noting every call":
            clock.now += dt.timedelta(minutes=6)
        response = client.get("/api/v1/cost-items", headers=headers)
    assert response.status_code == 200, response.status_code


class LockHolder(threading.Thread):
    """Takes SQLite's write lock for `hold` seconds, again and again, until stopped."""

    def __init__(self, core, hold: float):
        super().__init__(daemon=True)
        self.core, self.hold, self.stop = core, hold, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            with self.core.db.write():
                time.sleep(self.hold)
            time.sleep(0.001)


def measure(client, headers, clock, writes, rounds: int, calls: int) -> dict[str, tuple[float, float]]:
    """Median ms per call and writes per call, for each kind, over interleaved rounds."""
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    counted: dict[str, int] = {kind: 0 for kind in KINDS}
    for _ in range(rounds):
        for kind in KINDS:
            before = writes.count
            start = time.perf_counter()
            for _ in range(calls):
                call(client, headers, clock, kind)
            times[kind].append((time.perf_counter() - start) * 1000 / calls)
            counted[kind] += writes.count - before
    return {kind: (statistics.median(times[kind]), counted[kind] / (rounds * calls)) for kind in KINDS}


def report(title: str, results: dict[str, tuple[float, float]]) -> None:
    baseline = results["healthz"][0]
    print(f"\n{title}")
    print(f"{'call':<20} {'median ms':>10} {'× healthz':>10} {'writes/call':>12}")
    for kind, (median, per_call) in results.items():
        print(f"{kind:<20} {median:>10.2f} {median / baseline:>10.1f} {per_call:>12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--lock-ms", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        core, client, headers, clock = build(Path(directory))
        call(client, headers, clock, "fresh token")  # the first use is noted once
        writes = Writes(core.db.engine)
        report("alone", measure(client, headers, clock, writes, args.rounds, args.calls))
        holder = LockHolder(core, args.lock_ms / 1000)
        holder.start()
        try:
            report(f"while another thread takes the write lock for {args.lock_ms:g} ms at a time",
                   measure(client, headers, clock, writes, args.rounds, max(args.calls // 5, 1)))
        finally:
            holder.stop.set()
            holder.join()
        core.db.dispose()


if __name__ == "__main__":
    main()
