"""Outbound messages: the summary, the card link, the buttons for exactly what the recipient may do now."""

from __future__ import annotations

import datetime as dt

from soglasie.models import User
from soglasie.services import actions
from soglasie.services.digest import morning_digest
from soglasie.services.dispatch import dispatch
from soglasie.services.sweep import sweep
from soglasie.telegram_bot import callback_data
from tests.conftest import SECRET_KEY, T0
from tests.helpers import file_request, open_task
from tests.telegram.conftest import PORTAL, buttons, link, telegram_rows
from tests.test_sweeps import ESCALATION_AT, REMINDER_AT


def _actions(message: dict, secret: str = SECRET_KEY) -> list[str]:
    return [callback_data.verify(secret, b["callback_data"]).action for b in buttons(message) if "callback_data" in b]


def _last(fake_api, chat: int, kind_text: str) -> dict:
    return fake_api.wait_for(lambda: next((m for m in reversed(fake_api.sent(chat)) if kind_text in m["text"]), None))


def test_a_reminder_arrives_with_the_summary_and_its_buttons(tg_core, users, invoice, fake_api, bot, clock):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    _last(fake_api, chat, "Новая задача")  # the assignment went out at once
    clock.set(REMINDER_AT)
    assert sweep(tg_core, REMINDER_AT)["reminder"] == 1
    message = _last(fake_api, chat, "Напоминание")
    text = message["text"]
    assert "ООО «Косметик Пак»" in text and "150\u00a0000,00\u00a0₽" in text
    assert "Этап: Согласование руководителем" in text and "Срок: 03.12.2026 10:00" in text
    assert f"{PORTAL}/requests/{card_id}" in text
    assert _actions(message) == ["take_into_work", "approve", "reject", "comment"]
    assert [b["text"] for b in buttons(message)] == ["▶️ Взять в работу", "✅ Согласовать", "❌ Отклонить",
                                                      "💬 Комментарий", "🔗 Открыть в портале"]
    assert buttons(message)[-1]["url"] == f"{PORTAL}/requests/{card_id}"
    fake_api.wait_for(lambda: telegram_rows(tg_core, kind="reminder")[0].status == "sent")
    assert telegram_rows(tg_core, kind="reminder")[0].external_id == str(message["message_id"])


def test_an_escalation_offers_the_operations_manager_only_approval_on_behalf(tg_core, users, invoice, fake_api,
                                                                                clock, channel):
    chat = link(tg_core, users, "ops")
    file_request(tg_core, users, invoice)
    sweep(tg_core, ESCALATION_AT)
    dispatch(tg_core, ESCALATION_AT, {"telegram": channel})
    message = _last(fake_api, chat, "не взята в работу")
    assert _actions(message) == ["approve", "comment"]
    assert buttons(message)[0]["text"] == "✅ Согласовать за исполнителя"


def test_the_message_is_in_the_recipients_language(tg_core, users, invoice, fake_api, channel):
    with tg_core.db.write() as session:
        session.get(User, users["mhead"]).locale = "en"
    chat = link(tg_core, users, "mhead")
    file_request(tg_core, users, invoice)
    dispatch(tg_core, T0, {"telegram": channel})
    message = _last(fake_api, chat, "New task")
    assert "Stage: Head approval" in message["text"] and "150,000.00 RUB" in message["text"]
    assert [b["text"] for b in buttons(message)][:3] == ["▶️ Take into work", "✅ Approve", "❌ Reject"]


def test_buttons_are_those_allowed_when_delivered_not_when_written(tg_core, users, invoice, fake_api, channel):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    actions.take_into_work(tg_core, users["mhead"], open_task(tg_core, users, card_id, "head_approval")["id"], T0)
    dispatch(tg_core, T0, {"telegram": channel})
    assert _actions(_last(fake_api, chat, "Новая задача")) == ["approve", "reject", "comment"]


def test_a_portal_telegram_cannot_open_gets_no_url_button_but_keeps_the_link(tg_core, users, invoice, fake_api,
                                                                                channel):
    tg_core.settings = tg_core.settings.with_overrides(portal_url="http://127.0.0.1:5000")
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    dispatch(tg_core, T0, {"telegram": channel})
    message = _last(fake_api, chat, "Новая задача")
    assert f"http://127.0.0.1:5000/requests/{card_id}" in message["text"]
    assert all("url" not in b for b in buttons(message))


def test_a_message_without_a_card_is_sent_as_written_without_buttons(tg_core, users, invoice, fake_api, channel):
    chat = link(tg_core, users, "mhead")
    file_request(tg_core, users, invoice)
    nine = T0 + dt.timedelta(hours=23)  # Wednesday 09:00
    assert morning_digest(tg_core, nine)["recipients"] == 1
    dispatch(tg_core, nine, {"telegram": channel})
    digest = _last(fake_api, chat, "Доброе утро")
    assert digest["text"] == telegram_rows(tg_core, kind="digest")[0].text and "reply_markup" not in digest
