"""Schemathesis against a live portal, from the portal's own OpenAPI document: no 5xx, every answer as documented.

A real `soglasie serve` on 127.0.0.1 (temp SQLite, demo company, a few cards filed over HTTP),
every documented operation, a positive and a negative phase, as several users by Bearer token
(tests/support/fuzzing.py). SOGLASIE_FUZZ_CALLS sets the number of calls (default 150, which
keeps this module near half a minute); bench/bench_fuzz.py runs ten thousand.
"""

from __future__ import annotations

import os

import pytest
import requests

from tests.support.fuzzing import fuzz
from tests.support.live_portal import LivePortal
from tests.support.rules import RULES_DIR

FUZZ_CALLS = int(os.environ.get("SOGLASIE_FUZZ_CALLS", "150"))
LOGINS = ("memployee", "pemployee", "mhead", "phead", "finance", "ops", "admin")


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory, sqlite_template):
    """One live portal for the module."""
    portal = LivePortal(tmp_path_factory.mktemp("live"), RULES_DIR, LOGINS, template=sqlite_template).start()
    yield portal
    portal.stop()


@pytest.fixture(scope="module")
def known_ids(live_portal):
    """Cards and tasks filed through the API, for the positive phase to act on."""
    return live_portal.seed()


def test_every_operation_as_several_users_no_5xx_and_every_answer_as_documented(live_portal, known_ids):
    report = fuzz(live_portal.base_url, live_portal.tokens, FUZZ_CALLS, known_ids)
    print(report.summary())  # shown with -s, and in the bench
    assert report.server_errors == []
    assert report.mismatches == []
    assert "Traceback" not in live_portal.log_text()
    assert report.operations >= 30 and report.calls >= min(FUZZ_CALLS, 2 * report.operations)
    assert {200, 404, 422} <= set(report.statuses), report.statuses  # it reached real data and real refusals


def test_the_fuzzer_reports_an_answer_that_is_not_as_documented(live_portal, known_ids):
    document = requests.get(f"{live_portal.base_url}/api/v1/openapi.json", timeout=30).json()
    document["components"]["schemas"]["CostItem"]["properties"]["code"] = {"type": "integer"}
    document["paths"]["/counterparties"]["get"]["responses"]["200"]["content"] = {
        "text/plain": {"schema": {"type": "string"}}}
    report = fuzz(live_portal.base_url, live_portal.tokens, 4, known_ids, document=document, only="/co")
    assert any("Response violates schema" in line and "/cost-items" in line for line in report.mismatches)
    assert any("Undocumented Content-Type" in line and "/counterparties" in line for line in report.mismatches)
