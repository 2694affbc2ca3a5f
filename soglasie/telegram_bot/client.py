"""Building python-telegram-bot's Bot for our settings: API server, timeouts, pacing."""

from __future__ import annotations

import logging

from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from soglasie.services.telegram_links import api_root
from soglasie.settings import Settings
from soglasie.telegram_bot.pacing import Pacer

CONNECTIONS = 128  # ~30 requests/s with sub-second answers needs far fewer; headroom for slow answers
READ_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5.0
POOL_TIMEOUT_S = 10.0


def make_request(connections: int = CONNECTIONS) -> HTTPXRequest:
    """An HTTP client for Bot API calls (HTTP/1.1: what self-hosted Bot API servers speak)."""
    return HTTPXRequest(connection_pool_size=connections, read_timeout=READ_TIMEOUT_S,
                        write_timeout=READ_TIMEOUT_S, connect_timeout=CONNECT_TIMEOUT_S,
                        pool_timeout=POOL_TIMEOUT_S)


def make_bot(settings: Settings, pacer: Pacer | None = None) -> ExtBot:
    """A Bot talking to TELEGRAM_API_BASE_URL (default api.telegram.org), paced by `pacer`.

    Create it on the event loop that will use it: its HTTP client belongs to one loop.
    """
    # httpx logs every request URL at INFO, and Bot API URLs contain the token: keep it out of logs.
    quiet = logging.getLogger("httpx")
    quiet.setLevel(max(quiet.getEffectiveLevel(), logging.WARNING))
    root = api_root(settings)
    return ExtBot(settings.telegram_bot_token, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot",
                  request=make_request(), get_updates_request=make_request(2),
                  rate_limiter=pacer if pacer is not None else Pacer())
