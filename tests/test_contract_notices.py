"""What people are told about contracts: "договор №N «subject»" in messages, reminders, the digest,
and Telegram (its summary and its link to /contracts/<id>)."""

from __future__ import annotations

import datetime as dt

from soglasie.models import Card, Task, User
from soglasie.services import actions
from tests.helpers import add_contract_version
from soglasie.services.common import Upload
from soglasie.services.digest import morning_digest
from soglasie.services.sweep import sweep
from soglasie.telegram_bot import compose
from tests.conftest import MSK, T0
from tests.helpers import file_contract, file_request, inbox, open_task, sign_contract
from tests.support.files import pdf_bytes
from tests.test_sweeps import REMINDER_AT


def test_every_message_about_a_contract_names_it_as_one(core, users):
    card_id = file_contract(core, users)
    assigned = inbox(core, users, "mhead")[0]
    assert assigned["kind"] == "task_assigned" and assigned["request_id"] == card_id
    assert assigned["text"].startswith(f"Новая задача «Согласовать договор» по договору №{card_id} "
                                       "«Поставка банок, 2027»: ООО «Косметик Пак», 500\u00a0000,00\u00a0₽.")
    task = open_task(core, users, card_id, "head_approval")
    actions.reject(core, users["mhead"], task["id"], T0, "не тот шаблон")
    rejected = inbox(core, users, "memployee")[0]["text"]
    assert rejected.startswith(f"Договор №{card_id} «Поставка банок, 2027» (ООО «Косметик Пак», "
                               "500\u00a0000,00\u00a0₽) отклонён на этапе «Согласование руководителем». "
                               "Причина: не тот шаблон")
    assert "заявк" not in " ".join(note["text"] for note in inbox(core, users, "memployee"))


def test_a_signed_contract_tells_the_initiator_and_a_payment_keeps_its_own_words(core, users, invoice):
    card_id = file_contract(core, users)
    sign_contract(core, users, card_id)
    assert inbox(core, users, "memployee")[0]["text"] == (
        f"Договор №{card_id} «Поставка банок, 2027» (ООО «Косметик Пак», 500\u00a0000,00\u00a0₽): Подписан.")
    payment = file_request(core, users, invoice, contract_id=card_id)
    assert inbox(core, users, "mhead")[0]["text"].startswith(f"Новая задача «Согласовать заявку на оплату» "
                                                             f"по заявке №{payment}:")


def test_english_messages_and_reminders_about_a_contract(core, users):
    with core.db.write() as session:
        session.get(User, users["mhead"]).locale = "en"
    card_id = file_contract(core, users)
    assert inbox(core, users, "mhead")[0]["text"].startswith(
        f"New task \"Approve the contract\" on contract #{card_id} \"Поставка банок, 2027\":")
    assert sweep(core, REMINDER_AT)["reminder"] == 1
    reminder = inbox(core, users, "mhead")[0]
    assert reminder["kind"] == "reminder"
    assert reminder["text"].startswith(f"Reminder: the task \"Approve the contract\" on contract #{card_id} "
                                       "\"Поставка банок, 2027\"")


def test_the_digest_lists_contracts_as_contracts(core, users, invoice):
    card_id = file_contract(core, users)
    payment = file_request(core, users, invoice)
    morning_digest(core, dt.datetime(2026, 12, 2, 9, 0, tzinfo=MSK))
    lines = inbox(core, users, "mhead")[0]["text"].splitlines()
    assert lines[0] == "Доброе утро! Ждут вашего решения: 2."
    assert lines[1].startswith(f"• Договор №{card_id} «Поставка банок, 2027», ООО «Косметик Пак», "
                               "500\u00a0000,00\u00a0₽ — «Согласовать договор», ждёт")
    assert lines[2].startswith(f"• №{payment} ООО «Косметик Пак», 150\u00a0000,00\u00a0₽ — «Согласовать заявку")


def test_telegram_names_the_contract_and_links_its_page(core, users):
    core.settings = core.settings.with_overrides(portal_url="https://portal.example.ru")
    card_id = file_contract(core, users)
    task = open_task(core, users, card_id, "head_approval")
    actions.request_documents(core, users["mhead"], task["id"], T0, "нужна доверенность")
    answer = open_task(core, users, card_id, "documents_requested")
    actions.answer_documents(core, users["memployee"], answer["id"], T0, "приложил",
                             [Upload(pdf_bytes("proxy"), "proxy.pdf")])
    note = inbox(core, users, "mhead")[0]
    assert note["kind"] == "documents_provided" and f"по договору №{card_id}" in note["text"]
    with core.db.read() as session:
        card, waiting = session.get(Card, card_id), session.get(Task, task["id"])
        text = compose.message_text(core, note["text"], card, waiting, "ru")
        assert f"Договор №{card_id} «Поставка банок, 2027»: ООО «Косметик Пак»" in text  # the summary it lacked
        assert text.endswith(f"https://portal.example.ru/contracts/{card_id}")
        english = compose.message_text(core, "x", card, waiting, "en")
        assert f"Contract #{card_id} \"Поставка банок, 2027\": ООО «Косметик Пак», 500,000.00 RUB" in english


def test_a_new_version_after_approval_gives_the_head_a_new_task(core, users):
    card_id = file_contract(core, users)
    task = open_task(core, users, card_id, "head_approval")
    actions.approve(core, users["mhead"], task["id"], T0)
    add_contract_version(core, users["finance"], card_id, Upload(pdf_bytes("v2"), "v2.pdf"), T0, "правки")
    assigned = [note for note in inbox(core, users, "mhead") if note["kind"] == "task_assigned"]
    assert len(assigned) == 2 and f"по договору №{card_id}" in assigned[0]["text"]
