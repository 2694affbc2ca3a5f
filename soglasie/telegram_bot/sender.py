"""Sending composed messages and classifying what Telegram answered into outbox results.

Temporary trouble (429, 5xx, network, a rejected token) is a retry, so the outbox keeps the
message; only answers that will never change (the user blocked the bot, the chat is gone)
are permanent. A message is never sent after its claim's window closed: another
dispatcher may own it by then, and sending it too would be a duplicate.

One outbox row is one message: a row with a document is one sendDocument (the summary is its
caption); when Telegram refuses the file (400, 413), the row's text — which says so and links
the portal — is sent instead within the same attempt, and nothing else. A temporary failure
retries the whole row, so no part of it can arrive twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

from telegram import Bot, InputFile, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from soglasie.notifications.channels import DeliveryResult
from soglasie.telegram_bot.compose import DOCUMENT, TEXT, Outgoing
from soglasie.telegram_bot.pacing import CURRENT_WINDOW, SendWindow, WindowClosed, retry_after_seconds

log = logging.getLogger("soglasie.telegram")
BAD_TOKEN_PAUSE = dt.timedelta(minutes=10)
NOT_LINKED = "not delivered: the user's Telegram chat is not linked (any more)"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
WAIT_FOR_ORIGINAL = dt.timedelta(seconds=5)
READ_INLINE = 1024 * 1024


def classify(error: BaseException) -> DeliveryResult:
    """What an exception from a Bot API call means for the outbox message."""
    if isinstance(error, RetryAfter):
        seconds = retry_after_seconds(error)
        return DeliveryResult.retry(f"429 flood control: retry after {seconds:g} s", dt.timedelta(seconds=seconds))
    if isinstance(error, WindowClosed):
        return DeliveryResult.retry("not sent before its claim expired")
    if isinstance(error, Forbidden):  # blocked by the user, user deactivated
        return DeliveryResult.failed(f"403 {error.message}")
    if isinstance(error, (BadRequest, ChatMigrated)):  # chat not found, chat upgraded: retrying won't help
        return DeliveryResult.failed(f"400 {error.message}")
    if isinstance(error, InvalidToken):  # the operator's problem, not the user's: keep the message
        log.error("Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN)")
        return DeliveryResult.retry("the bot token was rejected (check TELEGRAM_BOT_TOKEN)", BAD_TOKEN_PAUSE)
    if isinstance(error, TelegramError):  # 5xx, network errors, timeouts
        return DeliveryResult.retry(f"temporary: {error.message}")
    return DeliveryResult.retry(f"unexpected: {error!r}")


async def send(bot: Bot, outgoing: Outgoing, window: SendWindow | None = None) -> DeliveryResult:
    """Send (or edit) one row's message; never raises."""
    if outgoing.skip:
        return DeliveryResult.sent()
    if outgoing.wait:
        return DeliveryResult.retry("the message to edit is still on its way", WAIT_FOR_ORIGINAL)
    if outgoing.chat_id is None:
        return DeliveryResult.failed(NOT_LINKED)
    CURRENT_WINDOW.set(window)
    try:
        if outgoing.edit is not None:
            return await _edit(bot, outgoing)
        if outgoing.document is not None:
            sent = await _send_document(bot, outgoing)
            if sent is not None:
                return DeliveryResult.sent(str(sent.message_id), DOCUMENT)
        message = await bot.send_message(outgoing.chat_id, outgoing.text, reply_markup=outgoing.keyboard,
                                         link_preview_options=NO_PREVIEW)
    except Exception as error:  # noqa: BLE001 - every failure becomes an outbox result
        return redact(classify(error), bot.token)
    return DeliveryResult.sent(str(message.message_id), TEXT)


async def _send_document(bot: Bot, outgoing: Outgoing):
    """The document with its caption and buttons; None when Telegram refuses the file (then the text goes)."""
    document = outgoing.document
    try:
        # A small file is read at once: a worker thread would queue it behind the database writes of the
        # batch and the message would miss its pacing slot. A big one is read off the event loop.
        data = document.path.read_bytes() if document.size <= READ_INLINE else \
            await asyncio.to_thread(document.path.read_bytes)
        return await bot.send_document(outgoing.chat_id, InputFile(data, filename=document.name, attach=True),
                                       caption=outgoing.caption, reply_markup=outgoing.keyboard)
    except (BadRequest, NetworkError, OSError) as error:
        if not is_refused_file(error):
            raise
        log.warning("sending %s to chat %s as a document failed (%s); sending the text instead",
                    document.name, outgoing.chat_id, error)
        return None


def is_refused_file(error: BaseException) -> bool:
    """True when the file itself cannot go (400 Bad Request, 413 too large, missing here): send the text."""
    if isinstance(error, OSError):
        return True
    if isinstance(error, (RetryAfter, ChatMigrated)) or not isinstance(error, (BadRequest, NetworkError)):
        return False
    text = error.message.lower()
    if isinstance(error, BadRequest):
        return "chat not found" not in text  # a missing chat fails the row, a refused file falls back
    return "too large" in text  # PTB turns 413 Request Entity Too Large into a NetworkError


async def _edit(bot: Bot, outgoing: Outgoing) -> DeliveryResult:
    """Edit a delivered message (its text, or a document's caption); a message gone or unchanged is done."""
    edit = outgoing.edit
    try:
        if edit.kind == DOCUMENT:
            await bot.edit_message_caption(outgoing.chat_id, edit.message_id, caption=outgoing.text,
                                           reply_markup=outgoing.keyboard)
        else:
            await bot.edit_message_text(outgoing.text, outgoing.chat_id, edit.message_id,
                                        reply_markup=outgoing.keyboard, link_preview_options=NO_PREVIEW)
    except BadRequest as error:  # not modified, deleted, too old to edit: retrying cannot help, and it is cosmetic
        log.info("editing message %s in chat %s: %s", edit.message_id, outgoing.chat_id, error.message)
    return DeliveryResult.sent()


def redact(result: DeliveryResult, token: str) -> DeliveryResult:
    """The result with the bot token cut out of its error (errors are stored and shown to admins)."""
    if result.error and token and token in result.error:
        return dataclasses.replace(result, error=result.error.replace(token, "<token>"))
    return result


async def send_all(bot: Bot, outgoing: list[Outgoing], window: SendWindow) -> dict[int, DeliveryResult]:
    """Send a batch concurrently (the pacer keeps each chat in order and within its limits)."""
    results = await asyncio.gather(*(send(bot, item, window) for item in outgoing))
    return {item.delivery_id: result for item, result in zip(outgoing, results)}
