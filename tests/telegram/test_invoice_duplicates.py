"""The Telegram approve button never bypasses the duplicate-invoice acknowledgement: it refuses, saying why."""

from __future__ import annotations

import pytest

from soglasie.core import Core
from tests.helpers import approve_stage, card, file_request, open_task
from tests.support.rules import rules_with
from tests.telegram.conftest import link
from tests.telegram.test_actions import _button, _press_and_wait


@pytest.fixture
def core(settings, tmp_path):
    """The core on the fixture rules with duplicate invoices warned (acknowledged at finance review)."""
    runtime = Core.from_settings(settings.with_overrides(rules_dir=rules_with(tmp_path, "warn")))
    yield runtime
    runtime.db.dispose()


def test_the_approve_button_refuses_a_duplicate_that_needs_an_acknowledgement(tg_core, users, invoice, fake_api,
                                                                                bot):
    chat = link(tg_core, users, "finance")
    first = file_request(tg_core, users, invoice, invoice_number="42")
    second = file_request(tg_core, users, invoice, invoice_number="INV-042")
    approve_stage(tg_core, users, second, "head_approval")
    task = open_task(tg_core, users, second, "finance_review")
    message = fake_api.wait_for(lambda: next(
        (m for m in fake_api.sent(chat) if f"/requests/{second}" in m["text"] and "reply_markup" in m), None))
    answer = _press_and_wait(fake_api, chat, message, _button(message, "approve"))
    assert answer.get("show_alert") is True
    assert f"Возможный дубль заявки №{first} (42)" in answer["text"] and "комментарием" in answer["text"]
    assert open_task(tg_core, users, second, "finance_review")["id"] == task["id"]
    assert card(tg_core, users, second)["stage"] == "finance_review"
