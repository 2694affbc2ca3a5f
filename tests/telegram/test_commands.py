"""Commands and answers: /tasks, /card N, /help, the command menu, reasons and comments only as replies."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import T0
from tests.helpers import card, file_request, open_task
from tests.telegram.conftest import CHATS, buttons, link
from tests.telegram.test_actions import SECRET, _button, _press_and_wait
from soglasie.telegram_bot import callback_data


def _said(fake_api, chat: int, text: str) -> dict:
    """Wait for a message in `chat` containing `text`."""
    return fake_api.wait_for(lambda: next((m for m in fake_api.sent(chat) if text in m["text"]), None))


def _task_document(fake_api, chat: int, card_id: int) -> dict:
    return fake_api.wait_for(lambda: next((m for m in fake_api.documents(chat)
                                           if f"/requests/{card_id}" in m["caption"]), None))


def _press_button(fake_api, chat: int, message: dict, data: str) -> None:
    _press_and_wait(fake_api, chat, message, data)


def test_the_command_menu_is_set_in_both_languages(fake_api, bot):
    menus = fake_api.state.commands
    assert [c["command"] for c in menus["ru"]] == [c["command"] for c in menus[""]] == ["tasks", "card", "help",
                                                                                        "cancel"]
    assert menus["ru"][0]["description"] == "Мои открытые задачи"
    assert menus[""][0]["description"] == "My open tasks"


def test_help_lists_the_commands(tg_core, users, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    fake_api.user_sends(chat, "/help")
    text = _said(fake_api, chat, "/tasks")["text"]
    assert "/card N" in text and "/cancel" in text and "/stop" in text


def test_tasks_lists_my_open_tasks_latest_deadline_first_a_page_at_a_time(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    cards = [file_request(tg_core, users, invoice, now=T0 + dt.timedelta(minutes=10 * n)) for n in range(6)]
    fake_api.user_sends(chat, "/tasks")
    listing = _said(fake_api, chat, "Ваши открытые задачи: 6 (страница 1 из 2)")
    labels = [b["text"] for b in buttons(listing)]
    assert [label.split()[0] for label in labels[:5]] == [f"№{card_id}" for card_id in reversed(cards[1:])]
    assert labels[5:] == ["Дальше »"]
    _press_button(fake_api, chat, listing, buttons(listing)[5]["callback_data"])
    turned = fake_api.wait_for(lambda: (lambda m: m if "страница 2 из 2" in m["text"] else None)(
        fake_api.message(chat, listing["message_id"])))
    assert [b["text"] for b in buttons(turned)][0].startswith(f"№{cards[0]} ")
    assert [b["text"] for b in buttons(turned)][1:] == ["« Назад"]
    _press_button(fake_api, chat, turned, buttons(turned)[0]["callback_data"])  # open the task
    opened = fake_api.wait_for(lambda: [m for m in fake_api.documents(chat) if m["caption"].startswith(
        f"Заявка №{cards[0]}")])
    actions = [callback_data.verify(SECRET, b["callback_data"]).action for b in buttons(opened[0])
               if "callback_data" in b]
    assert actions == ["take_into_work", "approve", "reject", "comment"]


def test_tasks_with_nothing_open(tg_core, users, fake_api, bot):
    chat = link(tg_core, users, "phead")
    fake_api.user_sends(chat, "/tasks")
    _said(fake_api, chat, "Открытых задач нет.")


@pytest.mark.parametrize("viewer, sees", [
    ("memployee", True),  # the initiator
    ("mhead", True),  # the head of his department
    ("finance", True),  # finance sees every card
    ("phead", False),  # another department's head
    ("pemployee", False),  # another employee
])
def test_card_shows_what_the_portal_would_show(tg_core, users, invoice, fake_api, bot, viewer, sees):
    chat = link(tg_core, users, viewer)
    card_id = file_request(tg_core, users, invoice)
    fake_api.user_sends(chat, f"/card {card_id}")
    if sees:
        message = fake_api.wait_for(lambda: next((m for m in fake_api.documents(chat)
                                                  if m["caption"].startswith(f"Заявка №{card_id}")), None))
        assert "Этап: Согласование руководителем" in message["caption"]
    else:
        _said(fake_api, chat, "Карточка не найдена.")
        assert not [m for m in fake_api.sent(chat) if f"/requests/{card_id}" in m["text"]]


@pytest.mark.parametrize("command", ["/card", "/card abc", "/card 1 2"])
def test_card_without_a_number_says_how(tg_core, users, fake_api, bot, command):
    chat = link(tg_core, users, "mhead")
    fake_api.user_sends(chat, command)
    _said(fake_api, chat, "Укажите номер карточки: /card 123")


def test_card_that_does_not_exist_is_not_found(tg_core, users, fake_api, bot):
    chat = link(tg_core, users, "ops")
    fake_api.user_sends(chat, "/card 999999")
    _said(fake_api, chat, "Карточка не найдена.")


def _ask_reason(tg_core, users, invoice, fake_api) -> tuple[int, int, dict, dict]:
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_document(fake_api, chat, card_id)
    _press_and_wait(fake_api, chat, message, _button(message, "reject"))
    prompt = _said(fake_api, chat, "причину")
    return chat, card_id, message, prompt


def test_a_text_that_is_not_a_reply_to_the_prompt_is_not_a_reason(tg_core, users, invoice, fake_api, bot):
    chat, card_id, message, prompt = _ask_reason(tg_core, users, invoice, fake_api)
    fake_api.user_sends(chat, "Спасибо, посмотрю позже")  # within the hour, but not a reply
    _said(fake_api, chat, "ответьте именно на него")
    fake_api.user_sends(chat, "И это тоже не причина", reply_to=message["message_id"])  # a reply, to another message
    fake_api.wait_for(lambda: len([m for m in fake_api.sent(chat) if "ответьте именно на него" in m["text"]]) == 2)
    assert card(tg_core, users, card_id)["stage"] == "head_approval"
    fake_api.user_sends(chat, "Нет договора", reply_to=prompt["message_id"])
    fake_api.wait_for(lambda: card(tg_core, users, card_id)["stage"] == "rejected")
    assert [e["comment"] for e in card(tg_core, users, card_id)["timeline"] if e["event"] == "rejected"] == \
        ["Нет договора"]


def test_the_comment_button_adds_a_comment_to_the_history(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_document(fake_api, chat, card_id)
    _press_and_wait(fake_api, chat, message, _button(message, "comment"))
    prompt = _said(fake_api, chat, "комментарий к заявке")
    [ask] = [c for c in fake_api.calls("sendMessage", chat) if c.result["message_id"] == prompt["message_id"]]
    assert ask.params["reply_markup"]["force_reply"] is True
    fake_api.user_sends(chat, "Проверю счёт с бухгалтерией", reply_to=prompt["message_id"])
    _said(fake_api, chat, "Комментарий добавлен в историю карточки.")
    view = card(tg_core, users, card_id)
    assert [(e["event"], e["actor"], e["comment"]) for e in view["timeline"] if e["event"] == "commented"] == \
        [("commented", "mhead", "Проверю счёт с бухгалтерией")]
    assert view["stage"] == "head_approval"
    assert open_task(tg_core, users, card_id, "head_approval")["status"] == "open"
    assert CHATS["mhead"] == chat
