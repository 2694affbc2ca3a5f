"""Comments on a card: a line in its history by anyone who may see it (the portal's visibility rule)."""

from __future__ import annotations

import datetime as dt

from soglasie.core import Core
from soglasie.models import Card, ProcessRun
from soglasie.process import permissions
from soglasie.process.notices import NoticeWriter
from soglasie.services.common import load_actor, process_context
from soglasie.services.documents import not_found_card
from soglasie.validation import clean_text


def add_comment(core: Core, actor_id: int, card_id: int, text: str | None, now: dt.datetime) -> int:
    """Append `text` to the card's timeline as the actor's comment (event "commented"); the timeline row's id.

    Changes no state: the card stays where it is. A card the actor may not see is "not found".
    """
    comment = clean_text(text, "comment", required=True)
    with core.db.write() as session:
        actor = load_actor(session, actor_id)
        card = session.get(Card, card_id)
        if card is None or not permissions.can_view(session, actor, card):
            raise not_found_card(core, None)
        run = session.get(ProcessRun, card.current_run_id) if card.current_run_id else None
        row = NoticeWriter(session, process_context(core), card, now).timeline(run, actor, "commented",
                                                                               comment=comment)
        session.flush()
        return row.id
