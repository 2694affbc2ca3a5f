"""`audit verify`: recompute the timeline's hash chains and name the first row that does not hold.

The chain is defined in soglasie/process/chain.py (and docs/architecture.md, "The tamper-evident
timeline"); this module only reads rows and hands them to `verify_chain`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import NotFound
from soglasie.i18n import _
from soglasie.models import Card, TimelineEvent
from soglasie.process.chain import HASHED_FIELDS, ChainBreak, verify_chain

_COLUMNS = [TimelineEvent.id, TimelineEvent.prev_hash, TimelineEvent.hash,
            *(getattr(TimelineEvent, name) for name in HASHED_FIELDS)]


@dataclass
class AuditReport:
    """What `audit verify` found: how much it checked, and the first break of each broken card."""

    cards: int = 0
    rows: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every chain checked holds."""
        return not self.breaks


def card_chain_break(session: Session, card_id: int) -> ChainBreak | None:
    """The first row of one card's timeline that breaks its chain, or None (history verified)."""
    rows = session.execute(select(*_COLUMNS).where(TimelineEvent.card_id == card_id)
                           .order_by(TimelineEvent.id)).mappings()
    return verify_chain(card_id, rows)


def verify_timeline(core: Core, card_id: int | None = None) -> AuditReport:
    """Check every card's chain (or one card's); rows are read in card and id order, card by card."""
    report = AuditReport()
    with core.db.read() as session:
        if card_id is not None and session.get(Card, card_id) is None:
            raise NotFound(_("Request not found."), "card")
        query = select(*_COLUMNS).order_by(TimelineEvent.card_id, TimelineEvent.id)
        if card_id is not None:
            query = query.where(TimelineEvent.card_id == card_id)
        rows = session.execute(query.execution_options(yield_per=1000)).mappings()
        for card, chain_rows in groupby(rows, key=lambda row: row["card_id"]):
            chain_rows = list(chain_rows)
            report.cards += 1
            report.rows += len(chain_rows)
            problem = verify_chain(card, chain_rows)
            if problem is not None:
                report.breaks.append(problem)
    return report
