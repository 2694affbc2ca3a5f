"""What the bot does with commands, buttons and replies — through the same services as the portal.

The actor is always the user linked to the chat; an unlinked chat can only link itself.
Database work runs in worker threads so the event loop keeps serving other chats.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Callable

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from soglasie.core import Core
from soglasie.errors import DomainError, ValidationError
from soglasie.models import Task, User
from soglasie.notifications import messages
from soglasie.nouns import noun_params
from soglasie.services import actions, comments, telegram_links
from soglasie.services.documents import not_found_card
from soglasie.telegram_bot import callback_data, commands, compose, conversations, texts

log = logging.getLogger("soglasie.telegram")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
SERVICES = {"take_into_work": actions.take_into_work, "approve": actions.approve, "reject": actions.reject}
# What the bot asks before acting, by button: the question, the input field's placeholder.
QUESTIONS = {"reject": (texts.ASK_REASON, texts.REASON_PLACEHOLDER),
             "comment": (texts.ASK_COMMENT, texts.COMMENT_PLACEHOLDER)}


@dataclass(frozen=True)
class Person:
    """The user linked to a chat, as the handlers need him."""

    id: int
    name: str
    locale: str


def guess_locale(update: Update) -> str:
    """The language for someone we do not know yet: Russian unless Telegram says otherwise."""
    user = update.effective_user
    code = (user.language_code or "ru") if user else "ru"
    return "ru" if code.startswith("ru") else "en"


class BotHandlers:
    """The bot's handlers; `on_change` is called after an action wrote notifications."""

    def __init__(self, core: Core, clock: Callable[[], dt.datetime], on_change: Callable[[], None] = lambda: None):
        self.core = core
        self.clock = clock
        self.on_change = on_change
        self.bot = None  # the application's bot, set by register()

    def register(self, app: Application) -> None:
        """Attach every handler to the application."""
        self.bot = app.bot
        private = filters.ChatType.PRIVATE
        app.add_handler(CommandHandler("start", self.start))
        app.add_handler(CommandHandler("stop", self.stop, filters=private))
        app.add_handler(CommandHandler("help", self.help, filters=private))
        app.add_handler(CommandHandler("cancel", self.cancel, filters=private))
        app.add_handler(CommandHandler("tasks", self.tasks, filters=private))
        app.add_handler(CommandHandler("card", self.card, filters=private))
        app.add_handler(CallbackQueryHandler(self.button))
        app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.text))
        app.add_handler(MessageHandler(private, self.other))
        app.add_error_handler(self.error)

    # --- commands ------------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/start <token>` links the chat; anything else gets instructions (or help, when linked)."""
        chat = update.effective_chat
        if chat.type != ChatType.PRIVATE:
            await chat.send_message(texts.PRIVATE_ONLY.get(guess_locale(update)))
            return
        token = context.args[0] if context.args else ""
        user = await asyncio.to_thread(telegram_links.link_chat, self.core, token, chat.id, self.clock()) \
            if token else None
        if user is not None:
            await chat.send_message(texts.LINKED.format(name=user.name).get(user.locale))
            return
        person = await self._person(chat.id)
        text = texts.HELP.get(person.locale) if person else texts.INSTRUCTIONS.get(guess_locale(update))
        await chat.send_message(text)

    async def stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/stop` unlinks the chat."""
        chat = update.effective_chat
        user = await asyncio.to_thread(telegram_links.unlink_chat, self.core, chat.id)
        if user is None:
            await chat.send_message(texts.INSTRUCTIONS.get(guess_locale(update)))
            return
        await asyncio.to_thread(conversations.close_all, self.core, chat.id, self.clock())
        await chat.send_message(texts.UNLINKED.get(user.locale))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/help`: how to use the bot (instructions to link for an unknown chat)."""
        person = await self._person(update.effective_chat.id)
        await update.effective_chat.send_message(
            texts.HELP.get(person.locale) if person else texts.INSTRUCTIONS.get(guess_locale(update)))

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/cancel`: forget the question the bot asked (nothing changes)."""
        chat = update.effective_chat
        person = await self._person(chat.id)
        if person is None:
            await chat.send_message(texts.INSTRUCTIONS.get(guess_locale(update)))
            return
        closed = await asyncio.to_thread(conversations.close_all, self.core, chat.id, self.clock())
        await chat.send_message((texts.CANCELLED if closed else texts.NOTHING_TO_CANCEL).get(person.locale))

    async def tasks(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/tasks`: my open tasks, a page of buttons (press one to open it)."""
        chat = update.effective_chat
        person = await self._person(chat.id)
        if person is None:
            await chat.send_message(texts.INSTRUCTIONS.get(guess_locale(update)))
            return
        text, markup = await asyncio.to_thread(self._tasks_page, person, 1)
        await chat.send_message(text, reply_markup=markup)

    async def card(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/card N`: the card, if the user may see it in the portal; otherwise "not found"."""
        chat = update.effective_chat
        person = await self._person(chat.id)
        if person is None:
            await chat.send_message(texts.INSTRUCTIONS.get(guess_locale(update)))
            return
        number = context.args[0].lstrip("#№") if context.args else ""
        if len(context.args or ()) != 1 or not number.isdigit() or len(number) > 18:
            await chat.send_message(texts.CARD_USAGE.get(person.locale))
            return
        found = await asyncio.to_thread(commands.open_card, self.core, person.id, int(number), update.update_id,
                                        self.clock())
        if not found:
            await chat.send_message(not_found_card(self.core, None).message(person.locale))
            return
        self.on_change()

    def _tasks_page(self, person: Person, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
        """The text and buttons of one page of /tasks."""
        found = commands.tasks_page(self.core, person.id, page, person.locale)
        if not found.total:
            return texts.NO_TASKS.get(person.locale), None
        key = self.core.settings.secret_key
        rows = [[InlineKeyboardButton(
            texts.TASK_BUTTON.format(card=row.card_id, title=row.title, deadline=row.deadline).get(person.locale)[:64],
            callback_data=callback_data.sign(key, "open", row.task_id, person.id))] for row in found.rows]
        turns = [InlineKeyboardButton(texts.BUTTONS[name].get(person.locale),
                                      callback_data=callback_data.sign(key, "page", target, person.id))
                 for name, target in (("previous", found.page - 1), ("next", found.page + 1))
                 if 1 <= target <= found.pages]
        if turns:
            rows.append(turns)
        text = texts.TASKS_HEADER.format(total=found.total, page=found.page, pages=found.pages).get(person.locale)
        return text, InlineKeyboardMarkup(rows)

    async def other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything else: a hint (instructions for an unknown chat)."""
        person = await self._person(update.effective_chat.id)
        await update.effective_chat.send_message(
            texts.UNKNOWN_TEXT.get(person.locale) if person else texts.INSTRUCTIONS.get(guess_locale(update)))

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what a handler raised (the user simply gets no answer)."""
        log.error("handling %r failed", update, exc_info=context.error)

    # --- buttons -------------------------------------------------------------------------------

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: verify the signature and the chat's user, then act through the services."""
        query = update.callback_query
        chat_id = query.message.chat.id if query.message else None
        press = callback_data.verify(self.core.settings.secret_key, query.data)
        if press is None or chat_id is None:
            await query.answer(texts.FORGED.get(guess_locale(update)), show_alert=True)
            return
        person = await self._person(chat_id)
        if person is None:
            await query.answer(texts.NOT_LINKED.get(guess_locale(update)), show_alert=True)
            return
        if person.id != press.user_id:
            await query.answer(texts.NOT_YOURS.get(person.locale), show_alert=True)
            return
        if press.action in QUESTIONS:
            await self._ask(query, person, press)
            return
        if press.action in ("open", "page"):
            await self._browse(update, query, person, press)
            return
        now = self.clock()
        error = await asyncio.to_thread(self._act, person, press.action, press.task_id, now, None)
        if error is not None:
            await self._refuse(query, person, error, chat_id)
            return
        self.on_change()
        await query.answer(texts.DONE.get(person.locale))
        outcome = texts.OUTCOMES[press.action].format(at=self._at(now, person), reason="").get(person.locale)
        await self._edit(chat_id, query.message.message_id, person, outcome, _text_of(query.message))

    async def _ask(self, query, person: Person, press: callback_data.ButtonPress) -> None:
        """Ask for the reason (reject) or the comment with a forced reply; only a reply to it is the answer."""
        chat_id, source_id = query.message.chat.id, query.message.message_id
        allowed, params = await asyncio.to_thread(self._allowed, person, press.task_id)
        if (press.action == "reject" and "reject" not in allowed) or not allowed or params is None:
            await self._refuse(query, person, None, chat_id)
            return
        question, placeholder = QUESTIONS[press.action]
        prompt = await query.get_bot().send_message(
            chat_id, question.format(**params).get(person.locale),
            reply_markup=ForceReply(input_field_placeholder=placeholder.get(person.locale)),
            reply_parameters=ReplyParameters(source_id, allow_sending_without_reply=True))
        await asyncio.to_thread(conversations.ask, self.core, chat_id, person.id, press.task_id, press.action,
                                prompt.message_id, source_id, self.clock())
        await query.answer()

    async def _browse(self, update: Update, query, person: Person, press: callback_data.ButtonPress) -> None:
        """A /tasks button: open a task (queued like a task message), or turn the list's page."""
        if press.action == "open":
            found = await asyncio.to_thread(commands.open_task, self.core, person.id, press.task_id,
                                            update.update_id, self.clock())
            self.on_change()
            await query.answer(None if found else not_found_card(self.core, None).message(person.locale),
                               show_alert=not found)
            return
        text, markup = await asyncio.to_thread(self._tasks_page, person, press.task_id)
        await query.answer()
        try:
            await query.get_bot().edit_message_text(text, query.message.chat.id, query.message.message_id,
                                                    reply_markup=markup)
        except BadRequest:  # the same page again: "message is not modified"
            pass

    async def _refuse(self, query, person: Person, error: DomainError | None, chat_id: int) -> None:
        """A press that cannot be done: say why, change nothing, drop the buttons that went stale."""
        reason = error.message(person.locale) if error is not None else ""
        template = texts.FAILED if isinstance(error, ValidationError) else texts.STALE
        await query.answer(template.format(reason=reason).get(person.locale).strip(), show_alert=True)
        _, markup, _kind = await asyncio.to_thread(self._refreshed, person, query.message.message_id, "", "")
        try:
            await query.get_bot().edit_message_reply_markup(chat_id, query.message.message_id, reply_markup=markup)
        except BadRequest:  # "message is not modified": the buttons were already right
            pass

    # --- replies -------------------------------------------------------------------------------

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text message: the answer to the bot's question only when it replies to that question's prompt."""
        chat, message = update.effective_chat, update.effective_message
        person = await self._person(chat.id)
        if person is None:
            await chat.send_message(texts.INSTRUCTIONS.get(guess_locale(update)))
            return
        now = self.clock()
        reply_to = message.reply_to_message.message_id if message.reply_to_message else None
        question = await asyncio.to_thread(conversations.pending, self.core, chat.id, person.id, reply_to, now)
        if question is None or not await asyncio.to_thread(conversations.close, self.core, question.id, now):
            waiting = await asyncio.to_thread(conversations.has_open, self.core, chat.id, person.id, now)
            await chat.send_message((texts.NOT_A_REPLY if waiting else texts.UNKNOWN_TEXT).get(person.locale))
            return
        answer = message.text.strip()
        error = await asyncio.to_thread(self._act, person, question.action, question.task_id, now, answer)
        if error is not None:
            await chat.send_message(texts.STALE.format(reason=error.message(person.locale)).get(person.locale))
            return
        self.on_change()
        if question.action == "comment":
            await chat.send_message(texts.COMMENTED.get(person.locale))
            return
        await chat.send_message(texts.DONE.get(person.locale))
        if question.source_message_id is not None:
            outcome = texts.OUTCOMES[question.action].format(at=self._at(now, person), reason=answer).get(person.locale)
            await self._edit(chat.id, question.source_message_id, person, outcome, "")

    # --- helpers -------------------------------------------------------------------------------

    async def _person(self, chat_id: int) -> Person | None:
        return await asyncio.to_thread(self._find_person, chat_id)

    def _find_person(self, chat_id: int) -> Person | None:
        with self.core.db.read() as session:
            user = telegram_links.user_for_chat(session, chat_id)
            return Person(user.id, user.name, user.locale) if user is not None else None

    def _act(self, person: Person, action: str, task_id: int | None, now: dt.datetime,
             reason: str | None) -> DomainError | None:
        """Run the service for `action`; the DomainError it raised, or None when it worked."""
        if (action not in SERVICES and action != "comment") or task_id is None:
            return ValidationError(texts.FORGED)
        try:
            if action == "comment":
                comments.add_comment(self.core, person.id, self._card_of(task_id), reason, now)
            else:
                SERVICES[action](self.core, person.id, task_id, now, *((reason,) if action == "reject" else ()))
        except DomainError as error:
            return error
        return None

    def _card_of(self, task_id: int) -> int:
        with self.core.db.read() as session:
            task = session.get(Task, task_id)
            return task.card_id if task is not None else 0

    def _allowed(self, person: Person, task_id: int) -> tuple[list[str], dict | None]:
        """The actions `person` may take on the task now, and the card's placeholders for the question."""
        with self.core.db.read() as session:
            task = session.get(Task, task_id)
            if task is None:
                return [], None
            user = session.get(User, person.id)
            params = {"card": task.card_id, **noun_params(self.core.rulebook.process(task.card.kind))}
            return compose.task_actions(session, self.core, task, user, task.card), params

    def _refreshed(self, person: Person, message_id: int, fallback: str, outcome: str):
        with self.core.db.read() as session:
            return compose.refreshed(session, self.core, session.get(User, person.id), message_id, fallback, outcome)

    async def _edit(self, chat_id: int, message_id: int, person: Person, outcome: str, fallback: str) -> None:
        """Show the outcome on the message the buttons were on (its text or caption), with the buttons that apply."""
        text, markup, kind = await asyncio.to_thread(self._refreshed, person, message_id, fallback, outcome)
        try:
            if kind == compose.DOCUMENT:
                await self.bot.edit_message_caption(chat_id, message_id, caption=text, reply_markup=markup)
            else:
                await self.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=markup,
                                                  link_preview_options=NO_PREVIEW)
        except TelegramError as error:  # the action is done; a failed cosmetic edit must not hide that
            log.warning("editing message %s in chat %s failed: %s", message_id, chat_id, error)

    def _at(self, now: dt.datetime, person: Person) -> str:
        return messages.format_time(now, person.locale, self.core.rulebook.calendar.tz)


def _text_of(message) -> str:
    return getattr(message, "text", None) or getattr(message, "caption", None) or ""
