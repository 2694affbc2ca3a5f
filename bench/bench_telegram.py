"""Benchmark: Telegram delivery through the real python-telegram-bot client to the fake Bot API.

1. Sustained delivery: N messages queued for 100 linked chats, drained by the bot process
   (`soglasie bot`'s drain, real pacing) while the fake server enforces Telegram's limits
   (429 beyond 30 messages/s overall or 1/s in a chat). Reports messages/s, 429s, the
   smallest gap between two messages in one chat and the busiest 1-second window.
   Run three times: text messages interleaved across chats ("mixed"), each chat's in a row
   ("grouped"), and task cards with their invoice attached ("documents": sendDocument
   multipart uploads of a PDF with the summary as caption and the buttons).
2. Latency: with the bot running, a service call (filing a payment request) writes a
   task for a department head; the time from the call's commit to the fake server
   receiving the task with its invoice (sendDocument), over many calls across 20 heads.

    .venv/bin/python bench/bench_telegram.py [--messages 1000] [--chats 100] [--calls 100]
        [--backends sqlite,postgresql]   (throwaway databases; default: sqlite)
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PTB_TIMEDELTA", "true")

from sqlalchemy import select  # noqa: E402

from soglasie import schema  # noqa: E402
from soglasie.core import Core  # noqa: E402
from soglasie.demo import load_demo  # noqa: E402
from soglasie.models import Department, OutboxMessage, User  # noqa: E402
from soglasie.notifications.outbox import OPEN_KIND, Notice, enqueue, enqueue_telegram  # noqa: E402
from soglasie.services.cards import CardInput, create_card  # noqa: E402
from soglasie.services.common import Upload  # noqa: E402
from soglasie.settings import REPO_ROOT, Settings  # noqa: E402
from soglasie.telegram_bot.service import BotOptions, BotService, utc_now  # noqa: E402
from tests.support.files import pdf_bytes  # noqa: E402
from tests.support.postgres import throwaway_database  # noqa: E402
from tests.telegram.fake_bot_api import FakeBotApi  # noqa: E402

CHAT_BASE = 8_000_000_000
_INVOICE_NUMBERS = itertools.count(1)  # each filing its own invoice: no duplicate warnings in the bench


def _core(url: str, data_dir: Path, fake: FakeBotApi) -> Core:
    settings = Settings(database_url=url, data_dir=data_dir, rules_dir=REPO_ROOT / "rules", secret_key="bench" * 8,
                        portal_url="https://soglasie.example.com", telegram_bot_token=fake.token,
                        telegram_api_base_url=fake.base_url)
    core = Core.from_settings(settings)
    schema.upgrade(core.db)
    with core.db.write() as session:
        load_demo(session, utc_now())
    return core


def _people(core: Core, chats: int, heads: int) -> tuple[list[int], list[int]]:
    """`chats` linked users; the first `heads` of them head a department with one employee each."""
    now = utc_now()
    with core.db.write() as session:
        users = []
        for index in range(chats):
            user = User(login=f"bench{index:03d}", name=f"Bench {index}", password_hash="-", locale="ru",
                        telegram_chat_id=CHAT_BASE + index, created_at=now)
            session.add(user)
            users.append(user)
        session.flush()
        employees = []
        for index in range(heads):
            department = Department(code=f"bench{index}", name=f"Bench {index}", head_id=users[index].id)
            session.add(department)
            session.flush()
            employee = User(login=f"bench_emp{index:03d}", name=f"Employee {index}", password_hash="-",
                            department_id=department.id, created_at=now)
            session.add(employee)
            session.flush()
            employees.append(employee.id)
        return [user.id for user in users], employees


def _queue(core: Core, user_ids: list[int], per_chat: int, order: str, cards: list[int]) -> None:
    """Queue messages interleaved across chats ("mixed"), each chat's in a row ("grouped"), or cards with
    their invoices ("documents", interleaved)."""
    now = utc_now()
    pairs = [(n, user_id) for n in range(per_chat) for user_id in user_ids]
    if order == "grouped":
        pairs.sort(key=lambda pair: pair[1])
    with core.db.write() as session:
        for n, user_id in pairs:
            user = session.get(User, user_id)
            if order == "documents":
                card_id = cards[(n * len(user_ids) + user_id) % len(cards)]
                enqueue_telegram(session, user, OPEN_KIND, f"bench:documents:{user_id}:{n}", "", now, card_id=card_id)
                continue
            text = f"bench {order} message {n} for {user.login}"
            enqueue(session, Notice(user, "bench", f"bench:{order}:{user_id}:{n}", {"ru": text, "en": text}),
                    ("telegram",), now)


def _sent_count(core: Core) -> int:
    with core.db.read() as session:
        return len(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.channel == "telegram", OutboxMessage.status == "sent")).all())


class Bot:
    """The bot process in a thread."""

    def __init__(self, core: Core):
        self.service = BotService(core, BotOptions(poll_timeout=1.0))
        self.thread = threading.Thread(target=asyncio.run, args=(self.service.run(),), daemon=True)

    def __enter__(self):
        self.thread.start()
        self.service.ready.wait(30)
        return self

    def __exit__(self, *exc):
        self.service.stop()
        self.thread.join(30)


def sustained(core: Core, fake: FakeBotApi, user_ids: list[int], messages: int, order: str,
              cards: list[int]) -> dict:
    """Queue `messages` across the chats, start the bot, time until all are sent."""
    per_chat = max(1, messages // len(user_ids))
    method = "sendDocument" if order == "documents" else "sendMessage"
    already, hits_before, calls_before = _sent_count(core), fake.state.limit_hits, len(fake.calls(method))
    _queue(core, user_ids, per_chat, order, cards)
    total = per_chat * len(user_ids)
    fake.enforce_limits()
    with Bot(core):
        start = time.monotonic()
        while _sent_count(core) < already + total:
            time.sleep(0.05)
        elapsed = time.monotonic() - start
    sends = fake.calls(method)[calls_before:]
    assert len(sends) == total, f"{len(sends)} {method} for {total} messages"
    steady = (len(sends) - 1) / (sends[-1].at - sends[0].at)  # first to last sendMessage at the server
    return {"order": order, "messages": total, "seconds": elapsed, "rate": total / elapsed, "steady": steady,
            "limit_429": fake.state.limit_hits - hits_before, "min_chat_gap": _min_chat_gap(sends),
            "busiest_second": _busiest_second(sends)}


def _min_chat_gap(sends) -> float:
    by_chat: dict[int, list[float]] = {}
    for call in sends:
        by_chat.setdefault(call.chat_id, []).append(call.at)
    gaps = [b - a for times in by_chat.values() for a, b in zip(times, times[1:])]
    return min(gaps) if gaps else float("inf")


def _busiest_second(sends) -> int:
    times = sorted(call.at for call in sends)
    best, left = 0, 0
    for right, at in enumerate(times):
        while at - times[left] >= 1.0:
            left += 1
        best = max(best, right - left + 1)
    return best


def _file(core: Core, employee: int, invoice: Upload) -> int:
    """File a payment request (its head gets the task with the invoice); the card id."""
    return create_card(core, employee, utc_now(), "payment", CardInput(
        counterparty_inn="7701526010", amount="1500.00", cost_item="PACK", document=invoice,
        document_field="invoice", invoice_number=f"TG-{next(_INVOICE_NUMBERS)}", vat_rate="22")).card_id


def _drain_all(core: Core) -> None:
    """Deliver whatever filing queued (the heads' task messages) before a measurement starts."""
    with Bot(core):
        while _pending(core):
            time.sleep(0.05)


def _pending(core: Core) -> int:
    with core.db.read() as session:
        return len(session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.channel == "telegram", OutboxMessage.status.in_(("pending", "sending")))).all())


