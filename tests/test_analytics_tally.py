"""The reports' cached tallies: refreshed from the rows added since, recomputed when rows went away."""

from __future__ import annotations

import datetime as dt

import pytest

from sqlalchemy import delete, func, select

from soglasie.analytics import tally
from soglasie.analytics.reports import Query, approvers, cycle_time, rework, stages
from soglasie.demo_history import fill_history
from soglasie.models import Duration
from tests.conftest import MSK

END = dt.datetime(2026, 12, 7, 12, 0, tzinfo=MSK)


def _figures(core) -> dict:
    """Every report of the payment process over the history, one read session as a request has."""
    process = core.rulebook.process("payment")
    query = Query(process, dt.date(2026, 1, 1), END.date(), None)
    with core.db.read() as session:
        return {"month": cycle_time(session, core.rulebook, query, "month"),
                "department": cycle_time(session, core.rulebook, query, "department"),
                "stages": stages(session, core.rulebook, query), "approvers": approvers(session, core.rulebook, query),
                "rework": rework(session, core.rulebook, query)}


def _fresh(core) -> dict:
    tally._caches.clear()
    return _figures(core)


def _copy_rows(core, where=Duration.id % 2 == 0) -> None:
    """Durations as if more tasks and runs had ended: copies of some rows (half by default), with new ids."""
    with core.db.write() as session:
        rows = session.scalars(select(Duration).where(where)).all()
        columns = [c.key for c in Duration.__table__.columns if c.key != "id"]
        for row in rows:
            copy = {key: getattr(row, key) for key in columns}
            copy["total_minutes"] += 7  # values the cache has not seen
            copy["task_id"] = None  # one row per task: the copy stands for another task
            session.add(Duration(**copy))


def test_the_tallies_follow_new_durations_and_equal_a_fresh_computation(core):
    fill_history(core, END, months=1, requests=24, seed=5)
    before = _figures(core)
    assert _figures(core) == before  # served from the cache
    _copy_rows(core)
    after = _figures(core)  # the cached tallies plus the rows added since
    assert after != before
    assert after == _fresh(core)


def test_the_newest_row_gone_makes_the_tallies_compute_afresh(core):
    fill_history(core, END, months=1, requests=24, seed=5)
    with core.db.read() as session:
        approved = session.scalar(select(func.max(Duration.id)).where(
            Duration.process == "payment", Duration.kind == "task", Duration.outcome == "approved"))
    _copy_rows(core, Duration.id == approved)  # the newest row now counts in the stage figures
    _figures(core)
    with core.db.write() as session:  # a restore or a repair under the running process
        session.execute(delete(Duration).where(Duration.id == session.scalar(select(func.max(Duration.id)))))
    _copy_rows(core)
    assert _figures(core) == _fresh(core)


def _copy_of_newest(session) -> Duration:
    row = session.scalars(select(Duration).where(Duration.process == "payment", Duration.kind == "task")
                          .order_by(Duration.id.desc()).limit(1)).one()
    copy = {c.key: getattr(row, c.key) for c in Duration.__table__.columns if c.key != "id"}
    copy.update(total_minutes=copy["total_minutes"] + 11, task_id=None)
    return Duration(**copy)


def test_a_row_committed_late_below_the_watermark_is_counted(core, database_url):
    """PostgreSQL: a transaction holding a smaller id commits after a read moved the watermark past it."""
    if core.db.is_sqlite:
        pytest.skip("SQLite serialises write transactions: ids commit in order (soglasie/analytics/tally.py)")
    fill_history(core, END, months=1, requests=24, seed=5)
    _figures(core)
    with core.db.write() as slow:
        late = _copy_of_newest(slow)
        slow.add(late)
        slow.flush()  # the smaller id, not yet committed
        with core.db.write() as quick:
            quick.add(_copy_of_newest(quick))
        _figures(core)  # the watermark moves past the row still in flight
    assert _figures(core) == _fresh(core)
