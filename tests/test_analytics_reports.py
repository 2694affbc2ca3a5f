"""Report figures against a direct computation from the timelines of a generated demo history.

`soglasie demo history` lives a small past through the real services; the reports read only
the `durations` table. Here the same figures are computed another way — from the cards'
timelines and tasks, with the standard library's statistics — and must agree.
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from soglasie.analytics.reports import Query, cycle_time, rework, stages
from soglasie.core import Core
from soglasie.demo_history import fill_history
from soglasie.errors import ValidationError
from soglasie.models import Card, Department, Duration, ProcessRun, Task, TimelineEvent
from soglasie.settings import Settings
from tests.conftest import MSK
from tests.helpers import file_request

END = dt.datetime(2026, 12, 7, 12, 0, tzinfo=MSK)
HOLDS = {"frozen": True, "documents_requested": True, "unfrozen": False, "documents_provided": False}


def test_reports_match_a_direct_computation_from_the_timelines(core):
    """One small history (a month, 24 cards of every process of the test rules), every report checked."""
    history = fill_history(core, END, months=1, requests=24, seed=5)
    assert history.cards == 24 and history.sweeps > 0
    _check_cycle_time_by_month(core)
    _check_stage_waits(core)
    _check_rework(core)
    _check_a_head_sees_only_his_departments(core)


def _quantiles(values: list[int]) -> tuple[float, float]:
    """Median and p90 (linear interpolation between order statistics) by the standard library."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0], ordered[0]
    return statistics.median(ordered), statistics.quantiles(ordered, n=10, method="inclusive")[-1]


def _cycles_from_timelines(core, process) -> dict[str, list[int]]:
    """Per filing month, working minutes from each card's `created` event to its `finished` event."""
    calendar = core.rulebook.calendar
    result: dict[str, list[int]] = defaultdict(list)
    with core.db.read() as session:
        events = session.execute(select(TimelineEvent.card_id, TimelineEvent.event, TimelineEvent.at).join(
            Card, Card.id == TimelineEvent.card_id).where(Card.kind == process.id, TimelineEvent.event.in_(
                ("created", "finished"))).order_by(TimelineEvent.id)).all()
    created = {card_id: at for card_id, event, at in events if event == "created"}
    for card_id, event, at in events:
        if event == "finished":
            result[created[card_id].astimezone(MSK).strftime("%Y-%m")].append(
                calendar.working_minutes_between(created[card_id], at))
    return result


def _check_cycle_time_by_month(core):
    day = core.rulebook.calendar.minutes_per_day
    for process in core.rulebook.processes.values():
        expected = _cycles_from_timelines(core, process)
        with core.db.read() as session:
            report = cycle_time(session, core.rulebook, Query(process, dt.date(2026, 1, 1), END.date(), None))
        assert [item["key"] for item in report["items"]] == sorted(expected)
        for item in report["items"]:
            values = expected[item["key"]]
            median, p90 = _quantiles(values)
            assert (item["count"], item["median_wd"], item["p90_wd"], item["mean_wd"]) == (
                len(values), round(median / day, 1), round(p90 / day, 1), round(statistics.mean(values) / day, 1))
            target = process.analytics.target_wd * day
            assert item["within_target"] == round(sum(v <= target for v in values) / len(values), 3)


def _held_spans(session, run_id: int) -> list[tuple]:
    spans, start = [], None
    for event, at, stage in session.execute(select(TimelineEvent.event, TimelineEvent.at, TimelineEvent.stage).where(
            TimelineEvent.run_id == run_id, TimelineEvent.event.in_(HOLDS)).order_by(TimelineEvent.id)):
        if HOLDS[event]:
            start = start or at
        elif start is not None and not (event == "unfrozen" and stage == "documents_requested"):
            spans.append((start, at))
            start = None
    return spans


def _check_stage_waits(core):
    calendar = core.rulebook.calendar
    process = max(core.rulebook.processes.values(), key=lambda p: _count_cards(core, p.id))
    waits: dict[str, list[int]] = defaultdict(list)
    with core.db.read() as session:
        tasks = session.scalars(select(Task).where(Task.outcome.in_(("approved", "rejected", "completed")),
                                                   Task.stage.in_([stage.id for stage in process.stages]))
                                .join(ProcessRun, ProcessRun.id == Task.run_id).where(ProcessRun.process == process.id))
        for task in tasks:
            taken = task.started_at
            held = sum(calendar.working_minutes_between(max(a, task.created_at), min(b, taken))
                       for a, b in _held_spans(session, task.run_id) if max(a, task.created_at) < min(b, taken))
            waits[task.stage].append(calendar.working_minutes_between(task.created_at, taken) - held)
        report = stages(session, core.rulebook, Query(process, dt.date(2026, 1, 1), END.date(), None))
    assert [item["stage"] for item in report["items"]] == [s.id for s in process.stages if s.id in waits]
    for item in report["items"]:
        values = waits[item["stage"]]
        assert (item["count"], item["median_wait_wh"]) == (len(values), round(statistics.median(values) / 60, 1))


