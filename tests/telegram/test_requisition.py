"""The third process from the chat: its own nouns and link, and its buttons work like a request's."""

from __future__ import annotations

from tests.helpers import card, open_task
from tests.telegram.conftest import buttons, link
from tests.telegram.test_actions import _button, _press_and_wait
from tests.test_requisition_texts import file_requisition


def _requisition_message(fake_api, chat: int, card_id: int) -> dict:
    return fake_api.wait_for(lambda: next(
        (m for m in fake_api.sent(chat) if f"/requisitions/{card_id}" in m["text"] and "reply_markup" in m), None))


def _edited(fake_api, chat: int, message: dict, marker: str) -> dict:
    return fake_api.wait_for(lambda: (lambda m: m if marker in m["text"] else None)(
        fake_api.message(chat, message["message_id"])))


def test_a_requisition_is_taken_into_work_and_approved_with_buttons(tg_core, users, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_requisition(tg_core, users)
    message = _requisition_message(fake_api, chat, card_id)
    assert (f"Новая задача «Решить по закупке» по закупке №{card_id} «Бумага A4»: 5\u00a0000,00\u00a0₽."
            in message["text"])
    assert "Этап: Решение руководителя" in message["text"]
    assert buttons(message)[-1]["url"] == f"https://soglasie.example.com/requisitions/{card_id}"
    _press_and_wait(fake_api, chat, message, _button(message, "take_into_work"))
    assert open_task(tg_core, users, card_id, "manager_review")["status"] == "started"
    started = _edited(fake_api, chat, message, "Взято в работу")
    answer = _press_and_wait(fake_api, chat, started, _button(started, "approve"))
    assert answer.get("text") == "Готово." and not answer.get("show_alert")
    assert card(tg_core, users, card_id)["stage"] == "procurement"
    approved = _edited(fake_api, chat, message, "Согласовано")
    assert "Этап: Закупка" in approved["text"]


def test_rejecting_a_requisition_asks_in_its_words(tg_core, users, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    initiator_chat = link(tg_core, users, "memployee")
    card_id = file_requisition(tg_core, users)
    message = _requisition_message(fake_api, chat, card_id)
    _press_and_wait(fake_api, chat, message, _button(message, "reject"))
    prompt = fake_api.wait_for(lambda: next((m for m in fake_api.sent(chat) if "причину" in m["text"]), None))
    assert f"отклонения закупки №{card_id}" in prompt["text"]
    fake_api.user_sends(chat, "Есть на складе", reply_to=prompt["message_id"])
    rejected = fake_api.wait_for(lambda: [m for m in fake_api.sent(initiator_chat) if "отклонена" in m["text"]])
    assert rejected[0]["text"].startswith(f"Закупка №{card_id} «Бумага A4» (5\u00a0000,00\u00a0₽) отклонена")
    assert "Этап: Отклонена" in rejected[0]["text"]

