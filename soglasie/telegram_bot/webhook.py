"""The webhook endpoint: Telegram POSTs updates; the secret token header is checked first.

A small stdlib HTTP server in its own thread (python-telegram-bot's webhook server needs
tornado and compares the secret with `!=`); each verified update is put on the
application's update queue on its event loop. A wrong or missing secret gets 403 and the
body is not even read.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application

log = logging.getLogger("soglasie.telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # updates are small; refuse anything larger unread
QUEUE_TIMEOUT_S = 10.0


class WebhookServer:
    """Serves one path (that of TELEGRAM_WEBHOOK_URL) and feeds the application's update queue."""

    def __init__(self, app: Application, public_url: str, secret: str, host: str, port: int):
        self.app = app
        self.path = urlsplit(public_url).path or "/"
        self.secret = secret.encode()
        self.loop = asyncio.get_running_loop()
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(self))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="soglasie-webhook", daemon=True)

    @property
    def port(self) -> int:
        """The port actually bound (useful when 0 was asked for)."""
        return self.httpd.server_address[1]

    def start(self) -> None:
        """Start serving in a thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def is_genuine(self, header: str | None) -> bool:
        """Constant-time check of the secret token header."""
        return hmac.compare_digest((header or "").encode(), self.secret)

    def accept(self, data: dict) -> None:
        """Hand one update to the application (waits until it is queued)."""
        update = Update.de_json(data, self.app.bot)
        asyncio.run_coroutine_threadsafe(self.app.update_queue.put(update), self.loop).result(QUEUE_TIMEOUT_S)


def _content_length(raw: str | None) -> int:
    try:
        return int(raw or 0)
    except ValueError:
        return -1


def _handler_class(server: WebhookServer):
    class WebhookHandler(BaseHTTPRequestHandler):
        """One webhook request."""

        def do_POST(self):  # noqa: N802 - the name http.server dispatches to
            """An update from Telegram: the path, then the secret, then the body."""
            if urlsplit(self.path).path != server.path:
                return self._answer(HTTPStatus.NOT_FOUND)
            if not server.is_genuine(self.headers.get(SECRET_HEADER)):
                log.warning("webhook call with a wrong secret token from %s", self.client_address[0])
                return self._answer(HTTPStatus.FORBIDDEN)
            length = _content_length(self.headers.get("Content-Length"))
            if not 0 < length <= MAX_BODY:
                return self._answer(HTTPStatus.BAD_REQUEST)
            try:
                data = json.loads(self.rfile.read(length))
                if not isinstance(data, dict):
                    raise ValueError("an update is a JSON object")
                server.accept(data)
            except (ValueError, TypeError, KeyError):
                return self._answer(HTTPStatus.BAD_REQUEST)
            return self._answer(HTTPStatus.OK)

        def do_GET(self):  # noqa: N802
            """Telegram only POSTs."""
            self._answer(HTTPStatus.METHOD_NOT_ALLOWED)

        def _answer(self, status: HTTPStatus) -> None:
            body = json.dumps({"ok": status == HTTPStatus.OK}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            """Access log lines go to our logger at debug level, not to stderr."""
            log.debug("webhook: " + format, *args)

    return WebhookHandler
