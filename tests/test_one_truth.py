"""One truth: a request nobody touches, swept every 15 minutes for a working week, produces
exactly the events `rules simulate` predicts for it, at the same times, to the same people."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from soglasie.models import SlaEvent, User
from soglasie.process.assignees import resolve_login
from soglasie.process.facts import initiator_facts_by_login
from soglasie.rulebook.timeline import simulate
from soglasie.services.sweep import sweep
from tests.conftest import MSK
from tests.helpers import approve_stage, file_request

TICK = dt.timedelta(minutes=15)


def _predicted(core, created_at, initiator, amount):
    with core.db.read() as session:
        facts = {**initiator_facts_by_login(session, initiator), "amount": amount}
        return simulate(core.rulebook, "payment", created_at, facts,
                        lambda rule, stage: resolve_login(session, rule, initiator, stage))


def _swept(core, card_id, start, days):
    now = start
    while now <= start + dt.timedelta(days=days):
        sweep(core, now)
        now += TICK
    with core.db.read() as session:
        rows = session.scalars(select(SlaEvent).where(SlaEvent.card_id == card_id)
                               .order_by(SlaEvent.due_at, SlaEvent.kind != "check", SlaEvent.id))
        logins = {user.id: user.login for user in session.scalars(select(User))}
        return [({"at": row.due_at.astimezone(MSK).isoformat(), "kind": row.kind, "stage": row.stage,
                  "to": logins.get(row.recipient_id)}, row.recorded_at - row.due_at) for row in rows]


@pytest.mark.parametrize(("created_at", "initiator", "amount"), [
    (dt.datetime(2026, 12, 4, 15, 0, tzinfo=MSK), "memployee", "150000.00"),  # Friday afternoon
    (dt.datetime(2026, 12, 30, 17, 20, tzinfo=MSK), "pemployee", "2500000.00"),  # into the New Year holidays
    (dt.datetime(2026, 12, 1, 13, 30, tzinfo=MSK), "prhead", "99.99"),  # filed at lunch by a head
])
def test_a_week_of_sweeps_matches_the_simulated_timeline(core, users, invoice, created_at, initiator, amount):
    card_id = file_request(core, users, invoice, who=initiator, amount=amount, now=created_at)
    predicted = _predicted(core, created_at, initiator, amount)
    swept = _swept(core, card_id, created_at, days=16 if created_at.month == 12 and created_at.day > 20 else 7)
    assert [event for event, _ in swept] == predicted
    assert predicted and {event["kind"] for event in predicted} == {"check", "reminder", "escalation"}
    assert all(dt.timedelta(0) <= lag < TICK for _, lag in swept)  # each done at the first tick due


def test_the_finance_stage_follows_its_own_policy(core, users, invoice):
    created_at = dt.datetime(2026, 12, 7, 9, 0, tzinfo=MSK)
    card_id = file_request(core, users, invoice, now=created_at)
    approve_stage(core, users, card_id, "head_approval", now=created_at)
    swept = [event for event, _ in _swept(core, card_id, created_at, days=7)]
    assert [(event["kind"], event["to"]) for event in swept if event["kind"] != "check"] == [
        ("reminder", "finance"), ("escalation", "ops")]
    assert swept[-1]["at"] == "2026-12-08T18:00:00+03:00"  # 16 working hours after Monday 09:00