def _count_cards(core, kind: str) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count(Card.id)).where(Card.kind == kind))


def _check_rework(core):
    for process in core.rulebook.processes.values():
        with core.db.read() as session:
            reworked = session.scalar(select(func.count(func.distinct(TimelineEvent.card_id))).join(
                Card, Card.id == TimelineEvent.card_id).where(Card.kind == process.id, TimelineEvent.event.in_(
                    ("rejected", "revised"))))
            result = rework(session, core.rulebook, Query(process, dt.date(2026, 1, 1), END.date(), None))
        assert result["reworked"] == reworked


def _check_a_head_sees_only_his_departments(core):
    process = max(core.rulebook.processes.values(), key=lambda p: _count_cards(core, p.id))
    with core.db.read() as session:
        marketing = session.scalar(select(Department.id).where(Department.code == "marketing"))
        expected = session.scalar(select(func.count()).where(
            Duration.kind == "run", Duration.process == process.id, Duration.stage == process.terminal,
            Duration.department_id == marketing))
        report = cycle_time(session, core.rulebook, Query(process, dt.date(2026, 1, 1), END.date(), (marketing,)),
                            "department")
    assert [(item["key"], item["count"]) for item in report["items"]] == ([("marketing", expected)] if expected else [])


def _fingerprint(core) -> list:
    with core.db.read() as session:
        return list(session.execute(select(TimelineEvent.card_id, TimelineEvent.event, TimelineEvent.at,
                                           TimelineEvent.stage).order_by(TimelineEvent.id)))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_same_seed_lives_the_same_history(core, sqlite_template, tmp_path):
    fill_history(core, END, months=1, requests=8, seed=9)
    path = tmp_path / "second.db"
    shutil.copy(sqlite_template, path)
    other = Core.from_settings(Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path / "data2",
                                        rules_dir=core.settings.rules_dir, secret_key="test-secret-key"))
    try:
        fill_history(other, END, months=1, requests=8, seed=9)
        assert _fingerprint(other) == _fingerprint(core) and _fingerprint(core)
    finally:
        other.db.dispose()


def test_a_database_with_requests_is_refused_and_left_as_it_was(core, users, invoice):
    file_request(core, users, invoice)
    with pytest.raises(ValidationError) as refused:
        fill_history(core, END, months=1, requests=5)
    assert refused.value.field == "database"
    assert _count_cards(core, "payment") == 1


@pytest.fixture
def cli_env(core, monkeypatch):
    """The environment the `soglasie` command reads, pointing at this test's database and rules."""
    settings = core.settings
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SOGLASIE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SOGLASIE_RULES_DIR", str(settings.rules_dir))
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_cli_prints_the_figures_the_api_gives(core, users, cli_env, capsys):
    import json

    from soglasie.cli import main
    from soglasie.services import analytics

    fill_history(core, END, months=1, requests=12, seed=4)
    params = {"process": "payment", "from": "2026-11-01", "to": "2026-12-07", "group_by": "department"}
    assert main(["analytics", "kpi", "--process", "payment", "--from", "2026-11-01", "--to", "2026-12-07",
                 "--group-by", "department", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    api = analytics.report(core, users["finance"], "cycle-time", params, END)
    assert printed["items"] == [{key: item[key] for key in printed["items"][0]} for item in api["items"]]
    assert (printed["target_wd"], printed["baseline_wd"]) == (api["target_wd"], api["baseline_wd"])
    stages = analytics.report(core, users["ops"], "stages", params, END)["items"]
    assert [(item["stage"], item["median_wait_wh"]) for item in printed["stages"]] == [
        (item["stage"], item["median_wait_wh"]) for item in stages]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_cli_refuses_a_history_for_a_company_with_more_people(core, cli_env, capsys):
    from soglasie.cli import main
    from soglasie.models import User

    with core.db.write() as session:
        session.add(User(login="real.person", name="Real Person", password_hash="x", locale="ru", active=True,
                         created_at=END))
    assert main(["demo", "history", "--requests", "3", "--months", "1"]) == 2
    assert "demo company" in capsys.readouterr().err
    assert _count_cards(core, "payment") == 0
