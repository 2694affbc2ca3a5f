"""Hostile Telegram updates through the real python-telegram-bot client and the fake Bot API.

Forged, replayed, cross-chat and unlinked button presses, and `/start` with a used, expired or
malformed token: each gets its exact refusal in the chat, and no row and no file changes.
One bot runs for the whole module (its outbox drained before each case).
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from soglasie.core import Core
from soglasie.models import OutboxMessage, User
from soglasie.services import actions
from soglasie.services.common import Upload
from soglasie.services.telegram_links import create_link, link_chat
from soglasie.settings import Settings
from soglasie.telegram_bot import callback_data
from soglasie.telegram_bot.service import BotOptions, BotService
from tests.adversarial.conftest import World, changed
from tests.conftest import T0
from tests.helpers import file_request, open_task
from tests.support.files import pdf_bytes
from tests.support.rules import RULES_DIR
from tests.telegram.conftest import CHATS, PORTAL, RunningBot, SimClock, buttons, fast_pacer, link
from tests.telegram.fake_bot_api import FakeBotApi

SECRET = "adversarial-telegram-secret-0123456789"
FORGED = "Эта кнопка недействительна."
NOT_LINKED = "Этот чат не связан с Soglasie — действия недоступны."
NOT_YOURS = "Эта кнопка была отправлена другому пользователю."
STRANGER = 7_000_000_999


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["start"][0]


class Telegram:
    """The module's bot, fake server, database and the data the cases use."""

    def __init__(self, world: World, fake: FakeBotApi, users: dict[str, int]):
        self.world, self.fake, self.users = world, fake, users
        self.data: dict[str, str] = {}
        self.message: dict = {}

    def settle(self) -> None:
        """Wait until the bot has sent every pending or claimed Telegram message (its drain writes the outbox)."""
        def drained():
            with self.world.core.db.read() as session:
                return session.scalar(select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.channel == "telegram",
                OutboxMessage.status.in_(("pending", "sending")))) == 0
        self.fake.wait_for(drained, timeout=20)

    def press(self, chat: int, data: str) -> dict:
        """Press a button with `data` under the task message; the bot's answer to the press."""
        before = len(self.fake.calls("answerCallbackQuery"))
        self.fake.user_presses(chat, self.message["message_id"], data)
        calls = self.fake.wait_for(lambda: self.fake.calls("answerCallbackQuery")[before:] or None)
        return calls[0].params

    def send(self, chat: int, text: str, chat_type: str = "private") -> str:
        """Write `text` in `chat`; the bot's reply there."""
        before = len(self.fake.calls("sendMessage", chat))
        self.fake.user_sends(chat, text, chat_type=chat_type)
        calls = self.fake.wait_for(lambda: self.fake.calls("sendMessage", chat)[before:] or None)
        return calls[0].params["text"]


@pytest.fixture(scope="module")
def telegram(tmp_path_factory, sqlite_template):
    """A request waiting for mhead, mhead and phead linked, one stale request, a used and an expired token."""
    fake = FakeBotApi().start()
    root = tmp_path_factory.mktemp("telegram")
    shutil.copy(sqlite_template, root / "soglasie.db")
    settings = Settings(database_url=f"sqlite:///{root / 'soglasie.db'}", data_dir=root / "data",
                        rules_dir=RULES_DIR, secret_key=SECRET, portal_url=PORTAL,
                        telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url)
    core = Core.from_settings(settings)
    with core.db.read() as session:
        users = {user.login: user.id for user in session.scalars(select(User))}
    made = Telegram(World(app=None, core=core, database=root / "soglasie.db", data_dir=settings.data_dir), fake, users)
    for login in ("mhead", "phead"):
        link(core, users, login)
    invoice = Upload(pdf_bytes("invoice"), "invoice.pdf")
    card_id = file_request(core, users, invoice)
    stale_id = file_request(core, users, invoice, amount="2000.00")
    made.data["expired"] = _token(create_link(core, users["pemployee"], T0))
    made.data["used"] = _token(create_link(core, users["prhead"], T0 + dt.timedelta(hours=1)))
    link_chat(core, made.data["used"], 555, T0 + dt.timedelta(hours=1))
    service = BotService(core, BotOptions(poll_timeout=1.0, drain_interval=0.1),
                         clock=SimClock(T0 + dt.timedelta(hours=1)), pacer=fast_pacer())
    try:
        with RunningBot(service):
            chat = CHATS["mhead"]
            messages = fake.wait_for(lambda: (lambda found: found if len(found) == 2 else None)(
                [m for m in fake.sent(chat) if "reply_markup" in m and "/requests/" in m["text"]]))
            made.message = next(m for m in messages if f"/requests/{card_id}" in m["text"])
            stale = next(m for m in messages if f"/requests/{stale_id}" in m["text"])
            made.data.update(_buttons(made.message))
            made.data["stale"] = _buttons(stale)["approve"]
            actions.approve(core, users["mhead"], open_task(core, users, stale_id, "head_approval")["id"], T0)
            made.settle()
            yield made
    finally:
        fake.stop()
        core.db.dispose()


