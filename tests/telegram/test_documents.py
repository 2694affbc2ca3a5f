"""The document with the task: the invoice (or the contract's current version) as a Telegram document.

The summary is its caption and the buttons are under it; a file Telegram refuses goes as a
text that says so, and one outbox row is one delivery whatever part of it failed.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from telegram.error import BadRequest, NetworkError

from soglasie.models import User
from soglasie.services import actions
from soglasie.services.common import Upload
from soglasie.services.dispatch import claim, dispatch, wall_clock
from soglasie.telegram_bot import callback_data, compose
from soglasie.telegram_bot.client import make_bot
from soglasie.settings import Settings
from tests.conftest import T0
from tests.support.rules import RULES_DIR
from tests.helpers import add_contract_version, card, file_contract, file_request, open_task, sign_contract
from tests.support.files import pdf_bytes
from tests.telegram.conftest import PORTAL, buttons, link, telegram_rows
from tests.telegram.test_actions import SECRET, _button, _press_and_wait


def _document_about(fake_api, chat: int, card_id: int) -> dict:
    return fake_api.wait_for(lambda: next((m for m in fake_api.documents(chat)
                                           if f"/requests/{card_id}" in m["caption"]), None))


def _callbacks(message: dict) -> list[str]:
    return [callback_data.verify(SECRET, b["callback_data"]).action for b in buttons(message) if "callback_data" in b]


def test_the_task_arrives_as_the_invoice_with_the_summary_and_the_buttons(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice, comment="Тара на декабрь")
    message = _document_about(fake_api, chat, card_id)
    name, data = fake_api.file(message["document"]["file_id"])
    assert (name, data) == ("invoice-42.pdf", invoice.data)
    caption = message["caption"]
    for line in ("Контрагент: ООО «Косметик Пак», ИНН 7701526010", "Сумма: 150\u00a0000,00\u00a0₽",
                 "Статья затрат: Упаковка и тара (PACK)", "Инициатор: Максим Рекламов, Маркетинг",
                 "Комментарий: Тара на декабрь", "Этап: Согласование руководителем", "Срок: 03.12.2026 10:00",
                 f"{PORTAL}/requests/{card_id}"):
        assert line in caption
    assert len(caption) <= compose.MAX_CAPTION
    assert _callbacks(message) == ["take_into_work", "approve", "reject", "comment"]
    [row] = telegram_rows(tg_core, kind="task_assigned", recipient_id=users["mhead"])
    fake_api.wait_for(lambda: telegram_rows(tg_core, id=row.id)[0].status == "sent")
    sent = telegram_rows(tg_core, id=row.id)[0]
    assert (sent.external_id, sent.external_kind) == (str(message["message_id"]), "document")
    assert not [m for m in fake_api.sent(chat) if "document" not in m and f"/requests/{card_id}" in m["text"]]


def test_approve_from_the_document_edits_its_caption(tg_core, users, invoice, fake_api, bot):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    message = _document_about(fake_api, chat, card_id)
    answer = _press_and_wait(fake_api, chat, message, _button(message, "approve"))
    assert answer.get("text") == "Готово."
    assert card(tg_core, users, card_id)["stage"] == "finance_review"
    edited = fake_api.wait_for(lambda: (lambda m: m if "Согласовано" in m["caption"] else None)(
        fake_api.message(chat, message["message_id"])))
    assert "document" in edited and "Этап: Проверка финансовым менеджером" in edited["caption"]
    assert _callbacks(edited) == []


def test_a_task_decided_elsewhere_loses_its_buttons_in_the_chat(tg_core, users, invoice, fake_api, channel):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    dispatch(tg_core, T0, {"telegram": channel})
    [message] = fake_api.documents(chat)
    assert _callbacks(message)
    actions.approve(tg_core, users["mhead"], open_task(tg_core, users, card_id, "head_approval")["id"], T0)  # portal
    for _ in range(2):  # a second round finds nothing more to do: one edit per message
        dispatch(tg_core, T0, {"telegram": channel})
    edited = fake_api.message(chat, message["message_id"])
    assert "✅ Согласовано: Мария Маркетова" in edited["caption"] and _callbacks(edited) == []
    assert [b.get("url") for b in buttons(edited)] == [f"{PORTAL}/requests/{card_id}"]
    assert len(fake_api.calls("editMessageCaption", chat)) == 1
    assert [row.status for row in telegram_rows(tg_core, kind="telegram_edit")] == ["sent"]


def test_an_edit_waits_for_the_message_it_edits(tg_core, users, invoice, fake_api, channel):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    claim(tg_core, T0, ("telegram",))  # a dispatcher took the task message and died while sending it
    actions.approve(tg_core, users["mhead"], open_task(tg_core, users, card_id, "head_approval")["id"], T0)
    [edit] = telegram_rows(tg_core, kind="telegram_edit")
    dispatch(tg_core, T0, {"telegram": channel})
    assert telegram_rows(tg_core, id=edit.id)[0].status == "pending"  # nothing to edit yet: it waits
    for minutes in (6, 7, 8):  # the lease runs out, the message goes (composed now: no buttons), then the edit
        later = dt.timedelta(minutes=minutes)  # business time and the wall clock (the lease's) both move on
        dispatch(tg_core, T0 + later, {"telegram": channel}, clock=lambda: wall_clock() + later)  # noqa: B023
    assert {row.status for row in telegram_rows(tg_core)} == {"sent"}
    [message] = [m for m in fake_api.sent(chat) if f"/requests/{card_id}" in m["text"]]  # a text: no action left
    assert _callbacks(fake_api.message(chat, message["message_id"])) == []
    assert "✅ Согласовано: Мария Маркетова" in fake_api.message(chat, message["message_id"])["text"]


def test_a_refused_document_falls_back_to_text_and_is_delivered_once(tg_core, users, invoice, fake_api, channel):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    fake_api.fail(400, times=1, methods=("sendDocument",))
    assert dispatch(tg_core, T0, {"telegram": channel})["sent"] >= 1
    assert dispatch(tg_core, T0.replace(hour=12), {"telegram": channel})["claimed"] == 0
    assert fake_api.documents(chat) == []
    [message] = [m for m in fake_api.sent(chat) if f"/requests/{card_id}" in m["text"]]
    assert "📎 Счёт на оплату не удалось отправить сюда: откройте его в портале." in message["text"]
    assert "Контрагент: ООО «Косметик Пак», ИНН 7701526010" in message["text"]
    assert _callbacks(message) == ["take_into_work", "approve", "reject", "comment"]
    row = telegram_rows(tg_core, kind="task_assigned", recipient_id=users["mhead"])[0]
    assert (row.status, row.attempts, row.external_kind) == ("sent", 1, "text")


def test_a_temporary_failure_retries_the_whole_row_and_sends_one_document(tg_core, users, invoice, fake_api,
                                                                          channel):
    chat = link(tg_core, users, "mhead")
    file_request(tg_core, users, invoice)
    fake_api.fail(502, times=1, methods=("sendDocument",))
    assert dispatch(tg_core, T0, {"telegram": channel})["retry"] == 1
    assert dispatch(tg_core, T0.replace(hour=12), {"telegram": channel})["sent"] == 1
    assert len(fake_api.documents(chat)) == 1 and len(fake_api.calls("sendMessage", chat)) == 0


def test_a_file_above_telegrams_limit_goes_as_a_text_that_says_so(tg_core, users, invoice, fake_api, channel,
                                                                   monkeypatch):
    chat = link(tg_core, users, "mhead")
    card_id = file_request(tg_core, users, invoice)
    monkeypatch.setattr(compose, "MAX_UPLOAD", len(invoice.data) - 1)  # the same rule as 50 MB, on a small file
    dispatch(tg_core, T0, {"telegram": channel})
    assert fake_api.calls("sendDocument", status=None) == []
    [message] = [m for m in fake_api.sent(chat) if f"/requests/{card_id}" in m["text"]]
    assert "больше, чем Telegram позволяет отправить боту" in message["text"]


def test_a_413_from_telegram_falls_back_to_text(tg_core, users, invoice, fake_api, channel):
    chat = link(tg_core, users, "mhead")
    file_request(tg_core, users, invoice)
    fake_api.state.max_file = 100  # a server with a smaller limit answers 413 Request Entity Too Large
    dispatch(tg_core, T0, {"telegram": channel})
    assert [call.status for call in fake_api.calls("sendDocument", chat, status=None)] == [413]
    assert len(fake_api.sent(chat)) == 1 and "не удалось отправить" in fake_api.sent(chat)[0]["text"]


def test_the_summary_is_plain_text_cut_at_the_comment_never_at_a_warning(tg_core, users, invoice, fake_api,
                                                                          channel):
    contract_id = file_contract(tg_core, users)
    sign_contract(tg_core, users, contract_id)
    chat = link(tg_core, users, "mhead")
    comment = "<b>срочно</b> *оплатить* " + "очень длинный комментарий " * 120
    card_id = file_request(tg_core, users, invoice, amount="600000.00", contract_id=contract_id, comment=comment)
    dispatch(tg_core, T0, {"telegram": channel})
    [message] = [m for m in fake_api.documents(chat) if f"/requests/{card_id}" in m["caption"]]
    caption = message["caption"]
    assert len(caption) <= compose.MAX_CAPTION
    assert f"⚠️ Сумма больше остатка по договору №{contract_id}: осталось 500\u00a0000,00\u00a0₽ из " \
           f"500\u00a0000,00\u00a0₽." in caption
    assert "Комментарий: <b>срочно</b> *оплатить* очень длинный" in caption and "…" in caption
    assert caption.endswith(f"{PORTAL}/requests/{card_id}")
    [call] = fake_api.calls("sendDocument", chat)
    assert "parse_mode" not in call.params  # what the user typed is never markup


def test_the_summary_is_in_the_recipients_language(tg_core, users, invoice, fake_api, channel):
    with tg_core.db.write() as session:
        session.get(User, users["mhead"]).locale = "en"
    chat = link(tg_core, users, "mhead")
    file_request(tg_core, users, invoice)
    dispatch(tg_core, T0, {"telegram": channel})
    caption = fake_api.documents(chat)[0]["caption"]
    for line in ("Counterparty: ООО «Косметик Пак», INN 7701526010", "Amount: 150,000.00 RUB",
                 "Cost item: Упаковка и тара (PACK)", "Initiator: Максим Рекламов, Маркетинг", "Stage: Head approval"):
        assert line in caption


def test_approvals_so_far_are_listed(tg_core, users, invoice, fake_api, channel):
    chat = link(tg_core, users, "finance")
    card_id = file_request(tg_core, users, invoice)
    actions.approve(tg_core, users["mhead"], open_task(tg_core, users, card_id, "head_approval")["id"], T0)
    dispatch(tg_core, T0, {"telegram": channel})
    [message] = [m for m in fake_api.documents(chat) if f"/requests/{card_id}" in m["caption"]]
    assert "Уже согласовали: Мария Маркетова" in message["caption"]


def test_a_contracts_new_version_is_sent_with_its_file_number_uploader_and_comment(tg_core, users, fake_api,
                                                                                     channel):
    chat = link(tg_core, users, "mhead")
    card_id = file_contract(tg_core, users)
    version = Upload(pdf_bytes("contract v2"), "contract-v2.pdf")
    add_contract_version(tg_core, users["memployee"], card_id, version, T0, comment="Исправлены сроки")
    dispatch(tg_core, T0, {"telegram": channel})
    [message] = [m for m in fake_api.documents(chat) if "версию 2" in m["caption"]]
    assert message["caption"].startswith(f"Максим Рекламов загрузил(а) версию 2 договора №{card_id} "
                                         "«Поставка банок, 2027». Комментарий: Исправлены сроки")
    assert fake_api.file(message["document"]["file_id"]) == ("contract-v2.pdf", version.data)
    [task_message] = [m for m in fake_api.documents(chat) if m is not message and "Новая задача" in m["caption"]]
    assert fake_api.file(task_message["document"]["file_id"])[1] == version.data  # the current version


@pytest.mark.parametrize("method, params, error, text", [
    ("send_document", {"caption": "x" * 1025}, BadRequest, "(?i)message caption is too long"),
    ("send_message", {"text": "x" * 4097}, BadRequest, "(?i)message is too long"),
    ("send_document", {"size": 2048}, NetworkError, "Request Entity Too Large"),  # above a 1 KB limit, see below
])
def test_the_fake_enforces_telegrams_limits(fake_api, tmp_path, method, params, error, text):
    settings = Settings(database_url="sqlite://", data_dir=tmp_path, rules_dir=RULES_DIR, secret_key="-",
                        telegram_bot_token=fake_api.token, telegram_api_base_url=fake_api.base_url)

    assert fake_api.state.max_file == 50 * 1024 * 1024  # Telegram's limit; a 50 MB upload is too slow for a test
    fake_api.state.max_file = 1024

    async def call():
        bot = make_bot(settings)
        async with bot:
            if method == "send_message":
                await bot.send_message(1, params["text"])
            else:
                data = b"%PDF" + b"0" * (params.get("size", 10) - 4)
                await bot.send_document(1, data, filename="big.pdf", caption=params.get("caption"))

    with pytest.raises(error, match=text):
        asyncio.run(call())
