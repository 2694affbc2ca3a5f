"""`soglasie bot`: the Telegram bot process (updates + instant delivery of the outbox)."""

from __future__ import annotations

import asyncio
import logging
import signal

from soglasie.core import Core
from soglasie.errors import ValidationError

log = logging.getLogger("soglasie.telegram")


def register(subparsers) -> None:
    """Add this module's subcommands."""
    bot = subparsers.add_parser(
        "bot", help="the Telegram bot: long polling (a webhook when TELEGRAM_WEBHOOK_URL is set) + delivery")
    bot.add_argument("--listen", default="0.0.0.0", help="webhook mode: the local address to listen on")
    bot.add_argument("--port", type=int, default=8443, help="webhook mode: the local port to listen on")
    bot.add_argument("--poll-timeout", type=float, default=10.0, help="long polling: seconds per getUpdates")
    bot.add_argument("--no-delivery", action="store_true",
                     help="do not drain the outbox here (leave it to `soglasie dispatch` or Airflow)")
    bot.set_defaults(handler=run_bot, logs=True)  # a service: its log is its output


def run_bot(args) -> int:
    """Run the bot until SIGINT/SIGTERM."""
    from soglasie.telegram_bot.service import BotOptions, BotService  # the telegram library, only when asked

    core = Core.from_env()
    if not core.settings.telegram_enabled:
        raise ValidationError("TELEGRAM_BOT_TOKEN is not set: Telegram is off", "TELEGRAM_BOT_TOKEN")
    core.settings.require_secret_key()  # buttons and the webhook secret are derived from it
    if not 0 < args.port < 65536:
        raise ValidationError("--port must be 1–65535", "port")
    options = BotOptions(listen=args.listen, port=args.port, poll_timeout=args.poll_timeout,
                         drain=not args.no_delivery)
    service = BotService(core, options)
    asyncio.run(_serve(service))
    return 0


async def _serve(service) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, service.stop)
    try:
        await service.run()
    finally:
        service.core.db.dispose()
        log.info("bot stopped")