def _buttons(message: dict) -> dict[str, str]:
    found = {}
    for button in buttons(message):
        press = callback_data.verify(SECRET, button.get("callback_data"))
        if press is not None:
            found[press.action] = button["callback_data"]
    return found


def _forge(genuine: str) -> str:
    return genuine[:-2] + ("AA" if genuine[-2:] != "AA" else "BB")


def _with_byte(genuine: str, index: int, value: int) -> str:
    """The genuine data with one byte of its signed body changed (the action code is byte 1, the task 2–9)."""
    raw = bytearray(base64.urlsafe_b64decode(genuine + "=" * (-len(genuine) % 4)))
    raw[index] = value
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


PRESSES = [
    pytest.param(CHATS["mhead"], lambda d: _forge(d["approve"]), FORGED, id="bad-signature"),
    pytest.param(CHATS["mhead"], lambda d: _forge(d["reject"]), FORGED, id="bad-signature-reject"),
    pytest.param(CHATS["mhead"], lambda d: callback_data.sign("another-secret-0123456789abcdef", "approve", 1, 1),
                 FORGED, id="another-secret"),
    pytest.param(CHATS["mhead"], lambda d: "approve:1", FORGED, id="plain-text"),
    pytest.param(CHATS["mhead"], lambda d: "", FORGED, id="empty"),
    pytest.param(CHATS["mhead"], lambda d: "A" * 64, FORGED, id="64-bytes"),
    pytest.param(CHATS["mhead"], lambda d: "☃" * 16, FORGED, id="unicode"),
    pytest.param(CHATS["mhead"], lambda d: _with_byte(d["take_into_work"], 1, 2), FORGED, id="action-swapped"),
    pytest.param(CHATS["mhead"], lambda d: _with_byte(d["approve"], 9, 0x7F), FORGED, id="task-id-changed"),
    pytest.param(CHATS["mhead"], lambda d: d["approve"][:20], FORGED, id="truncated"),
    pytest.param(CHATS["mhead"], lambda d: d["stale"], "Уже неактуально: ", id="replayed-after-decision"),
    pytest.param(CHATS["phead"], lambda d: d["approve"], NOT_YOURS, id="cross-chat-approve"),
    pytest.param(CHATS["phead"], lambda d: d["reject"], NOT_YOURS, id="cross-chat-reject"),
    pytest.param(CHATS["phead"], lambda d: d["take_into_work"], NOT_YOURS, id="cross-chat-take"),
    pytest.param(STRANGER, lambda d: d["approve"], NOT_LINKED, id="unlinked-chat"),
    pytest.param(STRANGER, lambda d: _forge(d["approve"]), FORGED, id="unlinked-chat-forged"),
]


@pytest.mark.parametrize(("chat", "data", "answer"), PRESSES)
def test_a_hostile_button_press_is_refused_and_changes_nothing(telegram, chat, data, answer):
    telegram.settle()
    before = telegram.world.snapshot()
    reply = telegram.press(chat, data(telegram.data))
    assert reply["text"].startswith(answer) and reply.get("show_alert") is True
    telegram.settle()
    assert changed(before, telegram.world.snapshot()) == []


INSTRUCTIONS = "Этот чат не связан с Soglasie. Откройте свой профиль в портале"
MESSAGES = [
    pytest.param(STRANGER, lambda d: f"/start {d['used']}", INSTRUCTIONS, "private", id="start-used-token"),
    pytest.param(STRANGER, lambda d: f"/start {d['expired']}", INSTRUCTIONS, "private", id="start-expired-token"),
    pytest.param(STRANGER, lambda d: "/start ../../etc/passwd", INSTRUCTIONS, "private", id="start-path"),
    pytest.param(STRANGER, lambda d: "/start " + "A" * 4000, INSTRUCTIONS, "private", id="start-4000-chars"),
    pytest.param(STRANGER, lambda d: "/start ' OR 1=1 --", INSTRUCTIONS, "private", id="start-sql"),
    pytest.param(STRANGER, lambda d: f"/start {d['expired']}",
                 "Подключить Telegram можно только в личном чате с ботом.", "group", id="start-in-a-group"),
    pytest.param(STRANGER, lambda d: "approve everything", INSTRUCTIONS, "private", id="text-from-stranger"),
    pytest.param(CHATS["phead"], lambda d: f"/start {d['used']}", "Я присылаю задачи «Согласия» вместе с документами.",
                 "private", id="start-used-token-from-linked-chat"),
    pytest.param(CHATS["mhead"], lambda d: "Нет договора", "Я понимаю только кнопки и команды.", "private",
                 id="reason-without-a-question"),
    pytest.param(CHATS["mhead"], lambda d: "/cancel", "Нечего отменять.", "private", id="cancel-nothing"),
]


@pytest.mark.parametrize(("chat", "text", "answer", "chat_type"), MESSAGES)
def test_a_hostile_message_is_refused_and_changes_nothing(telegram, chat, text, answer, chat_type):
    telegram.settle()
    before = telegram.world.snapshot()
    reply = telegram.send(chat, text(telegram.data), chat_type)
    assert reply.startswith(answer), reply
    telegram.settle()
    assert changed(before, telegram.world.snapshot()) == []