def latency(core: Core, fake: FakeBotApi, employees: list[int], calls: int, spacing: float) -> list[float]:
    """Seconds from a committed service call to the task with its invoice (sendDocument) reaching the fake."""
    invoice = Upload(pdf_bytes("bench"), "invoice.pdf")
    committed: dict[int, float] = {}
    with Bot(core):
        for number in range(calls):
            committed[_file(core, employees[number % len(employees)], invoice)] = time.monotonic()
            time.sleep(spacing)
        deadline = time.monotonic() + 30
        while len(_arrivals(fake, committed)) < calls and time.monotonic() < deadline:
            time.sleep(0.05)
    arrivals = _arrivals(fake, committed)
    return [arrivals[card_id] - at for card_id, at in committed.items() if card_id in arrivals]


def _arrivals(fake: FakeBotApi, committed: dict[int, float]) -> dict[int, float]:
    found = {}
    for call in fake.calls("sendDocument"):
        for card_id in committed:
            if f"/requests/{card_id}\n" in call.params.get("caption", "") + "\n" and card_id not in found:
                found[card_id] = call.at
    return found


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(url: str, data_dir: Path, args) -> tuple[list[dict], list[float]]:
    """Both measurements on one database."""
    fake = FakeBotApi().start()
    try:
        core = _core(url, data_dir, fake)
        user_ids, employees = _people(core, args.chats, args.heads)
        invoice = Upload(pdf_bytes("bench invoice"), "invoice.pdf")
        cards = [_file(core, employees[n % len(employees)], invoice) for n in range(10)]
        _drain_all(core)
        flows = [sustained(core, fake, user_ids, args.messages, order, cards)
                 for order in ("mixed", "grouped", "documents")]
        fake.enforce_limits(False)
        samples = latency(core, fake, employees, args.calls, args.spacing)
        core.db.dispose()
        return flows, samples
    finally:
        fake.stop()


def _report(backend: str, flows: list[dict], samples: list[float], args) -> None:
    for flow in flows:
        print(f"| {backend} | sustained, {flow['order']} order: {flow['messages']} messages, {args.chats} chats | "
              f"{flow['rate']:.1f} msg/s end to end ({flow['seconds']:.1f} s); {flow['steady']:.1f} msg/s at the "
              f"server | 429 from limits: {flow['limit_429']} | min gap in one chat {flow['min_chat_gap']:.3f} s; "
              f"busiest 1-s window {flow['busiest_second']} |")
    print(f"| {backend} | latency: {len(samples)}/{args.calls} service calls → task with invoice (sendDocument) | p50 "
          f"{_quantile(samples, .5):.3f} s, p95 {_quantile(samples, .95):.3f} s, max {max(samples):.3f} s | — | — |")


def main(argv: list[str] | None = None) -> int:
    """Run both measurements on each backend and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--heads", type=int, default=20)
    parser.add_argument("--spacing", type=float, default=0.1, help="seconds between service calls")
    parser.add_argument("--backends", default="sqlite", help="comma-separated: sqlite,postgresql")
    args = parser.parse_args(argv)
    print("| backend | measurement | result | 429 | per chat / overall |\n|---|---|---|---|---|")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, throwaway_database(backend, Path(tmp)) as url:
            _report(backend, *run(url, Path(tmp) / "data", args), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
