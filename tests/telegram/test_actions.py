"""Acting from the chat: buttons and replies go through the same services and permissions as the portal."""

from __future__ import annotations

from soglasie.services import actions
from soglasie.telegram_bot import callback_data
from tests.conftest import SECRET_KEY, T0
from tests.helpers import card, file_request, open_task
from tests.telegram.conftest import CHATS, buttons, link

SECRET = SECRET_KEY


def _task_message(fake_api, chat: int, card_id: int) -> dict:
    """The first message in `chat` about `card_id` that carries action buttons."""
    return fake_api.wait_for(lambda: next(
        (m for m in fake_api.sent(chat) if f"/requests/{card_id}" in m["text"] and "reply_markup" in m), None))


def _button(message: dict, action: str) -> str:
    for button in buttons(message):
        press = callback_data.verify(SECRET, button.get("callback_data"))
        if press is not None and press.action == action:
            return button["callback_data"]
    raise AssertionError(f"no {action} button in {message}")


def _answers(fake_api) -> list[dict]:
    return [call.params for call in fake_api.calls("answerCallbackQuery")]


def _events(core, users, card_id) -> list[tuple[str, str | None]]:
    return [(event["event"], event["actor"]) for event in card(core, users, card_id)["timeline"]]


def _press_and_wait(fake_api, chat, message, data) -> dict:
    before = len(_answers(fake_api))
    fake_api.user_presses(chat, message["message_id"], data)
    return fake_api.wait_for(lambda: _answers(fake_api)[before:] and _answers(fake_api)[before])


