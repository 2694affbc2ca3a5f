"""What the bot says, in Russian (the default) and English."""

from __future__ import annotations

from soglasie.rulebook.model import DOCUMENTS_REQUESTED, FROZEN, REJECTED, Text

BUTTONS = {
    "take_into_work": Text(ru="▶️ Взять в работу", en="▶️ Take into work"),
    "approve": Text(ru="✅ Согласовать", en="✅ Approve"),
    "approve_on_behalf": Text(ru="✅ Согласовать за исполнителя", en="✅ Approve on their behalf"),
    "reject": Text(ru="❌ Отклонить", en="❌ Reject"),
    "open": Text(ru="🔗 Открыть в портале", en="🔗 Open in the portal"),
}

OUTCOMES = {
    "take_into_work": Text(ru="▶️ Взято в работу ({at}).", en="▶️ Taken into work ({at})."),
    "approve": Text(ru="✅ Согласовано ({at}).", en="✅ Approved ({at})."),
    "reject": Text(ru="❌ Отклонено ({at}). Причина: {reason}", en="❌ Rejected ({at}). Reason: {reason}"),
}

SIDE_STAGE_TITLES = {
    REJECTED: Text(ru="Отклонена", en="Rejected"),
    FROZEN: Text(ru="Заморожена", en="Frozen"),
    DOCUMENTS_REQUESTED: Text(ru="Запрошены документы", en="Documents requested"),
}

SUMMARY = Text(ru="Заявка №{card}: {counterparty}, {amount}", en="Request #{card}: {counterparty}, {amount}")
CONTRACT_SUMMARY = Text(ru="Договор №{card} «{subject}»: {counterparty}, {amount}",
                        en="Contract #{card} \"{subject}\": {counterparty}, {amount}")
STAGE = Text(ru="Этап: {stage}", en="Stage: {stage}")
DEADLINE = Text(ru="Срок: {deadline}", en="Due: {deadline}")

LINKED = Text(
    ru="Готово, {name}: этот чат связан с Soglasie. Сюда будут приходить задачи, напоминания и "
    "эскалации — с кнопками, чтобы решать прямо здесь. /stop — отвязать.",
    en="Done, {name}: this chat is linked to Soglasie. Tasks, reminders and escalations will arrive "
    "here with buttons, so you can decide right here. /stop unlinks it.",
)
INSTRUCTIONS = Text(
    ru="Этот чат не связан с Soglasie. Откройте свой профиль в портале, нажмите «Подключить Telegram» "
    "и перейдите по ссылке (она одноразовая и действует 15 минут).",
    en="This chat is not linked to Soglasie. Open your profile in the portal, press \"Connect Telegram\" "
    "and follow the link (it works once, for 15 minutes).",
)
PRIVATE_ONLY = Text(ru="Подключить Telegram можно только в личном чате с ботом.",
                    en="Telegram can only be linked in a private chat with the bot.")
UNLINKED = Text(ru="Чат отвязан: уведомления сюда больше не придут. Подключить снова можно из профиля в портале.",
                en="The chat is unlinked: no more notifications here. Link it again from your portal profile.")
HELP = Text(
    ru="Я присылаю задачи и напоминания Soglasie. Нажимайте кнопки под сообщениями, чтобы взять задачу "
    "в работу, согласовать или отклонить. /stop — отвязать чат, /cancel — отменить ввод причины.",
    en="I deliver Soglasie tasks and reminders. Press the buttons under a message to take a task into work, "
    "approve or reject it. /stop unlinks this chat, /cancel cancels typing a reason.",
)
ASK_REASON = Text(ru="Напишите причину отклонения заявки №{card} ответом на это сообщение (или /cancel).",
                  en="Reply to this message with the reason to reject request #{card} (or /cancel).")
ASK_REASON_CONTRACT = Text(ru="Напишите причину отклонения договора №{card} ответом на это сообщение (или /cancel).",
                           en="Reply to this message with the reason to reject contract #{card} (or /cancel).")
REASON_PLACEHOLDER = Text(ru="Причина отклонения", en="Reason to reject")
CANCELLED = Text(ru="Хорошо, ничего не изменено.", en="OK, nothing was changed.")
NOTHING_TO_CANCEL = Text(ru="Нечего отменять.", en="Nothing to cancel.")
DONE = Text(ru="Готово.", en="Done.")
STALE = Text(ru="Уже неактуально: {reason} Ничего не изменено.", en="No longer current: {reason} Nothing was changed.")
FORGED = Text(ru="Эта кнопка недействительна.", en="This button is not valid.")
NOT_LINKED = Text(ru="Этот чат не связан с Soglasie — действия недоступны.",
                  en="This chat is not linked to Soglasie — no actions are possible.")
NOT_YOURS = Text(ru="Эта кнопка была отправлена другому пользователю.", en="This button was sent to another user.")
FAILED = Text(ru="Не получилось: {reason}", en="That did not work: {reason}")
UNKNOWN_TEXT = Text(ru="Я понимаю только кнопки и команды. /help — справка.",
                    en="I only understand buttons and commands. /help shows how.")
