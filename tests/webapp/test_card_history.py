"""The card shows the rules version its run ran under and whether its history verifies (page and API)."""

from __future__ import annotations

from sqlalchemy import select, text

from soglasie.models import ProcessRun


def _run_version(core, card_id: int) -> str:
    with core.db.read() as session:
        return session.scalars(select(ProcessRun.rules_version).where(ProcessRun.card_id == card_id)).one()


def _tamper(core, card_id: int) -> int:
    """Drop the append-only trigger and edit the card's first timeline row; returns its id."""
    drop = ("DROP TRIGGER timeline_events_no_update" if core.db.is_sqlite
            else "DROP TRIGGER timeline_events_no_update_delete ON timeline_events")
    with core.db.engine.begin() as connection:
        connection.execute(text(drop))
        row_id = connection.execute(text("SELECT min(id) FROM timeline_events WHERE card_id = :card"),
                                    {"card": card_id}).scalar()
        connection.execute(text("UPDATE timeline_events SET comment = 'x' WHERE id = :id"), {"id": row_id})
    return row_id


def test_the_api_card_carries_its_rules_version_and_history_verified(core, auth, filed):
    auth.login("ops")
    body = auth.api("GET", f"/api/v1/cards/{filed}").get_json()
    assert body["rules_version"] == _run_version(core, filed) == core.rulebook.version
    assert body["history_verified"] is True and body["history_problem"] is None
    row_id = _tamper(core, filed)
    body = auth.api("GET", f"/api/v1/payment-requests/{filed}").get_json()
    assert body["history_verified"] is False
    assert body["history_problem"] == {"row_id": row_id, "problem": "changed"}


def test_the_card_page_says_history_verified_or_names_the_altered_entry(core, auth, filed):
    auth.login("ops")
    auth.post("/profile/language", {"locale": "en"})
    page = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert "history verified" in page and _run_version(core, filed) in page
    row_id = _tamper(core, filed)
    page = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert "history verified" not in page
    assert f"entry {row_id} was changed after it was written" in page


def test_the_russian_card_page_says_it_too(core, auth, filed):
    auth.login("ops")
    auth.post("/profile/language", {"locale": "ru"})
    page = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert "история проверена" in page
