"""Callback data: opaque, signed, within Telegram's 64 bytes; anything altered is refused."""

from __future__ import annotations

import pytest

from soglasie.telegram_bot.callback_data import ACTIONS, MAX_BYTES, ButtonPress, sign, verify

SECRET = "test-secret-key"
BIG = 2**63 - 1  # ids at the top of BIGINT still fit


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("task_id, user_id", [(1, 1), (123456, 42), (BIG, BIG)])
def test_a_signed_button_round_trips_within_64_bytes(action, task_id, user_id):
    data = sign(SECRET, action, task_id, user_id)
    assert len(data.encode()) <= MAX_BYTES
    assert task_id < 10**5 or str(task_id) not in data  # opaque: no readable ids to edit (a short one may occur)
    assert verify(SECRET, data) == ButtonPress(action, task_id, user_id)


def test_every_single_character_change_is_refused():
    data = sign(SECRET, "approve", 17, 3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for index, char in enumerate(data):
        replacement = alphabet[(alphabet.index(char) + 1) % len(alphabet)]
        assert verify(SECRET, data[:index] + replacement + data[index + 1:]) is None


@pytest.mark.parametrize("data", [None, "", "approve:17", "a" * 40, "a" * 65, "!!!!",
                                  sign("another-secret", "approve", 1, 1)])
def test_garbage_and_other_installations_buttons_are_refused(data):
    assert verify(SECRET, data) is None
