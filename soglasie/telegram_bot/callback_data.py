"""Signed, opaque callback data for inline buttons (Telegram allows at most 64 bytes).

Layout before base64url: version (1 byte), action (1), task id (8), user id (8) and the
first 12 bytes of an HMAC-SHA256 over them keyed by the installation's secret: 30 bytes,
exactly 40 characters with no padding or spare bits, so every string has one meaning.
A forged or altered button fails the HMAC and does nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass

VERSION = 1
MAC_BYTES = 12
MAX_BYTES = 64  # Telegram's limit on callback_data
_BODY = struct.Struct(">BBQQ")
# Task actions first (their buttons, in this order), then the bot's own: comment on the task,
# open a task from /tasks, turn /tasks to page N (N in the task id's place).
ACTIONS = ("take_into_work", "approve", "reject", "comment", "open", "page")
TASK_BUTTONS = ACTIONS[:3]
_CODES = {name: code for code, name in enumerate(ACTIONS, start=1)}


@dataclass(frozen=True)
class ButtonPress:
    """What a verified button asks for: `action` on `task_id`, on a message sent to `user_id`."""

    action: str
    task_id: int
    user_id: int


def _key(secret_key: str) -> bytes:
    # A key of its own, so a callback signature is never valid as anything else signed with SECRET_KEY.
    return hmac.new(secret_key.encode(), b"soglasie telegram callback v1", hashlib.sha256).digest()


def _mac(secret_key: str, body: bytes) -> bytes:
    return hmac.new(_key(secret_key), body, hashlib.sha256).digest()[:MAC_BYTES]


def sign(secret_key: str, action: str, task_id: int, user_id: int) -> str:
    """The callback data of a button for `action` on `task_id`, meant for `user_id`."""
    body = _BODY.pack(VERSION, _CODES[action], task_id, user_id)
    return base64.urlsafe_b64encode(body + _mac(secret_key, body)).decode().rstrip("=")


def verify(secret_key: str, data: str | None) -> ButtonPress | None:
    """The press a genuine button stands for, or None for anything forged, altered or unknown."""
    if not data or len(data) > MAX_BYTES:
        return None
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _BODY.size + MAC_BYTES:
        return None
    body, mac = raw[: _BODY.size], raw[_BODY.size:]
    if not hmac.compare_digest(mac, _mac(secret_key, body)):
        return None
    version, code, task_id, user_id = _BODY.unpack(body)
    if version != VERSION or not 1 <= code <= len(ACTIONS):
        return None
    return ButtonPress(ACTIONS[code - 1], task_id, user_id)
