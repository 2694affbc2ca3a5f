"""A fake Telegram Bot API server on 127.0.0.1 that the real python-telegram-bot client talks to.

It implements what the bot calls (getMe, sendMessage, sendDocument as a multipart upload,
editMessageText/Caption/ReplyMarkup, answerCallbackQuery, getUpdates with long polling,
set/deleteWebhook, setMyCommands/getMyCommands, ...), records every call with its time and
chat, plays the users (messages, button presses), and can misbehave like the real one: 429
with retry_after, 5xx, 403 "blocked", 400 "chat not found", dropped connections (an outage),
Telegram's flood limits (30 messages/s, 1 per chat per second) and its size limits, answered
as Telegram answers them: a text above 4096 characters or a caption above 1024 is 400, a
file above 50 MB is 413.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Soglasie", "username": "soglasie_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
# Parameters PTB sends JSON-encoded; every other parameter is a plain string.
JSON_PARAMS = {"chat_id", "message_id", "reply_markup", "reply_parameters", "link_preview_options",
               "allowed_updates", "show_alert", "timeout", "offset", "limit", "drop_pending_updates",
               "max_connections", "cache_time", "disable_notification", "commands"}
MESSAGE_METHODS = {"sendMessage", "sendDocument", "editMessageText", "editMessageCaption", "editMessageReplyMarkup"}
SENDING_METHODS = ("sendMessage", "sendDocument")
MAX_TEXT, MAX_CAPTION, MAX_FILE = 4096, 1024, 50 * 1024 * 1024  # Telegram's limits for bots


@dataclass
class Call:
    """One request the bot made, and how we answered it."""

    at: float  # time.monotonic()
    method: str
    params: dict
    status: int  # HTTP status, or 0 for a dropped connection
    result: object = None

    @property
    def chat_id(self) -> int | None:
        """The chat the call was about, if any."""
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


@dataclass
class Fault:
    """Answer the next `times` calls of `methods` with `status` (and retry_after for 429)."""

    methods: frozenset
    status: int
    times: int
    retry_after: int = 1


@dataclass
class FakeState:
    """Everything the fake remembers; guarded by `lock`."""

    calls: list = field(default_factory=list)
    messages: dict = field(default_factory=dict)  # (chat_id, message_id) → message dict
    message_ids: dict = field(default_factory=dict)  # chat_id → last message id
    updates: list = field(default_factory=list)
    faults: list = field(default_factory=list)
    blocked: set = field(default_factory=set)
    missing: set = field(default_factory=set)
    webhook: dict | None = None
    outage: bool = False
    enforce_limits: bool = False
    limit_hits: int = 0
    accepted_at: list = field(default_factory=list)  # monotonic times of accepted chat messages
    chat_last: dict = field(default_factory=dict)  # chat_id → monotonic time of its last accepted message
    files: dict = field(default_factory=dict)  # file_id → (file name, bytes) of uploaded documents
    commands: dict = field(default_factory=dict)  # language_code ("" = default) → [{command, description}]
    max_file: int = MAX_FILE


class FakeBotApi:
    """The server; start() it, point TELEGRAM_API_BASE_URL at `base_url`, stop() it."""

    def __init__(self, token: str = TOKEN):
        self.token = token
        self.state = FakeState()
        self.cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self.before_send = None  # called before each sendMessage/sendDocument is answered: a slow Telegram
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        """The server root (what TELEGRAM_API_BASE_URL is set to)."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> "FakeBotApi":
        """Serve in a thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wake any long poll."""
        with self.cond:
            self.state.outage = True
            self.cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- misbehaving ---------------------------------------------------------------------------

    def fail(self, status: int, times: int, methods=("sendMessage",), retry_after: int = 1) -> None:
        """Answer the next `times` calls of `methods` with `status`."""
        with self.cond:
            self.state.faults.append(Fault(frozenset(methods), status, times, retry_after))

    def set_outage(self, down: bool) -> None:
        """While down, every connection is dropped without an answer."""
        with self.cond:
            self.state.outage = down
            self.cond.notify_all()

    def block(self, chat_id: int) -> None:
        """The user of `chat_id` blocked the bot (403 from now on)."""
        with self.cond:
            self.state.blocked.add(chat_id)

    def forget(self, chat_id: int) -> None:
        """`chat_id` does not exist (400 "chat not found")."""
        with self.cond:
            self.state.missing.add(chat_id)

    def enforce_limits(self, on: bool = True) -> None:
        """Answer 429 to messages beyond 30/s overall or 1/s in one chat, as Telegram does."""
        with self.cond:
            self.state.enforce_limits = on

    # --- playing the users ---------------------------------------------------------------------

    def user_sends(self, chat_id: int, text: str, reply_to: int | None = None, language_code: str = "ru",
                   chat_type: str = "private") -> dict:
        """A user writes `text` in `chat_id` (optionally replying to one of the bot's messages)."""
        with self.cond:
            message = {"message_id": self._next_message_id(chat_id), "date": int(time.time()),
                       "chat": _chat(chat_id, chat_type), "from": _user(chat_id, language_code), "text": text}
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if reply_to is not None:
                message["reply_to_message"] = self.state.messages[(chat_id, reply_to)]
            return self._push({"message": message})

    def user_presses(self, chat_id: int, message_id: int, data: str, language_code: str = "ru") -> dict:
        """A user presses a button with callback `data` under message `message_id`."""
        with self.cond:
            message = self.state.messages.get((chat_id, message_id)) or {
                "message_id": message_id, "date": int(time.time()), "chat": _chat(chat_id), "text": "?"}
            query = {"id": str(next(self._callback_ids)), "from": _user(chat_id, language_code),
                     "chat_instance": f"ci{chat_id}", "message": message, "data": data}
            return self._push({"callback_query": query})

    def _push(self, body: dict) -> dict:
        update = {"update_id": next(self._update_ids), **body}
        webhook = self.state.webhook
        if webhook is None:
            self.state.updates.append(update)
            self.cond.notify_all()
        else:
            threading.Thread(target=self.post_to_webhook, args=(update, webhook["secret_token"]), daemon=True).start()
        return update

    def post_to_webhook(self, update: dict, secret: str | None) -> int:
        """POST an update to the bot's webhook with `secret` in the header; the HTTP status."""
        return post_update(self.state.webhook["url"], update, secret)

    # --- looking --------------------------------------------------------------------------------

    def calls(self, method: str | None = None, chat_id: int | None = None, status: int | None = 200) -> list[Call]:
        """Recorded calls, filtered (status None: any outcome)."""
        with self.cond:
            return [call for call in self.state.calls if (method is None or call.method == method)
                    and (chat_id is None or call.chat_id == chat_id) and (status is None or call.status == status)]

    def sent(self, chat_id: int | None = None) -> list[dict]:
        """Messages sendMessage and sendDocument delivered, oldest first (a document's caption also as "text")."""
        with self.cond:
            calls = [call for call in self.state.calls if call.method in SENDING_METHODS and call.status == 200
                     and (chat_id is None or call.chat_id == chat_id)]
        return [_view(call.result) for call in calls]

    def deliveries(self, key_of) -> Counter:
        """How many times each message was delivered, counted by `key_of(message)` (e.g. its outbox row's
        idempotency key, found from its text): a count above 1 is a duplicate the user sees."""
        return Counter(key_of(message) for message in self.sent())

    def documents(self, chat_id: int | None = None) -> list[dict]:
        """Messages sendDocument delivered, oldest first."""
        return [message for message in self.sent(chat_id) if "document" in message]

    def file(self, file_id: str) -> tuple[str, bytes]:
        """An uploaded document's name and bytes."""
        with self.cond:
            return self.state.files[file_id]

    def message(self, chat_id: int, message_id: int) -> dict:
        """The current state of a message (after edits; a document's caption also as "text")."""
        with self.cond:
            return _view(self.state.messages[(chat_id, message_id)])

    def wait_for(self, predicate, timeout: float = 10.0):
        """Poll until `predicate()` is truthy; return its value (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {predicate}")

    def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Wait until `chat_id` got at least `count` messages; return them."""
        return self.wait_for(lambda: (lambda sent: sent if len(sent) >= count else None)(self.sent(chat_id)),
                             timeout)

    # --- serving (called by the handler thread) ------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        self.state.message_ids[chat_id] = self.state.message_ids.get(chat_id, 0) + 1
        return self.state.message_ids[chat_id]

    def handle(self, method: str, params: dict) -> tuple[int, dict | None]:
        """Answer one API call: (HTTP status, body); status 0 drops the connection."""
        if method == "getUpdates":
            return self._get_updates(params)
        if method in SENDING_METHODS and self.before_send is not None:
            self.before_send()
        with self.cond:
            status, body = self._answer(method, params)
            result = body.get("result") if body else None
            self.state.calls.append(Call(time.monotonic(), method, params, status, result))
            return status, body

    def _answer(self, method: str, params: dict) -> tuple[int, dict | None]:
        if self.state.outage:
            return 0, None
        fault = next((f for f in self.state.faults if method in f.methods and f.times > 0), None)
        if fault is not None:
            fault.times -= 1
            return _error(fault.status, fault.retry_after)
        chat_id = int(params["chat_id"]) if "chat_id" in params else None
        if chat_id is not None and chat_id in self.state.blocked:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if chat_id is not None and chat_id in self.state.missing:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        if method in MESSAGE_METHODS and self._over_limits(chat_id):
            self.state.limit_hits += 1
            return _error(429, 1)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        return handler(params)

    def _over_limits(self, chat_id: int) -> bool:
        now = time.monotonic()
        if not self.state.enforce_limits:
            self._accept(chat_id, now)
            return False
        recent = [at for at in self.state.accepted_at if at > now - 1.0]
        if len(recent) >= 30 or now - self.state.chat_last.get(chat_id, -10.0) < 1.0:
            return True
        self._accept(chat_id, now)
        return False

    def _accept(self, chat_id: int, now: float) -> None:
        self.state.accepted_at = [at for at in self.state.accepted_at if at > now - 1.0] + [now]
        self.state.chat_last[chat_id] = now

    def _get_updates(self, params: dict) -> tuple[int, dict | None]:
        offset, timeout = int(params.get("offset") or 0), float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                if self.state.outage:
                    return 0, None
                if self.state.webhook is not None:
                    return 409, {"ok": False, "error_code": 409,
                                 "description": "Conflict: can't use getUpdates method while webhook is active"}
                self.state.updates = [u for u in self.state.updates if u["update_id"] >= offset]
                left = deadline - time.monotonic()
                if self.state.updates or left <= 0:
                    return 200, {"ok": True, "result": list(self.state.updates)}
                self.cond.wait(min(left, 0.5))

    # --- methods -------------------------------------------------------------------------------

    def _m_getMe(self, params):  # noqa: N802 - Bot API method names
        return _ok(BOT_USER)

    def _m_sendMessage(self, params):  # noqa: N802
        if len(params["text"]) > MAX_TEXT:
            return _bad("Bad Request: message is too long")
        chat_id = int(params["chat_id"])
        message = {"message_id": self._next_message_id(chat_id), "date": int(time.time()), "chat": _chat(chat_id),
                   "from": BOT_USER, "text": params["text"]}
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.state.messages[(chat_id, message["message_id"])] = message
        return _ok(message)

    def _m_sendDocument(self, params):  # noqa: N802
        upload = params.get("document")
        if not isinstance(upload, tuple):
            return _bad("Bad Request: there is no document in the request")
        name, data = upload
        if len(data) > self.state.max_file:
            return 413, {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}
        caption = params.get("caption") or ""
        if len(caption) > MAX_CAPTION:
            return _bad("Bad Request: message caption is too long")
        chat_id = int(params["chat_id"])
        file_id = f"file{len(self.state.files) + 1}"
        self.state.files[file_id] = (name, data)
        message = {"message_id": self._next_message_id(chat_id), "date": int(time.time()), "chat": _chat(chat_id),
                   "from": BOT_USER, "document": {"file_id": file_id, "file_unique_id": f"u{file_id}",
                                                  "file_name": name, "file_size": len(data)}}
        if caption:
            message["caption"] = caption
        markup = params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.state.messages[(chat_id, message["message_id"])] = message
        return _ok(message)

    def _m_editMessageText(self, params):  # noqa: N802
        return self._edit(params, text=params["text"])

    def _m_editMessageCaption(self, params):  # noqa: N802
        return self._edit(params, caption=params.get("caption") or "")

    def _m_editMessageReplyMarkup(self, params):  # noqa: N802
        return self._edit(params)

    def _m_setMyCommands(self, params):  # noqa: N802
        self.state.commands[params.get("language_code") or ""] = params["commands"]
        return _ok(True)

    def _m_getMyCommands(self, params):  # noqa: N802
        return _ok(self.state.commands.get(params.get("language_code") or "", []))

    def _edit(self, params, text: str | None = None, caption: str | None = None):
        key = (int(params["chat_id"]), int(params["message_id"]))
        old = self.state.messages.get(key)
        if old is None:
            return _bad("Bad Request: message to edit not found")
        if text is not None and "text" not in old:
            return _bad("Bad Request: there is no text in the message to edit")
        if caption is not None and "document" not in old:
            return _bad("Bad Request: there is no caption in the message to edit")
        if (text is not None and len(text) > MAX_TEXT) or (caption is not None and len(caption) > MAX_CAPTION):
            return _bad("Bad Request: message caption is too long" if caption is not None else
                        "Bad Request: message is too long")
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        if text is not None:
            new["text"] = text
        if caption is not None:
            new["caption"] = caption
        if params.get("reply_markup") and params["reply_markup"].get("inline_keyboard"):
            new["reply_markup"] = params["reply_markup"]
        if new == old:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is not modified"}
        self.state.messages[key] = new
        return _ok(new)

    def _m_answerCallbackQuery(self, params):  # noqa: N802
        return _ok(True)

    def _m_setWebhook(self, params):  # noqa: N802
        self.state.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        self.cond.notify_all()
        return _ok(True)

    def _m_deleteWebhook(self, params):  # noqa: N802
        self.state.webhook = None
        return _ok(True)

    def _m_getWebhookInfo(self, params):  # noqa: N802
        url = self.state.webhook["url"] if self.state.webhook else ""
        return _ok({"url": url, "has_custom_certificate": False, "pending_update_count": 0})


