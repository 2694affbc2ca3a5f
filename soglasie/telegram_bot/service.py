"""The bot process: updates by long polling (or a webhook) plus the outbox drain, on one event loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import threading
from dataclasses import dataclass
from typing import Callable

from telegram import BotCommand
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from soglasie.core import Core
from soglasie.telegram_bot.client import make_bot
from soglasie.telegram_bot.drain import POLL_INTERVAL_S, OutboxDrain
from soglasie.telegram_bot.handlers import BotHandlers
from soglasie.telegram_bot.pacing import Pacer
from soglasie.telegram_bot.texts import COMMANDS
from soglasie.telegram_bot.webhook import WebhookServer

log = logging.getLogger("soglasie.telegram")
ALLOWED_UPDATES = ["message", "callback_query"]
STARTUP_RETRY_S = 5.0


def utc_now() -> dt.datetime:
    """The wall clock (the bot is an entry point: it reads the time and passes it down)."""
    return dt.datetime.now(dt.timezone.utc)


def webhook_secret(core: Core) -> str:
    """TELEGRAM_WEBHOOK_SECRET, else one derived from SECRET_KEY (Telegram allows [A-Za-z0-9_-])."""
    configured = core.settings.telegram_webhook_secret
    return configured or hmac.new(core.settings.secret_key.encode(), b"soglasie telegram webhook",
                                  hashlib.sha256).hexdigest()


async def set_commands(bot) -> None:
    """The command menu in both languages: Russian for Russian-speaking users, English for everyone else."""
    for language in ("ru", "en"):
        menu = [BotCommand(name, text.get(language)) for name, text in COMMANDS.items()]
        try:
            await bot.set_my_commands(menu, language_code="ru" if language == "ru" else None)
        except TelegramError as error:  # a missing menu is cosmetic: the commands work anyway
            log.warning("setting the bot's %s command menu failed: %s", language, error)


@dataclass
class BotOptions:
    """How the bot runs; the defaults are production's."""

    listen: str = "0.0.0.0"  # the webhook's local address (Telegram reaches it via TELEGRAM_WEBHOOK_URL)
    port: int = 8443
    poll_timeout: float = 10.0  # long-polling: seconds Telegram holds getUpdates open
    drain_interval: float = POLL_INTERVAL_S
    drain: bool = True


class BotService:
    """Runs until `stop()`; thread-safe start/stop so tests and the CLI drive it the same way."""

    def __init__(self, core: Core, options: BotOptions | None = None,
                 clock: Callable[[], dt.datetime] = utc_now, pacer: Pacer | None = None):
        self.core, self.options, self.clock, self.pacer = core, options or BotOptions(), clock, pacer
        self.ready = threading.Event()
        self.webhook: WebhookServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def uses_webhook(self) -> bool:
        """True when TELEGRAM_WEBHOOK_URL is set."""
        return bool(self.core.settings.telegram_webhook_url)

    def stop(self) -> None:
        """Ask the service to stop (from any thread)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    async def run(self) -> None:
        """Serve until stopped."""
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        app = self._application()
        if not await self._initialize(app):
            return
        drain = OutboxDrain(self.core, app.bot, self.clock, self.options.drain_interval)
        handlers = BotHandlers(self.core, self.clock, on_change=drain.wake)
        handlers.register(app)
        await set_commands(app.bot)
        try:
            await app.start()
            await self._start_updates(app)
            drain_task = asyncio.create_task(drain.run(self._stop)) if self.options.drain else None
            self.ready.set()
            await self._stop.wait()
            if drain_task is not None:
                await drain_task
        finally:
            await self._stop_updates(app)
            if app.running:
                await app.stop()
            await app.shutdown()

    def _application(self) -> Application:
        builder = Application.builder().bot(make_bot(self.core.settings, self.pacer))
        builder = builder.concurrent_updates(True).job_queue(None)
        if self.uses_webhook:
            builder = builder.updater(None)  # our own webhook server feeds the update queue
        return builder.build()

    async def _initialize(self, app: Application) -> bool:
        """Initialize (getMe), retrying while Telegram is unreachable; False when stopped first."""
        while not self._stop.is_set():
            try:
                await app.initialize()
                return True
            except InvalidToken:
                raise
            except NetworkError as error:
                log.warning("Telegram is unreachable (%s); retrying in %.0f s", error, STARTUP_RETRY_S)
                try:
                    await asyncio.wait_for(self._stop.wait(), STARTUP_RETRY_S)
                except TimeoutError:
                    pass
        return False

    async def _start_updates(self, app: Application) -> None:
        if not self.uses_webhook:
            await app.updater.start_polling(timeout=self.options.poll_timeout, allowed_updates=ALLOWED_UPDATES,
                                            bootstrap_retries=-1)
            log.info("bot @%s: long polling", app.bot.username)
            return
        secret = webhook_secret(self.core)
        self.webhook = WebhookServer(app, self.core.settings.telegram_webhook_url, secret,
                                     self.options.listen, self.options.port)
        self.webhook.start()
        await app.bot.set_webhook(self.core.settings.telegram_webhook_url, secret_token=secret,
                                  allowed_updates=ALLOWED_UPDATES)
        log.info("bot @%s: webhook %s, listening on %s:%s", app.bot.username,
                 self.core.settings.telegram_webhook_url, self.options.listen, self.webhook.port)

    async def _stop_updates(self, app: Application) -> None:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if self.webhook is not None:
            await asyncio.to_thread(self.webhook.stop)
