"""The timeline's hash chain: each row carries the hash of its content and of the previous row of its card.

The canonical form (docs/architecture.md, "The tamper-evident timeline"), version 1, so that an
auditor can recompute it with any SHA-256 and JSON library:

- a JSON object with exactly these keys: `v` (1), `prev` (the previous row's `hash` in the same
  card, ordered by `id`; "" for a card's first row), `card_id`, `run_id`, `task_id`, `actor_id`,
  `on_behalf_of_id` (integers or null), `at` (UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`), `event`,
  `stage`, `comment` (strings or null) and `data` (the row's JSON object, `{}` when empty);
- serialised with keys sorted at every level, separators `,` and `:` (no spaces), non-ASCII
  characters kept as they are (not `\\u` escapes), encoded as UTF-8;
- `hash` = the lowercase hex SHA-256 of those bytes; the row stores it and `prev_hash` (= `prev`).

Rows are only ever inserted (the database refuses UPDATE and DELETE on `timeline_events`), so a
changed, deleted or out-of-band row breaks the chain from that row on: `verify_chain` names it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Iterable, Mapping

CHAIN_VERSION = 1
GENESIS = ""
HASHED_FIELDS = ("card_id", "run_id", "task_id", "actor_id", "on_behalf_of_id", "at", "event", "stage", "comment",
                 "data")


def canonical_instant(at: dt.datetime) -> str:
    """An instant as the chain writes it: UTC with microseconds and a `Z`."""
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(prev_hash: str, row: Mapping) -> bytes:
    """The bytes hashed for one row (`row` has the HASHED_FIELDS, `at` an aware datetime)."""
    content = {name: row[name] for name in HASHED_FIELDS}
    content.update(v=CHAIN_VERSION, prev=prev_hash, at=canonical_instant(row["at"]), data=row["data"] or {})
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def row_hash(prev_hash: str, row: Mapping) -> str:
    """The hash a row must carry, given the hash of the previous row of its card."""
    return hashlib.sha256(canonical_bytes(prev_hash, row)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first row of a card's chain that does not hold, and why."""

    card_id: int
    row_id: int
    problem: str  # "changed", "deleted_before", "inserted"

    def describe(self) -> str:
        """One line naming the card, the row and what is wrong with it."""
        what = {"changed": "was changed after it was written",
                "deleted_before": "does not follow the row before it: a row before it was deleted "
                                  "(or it was inserted out of band)",
                "inserted": "was inserted out of band"}[self.problem]
        return f"card {self.card_id}: timeline row {self.row_id} {what}"


def verify_chain(card_id: int, rows: Iterable[Mapping]) -> ChainBreak | None:
    """Check one card's rows (each with `id`, `prev_hash`, `hash` and the hashed fields), in id order."""
    rows = list(rows)
    expected_prev = GENESIS
    for index, row in enumerate(rows):
        if not row["hash"] or row["prev_hash"] is None:
            return ChainBreak(card_id, row["id"], "inserted")
        if row_hash(row["prev_hash"], row) != row["hash"]:
            return ChainBreak(card_id, row["id"], "changed")
        if row["prev_hash"] != expected_prev:
            following = rows[index + 1] if index + 1 < len(rows) else None
            skipped = following is not None and following["prev_hash"] == expected_prev
            return ChainBreak(card_id, row["id"], "inserted" if skipped else "deleted_before")
        expected_prev = row["hash"]
    return None