def _ok(result) -> tuple[int, dict]:
    return 200, {"ok": True, "result": result}


def _bad(description: str) -> tuple[int, dict]:
    return 400, {"ok": False, "error_code": 400, "description": description}


def _view(message: dict) -> dict:
    """A stored message for the tests: a document's caption is also under "text" (Telegram has no such key)."""
    if message is None or "document" not in message:
        return message
    return {**message, "text": message.get("caption", "")}


def _error(status: int, retry_after: int) -> tuple[int, dict]:
    if status == 429:
        return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
                     "parameters": {"retry_after": retry_after}}
    return status, {"ok": False, "error_code": status, "description": "Bad Gateway" if status == 502 else
                    "Internal Server Error"}


def _chat(chat_id: int, chat_type: str = "private") -> dict:
    chat = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = f"User{chat_id}"
    else:
        chat["title"] = f"Group{chat_id}"
    return chat


def _user(user_id: int, language_code: str) -> dict:
    return {"id": abs(user_id), "is_bot": False, "first_name": f"User{user_id}", "language_code": language_code}


def _parse(body: bytes, content_type: str) -> dict:
    if "json" in content_type:
        return json.loads(body or b"{}")
    if "multipart/form-data" in content_type:
        return _parse_multipart(body, content_type)
    params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    return {key: json.loads(value) if key in JSON_PARAMS else value for key, value in params.items()}


