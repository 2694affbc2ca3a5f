"""Message texts by kind, in Russian and English, and the formatting of amounts and times.

Payment requests and contracts have their own texts: "заявка №N" is feminine, "договор №N"
masculine (отклонена / отклонён), and a contract is named by its subject too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from soglasie.rulebook.model import Text

TEMPLATES: dict[str, Text] = {
    "task_assigned": Text(
        ru="Новая задача «{task}» по заявке №{card}: {counterparty}, {amount}. Срок: {deadline}.",
        en="New task \"{task}\" on request #{card}: {counterparty}, {amount}. Due: {deadline}.",
    ),
    "rejected": Text(
        ru="Заявка №{card} ({counterparty}, {amount}) отклонена на этапе «{stage}». Причина: {comment}",
        en="Request #{card} ({counterparty}, {amount}) was rejected at \"{stage}\". Reason: {comment}",
    ),
    "documents_requested": Text(
        ru="По заявке №{card} ({counterparty}, {amount}) запрошены документы: {comment}",
        en="Documents were requested on request #{card} ({counterparty}, {amount}): {comment}",
    ),
    "documents_provided": Text(
        ru="Инициатор ответил на запрос документов по заявке №{card}: {comment}",
        en="The initiator answered the documents request on request #{card}: {comment}",
    ),
    "frozen": Text(
        ru="Заявка №{card} ({counterparty}, {amount}) заморожена. {comment}",
        en="Request #{card} ({counterparty}, {amount}) was frozen. {comment}",
    ),
    "unfrozen": Text(
        ru="Заявка №{card} ({counterparty}, {amount}) разморожена и вернулась на этап «{stage}».",
        en="Request #{card} ({counterparty}, {amount}) was unfrozen and is back at \"{stage}\".",
    ),
    "approved_on_behalf": Text(
        ru="{actor} согласовал(а) за вас заявку №{card} ({counterparty}, {amount}).",
        en="{actor} approved request #{card} ({counterparty}, {amount}) on your behalf.",
    ),
    "finished": Text(
        ru="Заявка №{card} ({counterparty}, {amount}): {stage}.",
        en="Request #{card} ({counterparty}, {amount}): {stage}.",
    ),
    "no_assignee": Text(
        ru="Не найден исполнитель задачи «{task}» по заявке №{card}: {comment}. Назначьте роль.",
        en="Nobody can take the task \"{task}\" on request #{card}: {comment}. Assign the role.",
    ),
    "reminder": Text(
        ru="Напоминание: задача «{task}» по заявке №{card} ({counterparty}, {amount}) "
        "ждёт вас с {since}.",
        en="Reminder: the task \"{task}\" on request #{card} ({counterparty}, {amount}) "
        "has waited for you since {since}.",
    ),
    "escalation": Text(
        ru="Задача «{task}» по заявке №{card} ({counterparty}, {amount}) не взята в работу: "
        "{assignee}, с {since}. Вы можете согласовать за исполнителя.",
        en="The task \"{task}\" on request #{card} ({counterparty}, {amount}) is stuck with "
        "{assignee} since {since}. You may approve on their behalf.",
    ),
}

# Contracts (the contract approval process): the same kinds of message, about "договор №N «subject»".
CONTRACT_TEMPLATES: dict[str, Text] = {
    "task_assigned": Text(
        ru="Новая задача «{task}» по договору №{card} «{subject}»: {counterparty}, {amount}. Срок: {deadline}.",
        en="New task \"{task}\" on contract #{card} \"{subject}\": {counterparty}, {amount}. Due: {deadline}.",
    ),
    "rejected": Text(
        ru="Договор №{card} «{subject}» ({counterparty}, {amount}) отклонён на этапе «{stage}». Причина: {comment}",
        en="Contract #{card} \"{subject}\" ({counterparty}, {amount}) was rejected at \"{stage}\". Reason: {comment}",
    ),
    "documents_requested": Text(
        ru="По договору №{card} «{subject}» ({counterparty}, {amount}) запрошены документы: {comment}",
        en="Documents were requested on contract #{card} \"{subject}\" ({counterparty}, {amount}): {comment}",
    ),
    "documents_provided": Text(
        ru="Инициатор ответил на запрос документов по договору №{card} «{subject}»: {comment}",
        en="The initiator answered the documents request on contract #{card} \"{subject}\": {comment}",
    ),
    "frozen": Text(
        ru="Договор №{card} «{subject}» ({counterparty}, {amount}) заморожен. {comment}",
        en="Contract #{card} \"{subject}\" ({counterparty}, {amount}) was frozen. {comment}",
    ),
    "unfrozen": Text(
        ru="Договор №{card} «{subject}» ({counterparty}, {amount}) разморожен и вернулся на этап «{stage}».",
        en="Contract #{card} \"{subject}\" ({counterparty}, {amount}) was unfrozen and is back at \"{stage}\".",
    ),
    "approved_on_behalf": Text(
        ru="{actor} согласовал(а) за вас договор №{card} «{subject}» ({counterparty}, {amount}).",
        en="{actor} approved contract #{card} \"{subject}\" ({counterparty}, {amount}) on your behalf.",
    ),
    "finished": Text(
        ru="Договор №{card} «{subject}» ({counterparty}, {amount}): {stage}.",
        en="Contract #{card} \"{subject}\" ({counterparty}, {amount}): {stage}.",
    ),
    "no_assignee": Text(
        ru="Не найден исполнитель задачи «{task}» по договору №{card}: {comment}. Назначьте роль.",
        en="Nobody can take the task \"{task}\" on contract #{card}: {comment}. Assign the role.",
    ),
    "reminder": Text(
        ru="Напоминание: задача «{task}» по договору №{card} «{subject}» ({counterparty}, {amount}) "
        "ждёт вас с {since}.",
        en="Reminder: the task \"{task}\" on contract #{card} \"{subject}\" ({counterparty}, {amount}) "
        "has waited for you since {since}.",
    ),
    "escalation": Text(
        ru="Задача «{task}» по договору №{card} «{subject}» ({counterparty}, {amount}) не взята в работу: "
        "{assignee}, с {since}. Вы можете согласовать за исполнителя.",
        en="The task \"{task}\" on contract #{card} \"{subject}\" ({counterparty}, {amount}) is stuck with "
        "{assignee} since {since}. You may approve on their behalf.",
    ),
}
TEMPLATES_BY_CARD_KIND = {"payment": TEMPLATES, "contract": CONTRACT_TEMPLATES}

NO_DEADLINE = Text(ru="не задан", en="none")


def format_amount(amount: Decimal, locale: str | None) -> str:
    """150000.5 → "150 000,50 ₽" (ru) or "150,000.50 RUB" (en)."""
    grouped = f"{amount:,.2f}"
    if locale == "en":
        return f"{grouped} RUB"
    return grouped.replace(",", "\u00a0").replace(".", ",") + "\u00a0₽"


def format_time(at: dt.datetime | None, locale: str | None, tz: ZoneInfo) -> str:
    """An instant in the company's time zone: "01.12.2026 18:00" (ru), "2026-12-01 18:00" (en)."""
    if at is None:
        return NO_DEADLINE.get(locale)
    local = at.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M" if locale == "en" else "%d.%m.%Y %H:%M")


def render(kind: str, locale: str | None, card_kind: str = "payment", **fields) -> str:
    """The text of a message of `kind` about a card of `card_kind` in `locale`, with `fields` filled in."""
    templates = TEMPLATES_BY_CARD_KIND.get(card_kind, TEMPLATES)
    return templates[kind].get(locale).format(**fields).strip()
