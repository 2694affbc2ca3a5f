"""The third process speaks in its own nouns everywhere, and a card without counterparty or amount renders."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from soglasie.models import Card, Task, User
from soglasie.notifications import messages
from soglasie.rulebook.loader import load_rulebook
from soglasie.services import actions
from soglasie.services.cards import CardInput, create_card
from soglasie.services.digest import morning_digest
from soglasie.telegram_bot import compose, texts
from tests.conftest import MSK, T0
from tests.helpers import inbox, open_task
from tests.support.rules import RULES_DIR

SPEC = {"subject": "Бумага A4", "amount": "5000.00"}


def file_requisition(core, users, who: str = "memployee", **changes) -> int:
    """File a purchase requisition (no counterparty) as `who`; its card id."""
    return create_card(core, users[who], T0, "requisition", CardInput(**{**SPEC, **changes})).card_id


def test_its_notifications_name_it_as_a_requisition(core, users):
    card_id = file_requisition(core, users)
    assigned = inbox(core, users, "mhead")[0]["text"]
    assert assigned.startswith(f"Новая задача «Решить по закупке» по закупке №{card_id} «Бумага A4»: "
                               "5\u00a0000,00\u00a0₽. Срок:")
    actions.reject(core, users["mhead"], open_task(core, users, card_id, "manager_review")["id"], T0, "дорого")
    assert inbox(core, users, "memployee")[0]["text"] == (
        f"Закупка №{card_id} «Бумага A4» (5\u00a0000,00\u00a0₽) отклонена на этапе «Решение руководителя». "
        "Причина: дорого")
    everything = " ".join(note["text"] for login in ("mhead", "memployee") for note in inbox(core, users, login))
    assert "заявк" not in everything and "договор" not in everything and "None" not in everything


def test_english_and_the_digest_use_its_nouns(core, users):
    with core.db.write() as session:
        session.get(User, users["mhead"]).locale = "en"
    card_id = file_requisition(core, users)
    assert inbox(core, users, "mhead")[0]["text"].startswith(
        f"New task \"Decide on the requisition\" on requisition #{card_id} \"Бумага A4\": 5,000.00 RUB. Due:")
    morning_digest(core, dt.datetime(2026, 12, 2, 9, 0, tzinfo=MSK))
    lines = inbox(core, users, "mhead")[0]["text"].splitlines()
    assert lines[1].startswith(f"• Requisition #{card_id} \"Бумага A4\", 5,000.00 RUB — \"Decide on the requisition\"")


def test_the_telegram_summary_and_link_are_its_own(core, users):
    core.settings = core.settings.with_overrides(portal_url="https://portal.example.ru")
    card_id = file_requisition(core, users)
    task = open_task(core, users, card_id, "manager_review")
    with core.db.read() as session:
        card, waiting = session.get(Card, card_id), session.get(Task, task["id"])
        text = compose.message_text(core, "x", card, waiting, "ru")
        assert f"Закупка №{card_id} «Бумага A4»: 5\u00a0000,00\u00a0₽" in text
        assert "Этап: Решение руководителя" in text
        assert text.endswith(f"https://portal.example.ru/requisitions/{card_id}")


PROCESSES = ["payment", "contract", "requisition"]


@pytest.fixture(scope="module")
def rulebook():
    """The test rules, without a database: rendering needs only the processes' nouns."""
    return load_rulebook(RULES_DIR)
BARE = SimpleNamespace(id=7, subject=None, counterparty=None, amount=None)
FIELDS = {"task": "T", "stage": "S", "deadline": "D", "comment": "C", "actor": "A", "since": "X", "assignee": "B",
          "deputy": "P", "original": "O", "period": "01.03–14.03", "version": 2}


@pytest.mark.parametrize("kind", sorted(messages.TEMPLATES))
@pytest.mark.parametrize("process_id", PROCESSES)
@pytest.mark.parametrize("locale", ["ru", "en"])
def test_a_card_without_counterparty_or_amount_renders_every_text(rulebook, kind, process_id, locale):
    process = rulebook.process(process_id)
    text = messages.render(kind, locale, process, BARE, **FIELDS)
    assert "№7" in text or "#7" in text
    assert "None" not in text and "()" not in text and ": ." not in text and "%" not in text


@pytest.mark.parametrize("process_id", PROCESSES)
@pytest.mark.parametrize("locale", ["ru", "en"])
def test_a_bare_card_renders_in_the_summary_and_side_stages(rulebook, process_id, locale):
    params = messages.card_params(rulebook.process(process_id), BARE)
    texts_about_it = [texts.SUMMARY.format(**params),
                      *(title.format(**params) for title in texts.SIDE_STAGE_TITLES.values())]
    rendered = [message.get(locale) for message in texts_about_it]
    assert all(rendered) and not any("%" in text or "None" in text for text in rendered)
    assert rendered[0] in ("Закупка №7", "Requisition #7", "Заявка №7", "Request #7", "Договор №7", "Contract #7")
