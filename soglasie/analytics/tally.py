"""The reports' grouped counts over `durations`, kept between requests and refreshed incrementally.

Every figure of a report is read off additive tallies: `GROUP BY` some columns, then the row
count and sums (how many tasks took 37 working minutes at a stage, how many reminders fired).
`durations` only ever grows (the transition function inserts a row as a task or run ends and
nothing updates or deletes one), so a tally computed up to the largest id seen (the
watermark) stays right for those rows for good: the next read adds only the rows inserted
since, with the same WHERE and `id > watermark`, and merges their counts. The figures are
therefore exactly the direct computation's: the cache holds value counts, not rounded values.

The cache belongs to the database engine (a fresh engine starts empty) and is bounded by the
number of grouped rows it holds, least recently used first out. The watermark is the newest
row's id with that row's card and end instant: should the newest row the cache has seen be gone
or different (the table restored or repaired under a running process), the tally is computed
afresh. Deleting older rows by hand is not noticed: restart the portal after such a repair.

Ids are not commit order on PostgreSQL: two transitions of different cards run at once, and the
one that took the smaller id may commit second — after a read has already moved the watermark
past it. So there the watermark also carries how many rows had an id up to it; a read that finds
a different count (a late commit landed below the watermark) computes the tally afresh. The
count is an index-only scan of the primary key, read once per request. SQLite needs no count:
its write transactions are serialised by the database's write lock (BEGIN IMMEDIATE), so ids
are committed in order.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from soglasie.models import Duration

MAX_ROWS = 400_000  # grouped rows kept per engine, about 100 MB at most
_MARK = "soglasie.analytics.mark"


@dataclass
class _Entry:
    mark: tuple  # (id, card id, end instant, rows up to id or None) of the newest `durations` row covered
    rows: dict[tuple, list[int]]  # group key -> [count, sums...]


class _Cache:
    """The tallies of one engine, least recently used first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self.size = 0

    def get(self, key: tuple) -> _Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        with self.lock:
            previous = self.entries.pop(key, None)
            self.size -= len(previous.rows) if previous is not None else 0
            if len(entry.rows) > MAX_ROWS:
                return
            self.entries[key] = entry
            self.size += len(entry.rows)
            while self.size > MAX_ROWS:
                _, evicted = self.entries.popitem(last=False)
                self.size -= len(evicted.rows)


_caches: weakref.WeakKeyDictionary[Engine, _Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(session: Session) -> _Cache:
    engine = session.get_bind().engine
    with _caches_lock:
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = _Cache()
        return cache


def mark(session: Session) -> tuple:
    """The newest `durations` row as (id, card id, end instant, rows up to it), read once per session.

    Once per session, so that a request's reports agree; the row count only on PostgreSQL (see above).
    """
    if _MARK not in session.info:
        newest = session.execute(select(Duration.id, Duration.card_id, Duration.ended_at)
                                 .order_by(Duration.id.desc()).limit(1)).first()
        newest = tuple(newest) if newest is not None else (0, None, None)
        session.info[_MARK] = (*newest, _rows_up_to(session, newest[0]))
    return session.info[_MARK]


def _rows_up_to(session: Session, newest_id: int) -> int | None:
    """How many rows have an id up to `newest_id` — on PostgreSQL only, where commits may land below it."""
    if session.get_bind().dialect.name == "sqlite":
        return None
    return session.scalar(select(func.count()).select_from(Duration).where(Duration.id <= newest_id))


def tally(session: Session, keys: Sequence[ColumnElement], where: ColumnElement[bool],
          sums: Sequence[ColumnElement] = ()) -> list[tuple]:
    """Rows (*keys, count, *sums) of `durations` matching `where`, grouped by `keys`, in no order."""
    statement = select(*keys, func.count(), *(func.sum(column) for column in sums)).where(where).group_by(*keys)
    compiled = statement.compile(session.get_bind())
    key = (str(compiled), repr(sorted(compiled.params.items())))
    cache, now = _cache(session), mark(session)
    entry = cache.get(key)
    if entry is not None and entry.mark == now:
        return _rows(entry.rows)
    if entry is not None and now[0] > entry.mark[0] and _grew_only(session, entry.mark):
        rows = {group: list(figures) for group, figures in entry.rows.items()}
        _merge(rows, session.execute(statement.where(Duration.id > entry.mark[0], Duration.id <= now[0])), len(keys))
    else:
        rows = {}
        _merge(rows, session.execute(statement.where(Duration.id <= now[0])), len(keys))
    cache.put(key, _Entry(now, rows))
    return _rows(rows)


def _grew_only(session: Session, old: tuple) -> bool:
    """Whether rows were only added above the tally's watermark since it was taken.

    The newest row it saw is still there as it was, and (PostgreSQL) no row committed late below it.
    """
    row = session.execute(select(Duration.id, Duration.card_id, Duration.ended_at).where(Duration.id == old[0])).first()
    if row is None or tuple(row) != old[:3]:
        return False
    return old[3] is None or _rows_up_to(session, old[0]) == old[3]


def _merge(rows: dict[tuple, list[int]], result, width: int) -> None:
    for row in result:
        group, figures = tuple(row[:width]), [value or 0 for value in row[width:]]
        held = rows.get(group)
        if held is None:
            rows[group] = figures
        else:
            for index, value in enumerate(figures):
                held[index] += value


def _rows(rows: dict[tuple, list[int]]) -> list[tuple]:
    return [(*group, *figures) for group, figures in rows.items()]