def _parse_multipart(body: bytes, content_type: str) -> dict:
    """A multipart upload: plain fields as `_parse` gives them, a file as (file name, bytes)."""
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    params: dict = {}
    files: dict = {}
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            files[name] = (part.get_filename(), data)
        else:
            text = data.decode()
            params[name] = json.loads(text) if name in JSON_PARAMS else text
    for name, value in list(params.items()):  # PTB names the file part and refers to it: "attach://<name>"
        if isinstance(value, str) and value.startswith("attach://") and value[len("attach://"):] in files:
            params[name] = files.pop(value[len("attach://"):])
    params.update(files)
    return params


def _handler(fake: FakeBotApi):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            prefix = f"/bot{fake.token}/"
            if not self.path.startswith(prefix):
                return self._send(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            status, answer = fake.handle(self.path[len(prefix):], _parse(body, self.headers.get("Content-Type", "")))
            if status == 0:  # an outage: drop the connection without a word
                self.close_connection = True
                return None
            return self._send(status, answer)

        do_GET = do_POST

        def _send(self, status: int, answer: dict) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a cancelled long poll)
                self.close_connection = True

        def log_message(self, format, *args):  # noqa: A002
            pass

    return Handler


def post_update(url: str, update, secret: str | None) -> int:
    """POST an update as Telegram does, `secret` in the secret-token header; the HTTP status."""
    request = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if secret is not None:
        request.add_header("X-Telegram-Bot-Api-Secret-Token", secret)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
