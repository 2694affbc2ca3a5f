"""GET /api/v1/analytics/*: who may see which figures, bad parameters, and the numbers a small history gives."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from soglasie.analytics.reports import Query, cycle_time
from soglasie.models import Department
from soglasie.services import actions
from soglasie.services.common import Upload
from tests.conftest import MSK
from tests.helpers import approve_stage, file_request, open_task
from tests.support.files import pdf_bytes

REPORTS = ("cycle-time", "stages", "approvers")
SEES_ALL = ("finance", "ops", "chief", "accountant", "admin")
PERIOD = "process=payment&from=2026-12-01&to=2026-12-31"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def database_url(sqlite_database):
    """The web layer's own checks: one backend (the reports' SQL runs on both in tests/test_analytics_reports.py)."""
    return sqlite_database


@pytest.fixture
def paid_two(core, users, invoice):
    """Two payments paid: marketing's in one working day (8 h), purchasing's in three days (24 h)."""
    for who, paid_at in (("memployee", at(2026, 12, 2, 10)), ("pemployee", at(2026, 12, 4, 10))):
        card_id = file_request(core, users, invoice, who=who, now=at(2026, 12, 1, 10))
        approve_stage(core, users, card_id, "head_approval", now=at(2026, 12, 1, 11))
        approve_stage(core, users, card_id, "finance_review", now=at(2026, 12, 1, 12))
        for kind, login in (("make_payment", "chief"), ("payment_order", "accountant")):
            task = open_task(core, users, card_id, "payment", kind, now=paid_at)
            if kind == "payment_order":
                actions.attach_file(core, users[login], task["id"], Upload(pdf_bytes("order"), "o.pdf"), paid_at)
            actions.complete(core, users[login], task["id"], paid_at)


def test_cycle_time_in_working_days_with_target_and_baseline(auth, paid_two):
    auth.login("finance")
    body = auth.client.get(f"/api/v1/analytics/cycle-time?{PERIOD}&group_by=department").get_json()
    assert body["target_wd"] == 3 and body["baseline_wd"] == [5, 7]
    assert body["items"] == [
        {"key": "marketing", "count": 1, "median_wd": 1.0, "p90_wd": 1.0, "mean_wd": 1.0, "within_target": 1.0},
        {"key": "purchasing", "count": 1, "median_wd": 3.0, "p90_wd": 3.0, "mean_wd": 3.0, "within_target": 1.0}]
    month = auth.client.get(f"/api/v1/analytics/cycle-time?{PERIOD}").get_json()["items"]
    assert month == [{"key": "2026-12", "count": 2, "median_wd": 2.0, "p90_wd": 2.8, "mean_wd": 2.0,
                      "within_target": 1.0}]


def test_stages_and_approvers(auth, paid_two, users):
    auth.login("ops")
    items = auth.client.get(f"/api/v1/analytics/stages?{PERIOD}").get_json()["items"]
    assert [(item["stage"], item["count"]) for item in items] == [
        ("head_approval", 2), ("finance_review", 2), ("payment", 4)]
    assert items[0] == {"stage": "head_approval", "count": 2, "median_wait_wh": 1.0, "median_work_wh": 0.0,
                        "p90_total_wh": 1.0, "reminders": 0, "escalations": 0}
    approvers = auth.client.get(f"/api/v1/analytics/approvers?{PERIOD}").get_json()["items"]
    assert {item["approver"]: item["decided"] for item in approvers} == {
        "mhead": 1, "phead": 1, "finance": 2, "chief": 2, "accountant": 2}


@pytest.mark.parametrize("login", SEES_ALL)
def test_finance_accounting_ops_and_admin_see_every_department(auth, paid_two, login):
    auth.login(login)
    for report in REPORTS:
        assert auth.client.get(f"/api/v1/analytics/{report}?{PERIOD}").status_code == 200
    items = auth.client.get(f"/api/v1/analytics/cycle-time?{PERIOD}&group_by=department").get_json()["items"]
    assert [item["key"] for item in items] == ["marketing", "purchasing"]


def test_a_head_sees_his_department_only(auth, paid_two):
    auth.login("mhead")
    items = auth.client.get(f"/api/v1/analytics/cycle-time?{PERIOD}&group_by=department").get_json()["items"]
    assert [item["key"] for item in items] == ["marketing"]
    approvers = auth.client.get(f"/api/v1/analytics/approvers?{PERIOD}").get_json()["items"]
    assert "phead" not in {item["approver"] for item in approvers}


@pytest.mark.parametrize("login", ["memployee", "pemployee", "signer"])
def test_an_employee_gets_403(auth, paid_two, login):
    auth.login(login)
    for report in REPORTS:
        response = auth.client.get(f"/api/v1/analytics/{report}?{PERIOD}")
        assert response.status_code == 403 and response.get_json()["code"] == "forbidden"


def test_without_credentials_401(client):
    assert client.get(f"/api/v1/analytics/cycle-time?{PERIOD}").status_code == 401


@pytest.mark.parametrize("query, field", [
    ("", "process"),
    ("process=nope", "process"),
    ("process=payment&from=2026-13-01", "from"),
    ("process=payment&to=yesterday", "to"),
    ("process=payment&from=2026-12-10&to=2026-12-01", "from"),
    ("process=payment&group_by=week", "group_by"),
])
def test_bad_parameters_are_422_naming_the_field(auth, query, field):
    auth.login("finance")
    for report in REPORTS if field != "group_by" else ("cycle-time",):
        response = auth.client.get(f"/api/v1/analytics/{report}?{query}")
        assert response.status_code == 422, (report, query)
        assert response.get_json()["field"] == field


def test_the_api_gives_the_report_the_core_computes(auth, core, paid_two):
    auth.login("admin")
    body = auth.client.get(f"/api/v1/analytics/cycle-time?{PERIOD}&group_by=cost_item").get_json()
    with core.db.read() as session:
        assert session.scalar(select(Department.id).where(Department.code == "marketing"))
        expected = cycle_time(session, core.rulebook, Query(core.rulebook.process("payment"), dt.date(2026, 12, 1),
                                                            dt.date(2026, 12, 31), None), "cost_item")
    assert body["items"] == [{key: item[key] for key in body["items"][0]} for item in expected["items"]]


def test_the_approver_report_can_be_switched_off_in_the_rules(sqlite_database, tmp_path, clock, users):
    import shutil

    from soglasie.core import Core
    from soglasie.settings import Settings
    from tests.support.rules import RULES_DIR
    from tests.webapp.conftest import Auth
    from webapp import create_app

    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    payment = rules / "payment.yaml"
    payment.write_text(payment.read_text(encoding="utf-8").replace("  approvers: true", "  approvers: false"),
                       encoding="utf-8")
    core = Core.from_settings(Settings(database_url=sqlite_database, data_dir=tmp_path / "data", rules_dir=rules,
                                       secret_key="test-secret-key-0123456789abcdef-analytics"))
    try:
        client = create_app({"SOGLASIE_CORE": core, "TESTING": True, "SOGLASIE_CLOCK": clock}).test_client()
        auth = Auth(client, core, users).login("finance")
        response = client.get(f"/api/v1/analytics/approvers?{PERIOD}")
        assert response.status_code == 403 and response.get_json()["code"] == "approvers_off"
        page = client.get("/analytics").get_data(as_text=True)
        assert 'data-testid="approvers-table"' not in page and 'data-testid="stages-table"' in page
        assert client.get("/analytics/approvers.csv").status_code == 404 and auth
    finally:
        core.db.dispose()
