"""Sending composed messages and classifying what Telegram answered into outbox results.

Temporary trouble (429, 5xx, network, a rejected token) is a retry, so the outbox keeps the
message; only answers that will never change (the user blocked the bot, the chat is gone)
are permanent. A message is never sent after its claim's window closed: another
dispatcher may own it by then, and sending it too would be a duplicate.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

from telegram import Bot, LinkPreviewOptions
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter, TelegramError

from soglasie.notifications.channels import DeliveryResult
from soglasie.telegram_bot.compose import Outgoing
from soglasie.telegram_bot.pacing import CURRENT_WINDOW, SendWindow, WindowClosed, retry_after_seconds

log = logging.getLogger("soglasie.telegram")
BAD_TOKEN_PAUSE = dt.timedelta(minutes=10)
NOT_LINKED = "not delivered: the user's Telegram chat is not linked (any more)"


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
    """Send one message; never raises."""
    if outgoing.chat_id is None:
        return DeliveryResult.failed(NOT_LINKED)
    CURRENT_WINDOW.set(window)
    try:
        message = await bot.send_message(outgoing.chat_id, outgoing.text, reply_markup=outgoing.keyboard,
                                         link_preview_options=LinkPreviewOptions(is_disabled=True))
    except Exception as error:  # noqa: BLE001 - every failure becomes an outbox result
        return redact(classify(error), bot.token)
    return DeliveryResult.sent(str(message.message_id))


def redact(result: DeliveryResult, token: str) -> DeliveryResult:
    """The result with the bot token cut out of its error (errors are stored and shown to admins)."""
    if result.error and token and token in result.error:
        return dataclasses.replace(result, error=result.error.replace(token, "<token>"))
    return result


async def send_all(bot: Bot, outgoing: list[Outgoing], window: SendWindow) -> dict[int, DeliveryResult]:
    """Send a batch concurrently (the pacer keeps each chat in order and within its limits)."""
    results = await asyncio.gather(*(send(bot, item, window) for item in outgoing))
    return {item.delivery_id: result for item, result in zip(outgoing, results)}