def test_approve_from_telegram_moves_the_request_and_edits_the_message(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_message(fake_api, chat, card_id)
    answer = _press_and_wait(fake_api, chat, message, _button(message, "approve"))
    assert answer.get("text") == "Готово." and not answer.get("show_alert")
    assert card(tg_core, users, card_id)["stage"] == "finance_review"
    assert ("approved", "mhead") in _events(tg_core, users, card_id)
    edited = fake_api.wait_for(lambda: (lambda m: m if "Согласовано" in m["text"] else None)(
        fake_api.message(chat, message["message_id"])))
    assert "Этап: Проверка финансовым менеджером" in edited["text"]
    assert [b.get("url") for b in buttons(edited)] == [f"https://soglasie.example.com/requests/{card_id}"]


def test_take_into_work_keeps_the_decision_buttons(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_message(fake_api, chat, card_id)
    _press_and_wait(fake_api, chat, message, _button(message, "take_into_work"))
    assert open_task(tg_core, users, card_id, "head_approval")["status"] == "started"
    edited = fake_api.wait_for(lambda: (lambda m: m if "Взято в работу" in m["text"] else None)(
        fake_api.message(chat, message["message_id"])))
    assert [callback_data.verify(SECRET, b["callback_data"]).action for b in buttons(edited) if "callback_data" in b] \
        == ["approve", "reject", "comment"]


def test_reject_asks_for_the_reason_and_rejects_with_it(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    initiator_chat = link(tg_core, users, "memployee")
    card_id = file_request(tg_core, users, invoice)
    message = _task_message(fake_api, chat, card_id)
    _press_and_wait(fake_api, chat, message, _button(message, "reject"))
    prompt = fake_api.wait_for(lambda: next((m for m in fake_api.sent(chat) if "причину" in m["text"]), None))
    [prompt_call] = [c for c in fake_api.calls("sendMessage", chat) if c.result is prompt]
    assert prompt_call.params["reply_markup"]["force_reply"] is True
    assert card(tg_core, users, card_id)["stage"] == "head_approval"  # nothing happens before the reason
    fake_api.user_sends(chat, "Нет договора с контрагентом", reply_to=prompt["message_id"])
    fake_api.wait_for(lambda: "Отклонено" in fake_api.message(chat, message["message_id"])["text"])
    view = card(tg_core, users, card_id)
    assert view["stage"] == "rejected"
    assert [e["comment"] for e in view["timeline"] if e["event"] == "rejected"] == ["Нет договора с контрагентом"]
    assert "Причина: Нет договора с контрагентом" in fake_api.message(chat, message["message_id"])["text"]
    assert "reply_markup" not in fake_api.message(chat, message["message_id"]) or all(
        "callback_data" not in b for b in buttons(fake_api.message(chat, message["message_id"])))
    rejected = fake_api.wait_for(lambda: [m for m in fake_api.sent(initiator_chat) if "отклонена" in m["text"]])
    assert "Нет договора" in rejected[0]["text"]


def test_cancel_forgets_the_question(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_message(fake_api, chat, card_id)
    _press_and_wait(fake_api, chat, message, _button(message, "reject"))
    fake_api.wait_for(lambda: any("причину" in m["text"] for m in fake_api.sent(chat)))
    fake_api.user_sends(chat, "/cancel")
    fake_api.wait_for(lambda: any("ничего не изменено" in m["text"] for m in fake_api.sent(chat)))
    fake_api.user_sends(chat, "Передумал")
    fake_api.wait_for(lambda: any("только кнопки" in m["text"] for m in fake_api.sent(chat)))
    assert card(tg_core, users, card_id)["stage"] == "head_approval"


def test_a_stale_button_answers_clearly_and_changes_nothing(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_message(fake_api, chat, card_id)
    actions.approve(tg_core, users["mhead"], open_task(tg_core, users, card_id, "head_approval")["id"], T0)
    before = _events(tg_core, users, card_id)
    answer = _press_and_wait(fake_api, chat, message, _button(message, "approve"))
    assert answer["show_alert"] is True and answer["text"].startswith("Уже неактуально")
    assert _events(tg_core, users, card_id) == before
    assert card(tg_core, users, card_id)["stage"] == "finance_review"
    fake_api.wait_for(lambda: all("callback_data" not in b
                                  for b in buttons(fake_api.message(chat, message["message_id"]))))


def test_a_stale_reject_does_not_even_ask_for_a_reason(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_message(fake_api, chat, card_id)
    actions.approve(tg_core, users["mhead"], open_task(tg_core, users, card_id, "head_approval")["id"], T0)
    answer = _press_and_wait(fake_api, chat, message, _button(message, "reject"))
    assert answer["show_alert"] is True
    assert not any("причину" in m["text"] for m in fake_api.sent(chat))


def test_a_forged_callback_does_nothing(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_message(fake_api, chat, card_id)
    genuine = _button(message, "approve")
    forged = [genuine[:-2] + ("AA" if genuine[-2:] != "AA" else "BB"),  # a bad signature
              callback_data.sign("someone-elses-secret", "approve", open_task(tg_core, users, card_id,
                                                                              "head_approval")["id"], users["mhead"]),
              "approve:1", ""]
    before = _events(tg_core, users, card_id)
    for data in forged:
        answer = _press_and_wait(fake_api, chat, message, data)
        assert answer["text"] == "Эта кнопка недействительна." and answer["show_alert"] is True
    assert _events(tg_core, users, card_id) == before
    assert fake_api.calls("editMessageText") == fake_api.calls("editMessageReplyMarkup") == []


def test_a_chat_that_is_not_linked_can_do_nothing(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_message(fake_api, chat, card_id)
    fake_api.user_sends(chat, "/stop")
    fake_api.wait_for(lambda: any("отвязан" in m["text"] for m in fake_api.sent(chat)))
    answer = _press_and_wait(fake_api, chat, message, _button(message, "approve"))
    assert "не связан" in answer["text"]
    assert card(tg_core, users, card_id)["stage"] == "head_approval"


def test_a_button_sent_to_someone_else_does_nothing(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _task_message(fake_api, chat, card_id)
    link(tg_core, users, "mhead", 1)  # mhead moves to another chat; ops takes this one over
    link(tg_core, users, "ops", chat)
    answer = _press_and_wait(fake_api, chat, message, _button(message, "approve"))
    assert "другому пользователю" in answer["text"]
    assert card(tg_core, users, card_id)["stage"] == "head_approval"


def test_the_operations_manager_approves_on_behalf_from_an_escalation(tg_core, users, invoice, fake_api, bot, clock):
    from soglasie.services.sweep import sweep
    from tests.test_sweeps import ESCALATION_AT

    chat = link(tg_core, users, "ops")
    card_id = file_request(tg_core, users, invoice)
    clock.set(ESCALATION_AT)
    sweep(tg_core, ESCALATION_AT)
    message = _task_message(fake_api, chat, card_id)
    _press_and_wait(fake_api, chat, message, _button(message, "approve"))
    timeline = card(tg_core, users, card_id)["timeline"]
    assert [(e["actor"], e["on_behalf_of"]) for e in timeline if e["event"] == "approved"] == [("ops", "mhead")]
    assert CHATS["ops"] == chat


def test_a_contract_is_decided_from_telegram_like_a_request(tg_core, users, fake_api, bot):
    from tests.helpers import file_contract

    chat = link(tg_core, users, "mhead")
    initiator_chat = link(tg_core, users, "memployee")
    card_id = file_contract(tg_core, users)
    message = fake_api.wait_for(lambda: next(
        (m for m in fake_api.sent(chat) if f"/contracts/{card_id}" in m["text"] and "reply_markup" in m), None))
    assert f"по договору №{card_id} «Поставка банок, 2027»" in message["text"]
    assert buttons(message)[-1]["url"] == f"https://soglasie.example.com/contracts/{card_id}"
    _press_and_wait(fake_api, chat, message, _button(message, "reject"))
    prompt = fake_api.wait_for(lambda: next((m for m in fake_api.sent(chat) if "причину" in m["text"]), None))
    assert f"отклонения договора №{card_id}" in prompt["text"]
    fake_api.user_sends(chat, "Не тот шаблон договора", reply_to=prompt["message_id"])
    fake_api.wait_for(lambda: "Отклонено" in fake_api.message(chat, message["message_id"])["text"])
    assert card(tg_core, users, card_id)["stage"] == "rejected"
    rejected = fake_api.wait_for(lambda: [m for m in fake_api.sent(initiator_chat) if "отклонён" in m["text"]])
    assert rejected[0]["text"].startswith(f"Договор №{card_id} «Поставка банок, 2027»")
