"""Fixtures for the Telegram tests: the fake Bot API, a settable clock, the running bot, linked chats."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading

import pytest
from sqlalchemy import func, select

from soglasie.models import OutboxMessage, User
from soglasie.telegram_bot.channel import TelegramChannel
from soglasie.telegram_bot.pacing import Pacer
from soglasie.telegram_bot.service import BotOptions, BotService
from tests.conftest import T0
from tests.telegram.fake_bot_api import FakeBotApi

# python-telegram-bot 22 warns on every RetryAfter unless opted in to timedelta time periods.
os.environ.setdefault("PTB_TIMEDELTA", "true")
PORTAL = "https://soglasie.example.com"
# Chat ids as Telegram gives them: private chats of newer accounts exceed 32 bits.
CHATS = {"mhead": 7_000_000_001, "finance": 7_000_000_002, "ops": 7_000_000_003, "memployee": 7_000_000_004,
         "phead": 7_000_000_005, "pemployee": 7_000_000_006}


class SimClock:
    """Business time for the bot process: set by the test, never read from the wall."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.now

    def set(self, now: dt.datetime) -> None:
        """Move business time to `now`."""
        with self._lock:
            self.now = now


def fast_pacer() -> Pacer:
    """Telegram's limits shrunk 20× so behaviour tests stay quick (pacing has its own tests)."""
    return Pacer(overall_per_second=600, chat_interval=0.05)


@pytest.fixture
def fake_api():
    """The fake Bot API server, running."""
    fake = FakeBotApi().start()
    yield fake
    fake.stop()


@pytest.fixture
def tg_core(core, fake_api):
    """The core with Telegram switched on against the fake server."""
    core.settings = core.settings.with_overrides(
        telegram_bot_token=fake_api.token, telegram_api_base_url=fake_api.base_url, portal_url=PORTAL)
    return core


@pytest.fixture
def clock():
    """Business time, starting at T0."""
    return SimClock(T0)


class RunningBot:
    """A BotService running in a thread of its own, as `soglasie bot` runs it."""

    def __init__(self, service: BotService):
        self.service = service
        self.thread = threading.Thread(target=asyncio.run, args=(service.run(),), daemon=True)

    def __enter__(self) -> BotService:
        self.thread.start()
        assert self.service.ready.wait(15), "the bot did not start"
        return self.service

    def __exit__(self, *exc) -> None:
        self.service.stop()
        self.thread.join(20)
        assert not self.thread.is_alive(), "the bot did not stop"


@pytest.fixture
def bot(tg_core, clock):
    """The bot process (long polling + outbox drain) against the fake server."""
    service = BotService(tg_core, BotOptions(poll_timeout=1.0, drain_interval=0.1), clock=clock, pacer=fast_pacer())
    with RunningBot(service) as running:
        yield running


@pytest.fixture
def channel(tg_core):
    """The synchronous channel the dispatcher and the Airflow DAG use."""
    made = TelegramChannel(tg_core.settings, tg_core, pacer=fast_pacer())
    yield made
    made.close()


def link(core, users, login: str, chat_id: int | None = None) -> int:
    """Link `login` to a chat directly in the database (tests about linking use /start instead)."""
    chat_id = chat_id or CHATS[login]
    with core.db.write() as session:
        session.get(User, users[login]).telegram_chat_id = chat_id
    return chat_id


def telegram_rows(core, **where) -> list[OutboxMessage]:
    """The outbox's Telegram rows (filtered by column values), oldest first."""
    with core.db.read() as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == "telegram")
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        rows = list(session.scalars(query.order_by(OutboxMessage.id)))
        session.expunge_all()  # keep the loaded values: the read session rolls back
        return rows


def count_rows(core, status: str) -> int:
    """How many Telegram outbox rows have `status`."""
    with core.db.read() as session:
        return session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.channel == "telegram", OutboxMessage.status == status))


def buttons(message: dict) -> list[dict]:
    """The inline buttons of a message the fake stored, flattened."""
    return [button for row in message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]
