"""The outbox's Telegram channel for synchronous dispatchers (`soglasie dispatch`, the Airflow DAG).

The dispatcher calls `deliver_batch` from plain synchronous code, again and again in one
process. python-telegram-bot is asynchronous and its HTTP client belongs to one event loop,
so the channel keeps one loop running in a thread of its own for the life of the process
and hands each batch to it — never `asyncio.run` per batch on a shared Bot.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import threading
from typing import Callable

from telegram.ext import ExtBot

from soglasie.core import Core
from soglasie.notifications.channels import Delivery, DeliveryResult
from soglasie.services.dispatch import wall_clock
from soglasie.services.telegram_links import api_root
from soglasie.settings import Settings
from soglasie.telegram_bot.client import make_bot
from soglasie.telegram_bot.compose import compose_batch
from soglasie.telegram_bot.pacing import Pacer, SendWindow
from soglasie.telegram_bot.sender import classify, redact, send_all


class LoopThread:
    """An event loop running forever in a daemon thread; coroutines are submitted to it."""

    def __init__(self, name: str = "soglasie-telegram-loop"):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine, timeout: float | None = None):
        """Run `coroutine` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop and wait for the thread."""
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()


class _Shared:
    """What every channel of this process shares: the loop, a Bot per API server, a Core per database."""

    def __init__(self):
        self.lock = threading.Lock()
        self.runner: LoopThread | None = None
        self.bots: dict[tuple[str, str], ExtBot] = {}
        self.cores: dict[tuple[str, str], Core] = {}

    def loop(self) -> LoopThread:
        """The process's one event loop for Telegram (started on first use, stopped at exit)."""
        with self.lock:
            if self.runner is None:
                self.runner = LoopThread()
                atexit.register(self.close)
            return self.runner

    def bot(self, settings: Settings) -> ExtBot:
        """One Bot (and so one pacer) per token and API server: pacing holds across channels."""
        key = (settings.telegram_bot_token, api_root(settings))
        runner = self.loop()
        with self.lock:
            if key not in self.bots:
                self.bots[key] = runner.run(_make_bot(settings, None))
            return self.bots[key]

    def core(self, settings: Settings) -> Core:
        """A Core to read cards with, one per database (the registry hands channels settings only)."""
        key = (settings.database_url, str(settings.rules_dir))
        with self.lock:
            if key not in self.cores:
                self.cores[key] = Core.from_settings(settings)
            return self.cores[key]

    def close(self) -> None:
        """Shut the bots down and stop the loop (at process exit)."""
        with self.lock:
            runner, bots, self.runner, self.bots = self.runner, list(self.bots.values()), None, {}
        if runner is not None:
            for bot in bots:
                runner.run(bot.shutdown(), timeout=10)
            runner.stop()


_shared = _Shared()


class TelegramChannel:
    """Delivers claimed outbox messages through the Bot API, paced and classified.

    Cheap to build (the registry builds one per dispatch round): the loop, the Bot and the
    Core are the process's shared ones, unless a test passes its own `core` or `pacer`. A message
    starts on its way only before its claim's send deadline on `clock`, the wall clock.
    """

    name = "telegram"

    def __init__(self, settings: Settings, core: Core | None = None, pacer: Pacer | None = None,
                 clock: Callable[[], dt.datetime] = wall_clock):
        self.settings = settings
        self._core = core
        self._pacer = pacer
        self.clock = clock
        self._own_bot: ExtBot | None = None

    def _bot(self, runner: LoopThread) -> ExtBot:
        if self._pacer is None:
            return _shared.bot(self.settings)
        if self._own_bot is None:
            self._own_bot = runner.run(_make_bot(self.settings, self._pacer))
        return self._own_bot

    def deliver_batch(self, deliveries: list[Delivery]) -> dict[int, DeliveryResult]:
        """Deliver each message (composed from the card as it is now); a result for every id."""
        core = self._core or _shared.core(self.settings)
        runner = _shared.loop()
        bot = self._bot(runner)
        outgoing = compose_batch(core, deliveries)
        return runner.run(_deliver(bot, outgoing, SendWindow.for_claim(deliveries, self.clock)))

    def close(self) -> None:
        """Release this channel's own Bot, if it has one (the shared ones live until exit)."""
        bot, self._own_bot = self._own_bot, None
        if bot is not None and _shared.runner is not None:
            _shared.runner.run(bot.shutdown(), timeout=10)


async def _make_bot(settings: Settings, pacer: Pacer | None) -> ExtBot:
    return make_bot(settings, pacer)  # created on the loop that will use it: its HTTP client belongs there


async def _deliver(bot: ExtBot, outgoing, window: SendWindow) -> dict[int, DeliveryResult]:
    try:
        await bot.initialize()  # getMe once; cheap afterwards
    except Exception as error:  # noqa: BLE001 - Telegram unreachable: every message waits for a retry
        result = redact(classify(error), bot.token)
        return {item.delivery_id: result for item in outgoing}
    return await send_all(bot, outgoing, window)
