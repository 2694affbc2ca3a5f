"""The OpenAPI document is the API: every /api/v1 route is documented and every documented operation exists.

Compared both ways with Flask's URL map (an `any(...)` segment is one documented path per
word), validated by an independent validator, served without credentials, readable at /api/docs
with Swagger UI's files served by the portal under the portal's CSP.
"""

from __future__ import annotations

import itertools
import re

import pytest
from openapi_spec_validator import validate

from webapp.api import spec
from webapp.security import CSP

PREFIX = "/api/v1"
METHODS = {"get", "post", "put", "patch", "delete"}
VARIABLE = re.compile(r"<(?:(\w+)(?:\((.*?)\))?:)?(\w+)>")


@pytest.fixture
def database_url(sqlite_database):
    """The contract is about routes, not SQL: SQLite only."""
    return sqlite_database


def _expand(rule: str) -> list[str]:
    """A Flask rule as OpenAPI path templates: `<conv:name>` → `{name}`, an `any(a, b)` segment → one path each."""
    parts, choices = [], []
    position = 0
    for match in VARIABLE.finditer(rule):
        parts.append(rule[position:match.start()])
        converter, arguments, name = match.groups()
        if converter == "any":
            choices.append([word.strip().strip('"\'') for word in arguments.split(",")])
        else:
            choices.append(["{" + name + "}"])
        position = match.end()
    tail = rule[position:]
    return ["".join(itertools.chain.from_iterable(zip(parts, combo))) + tail
            for combo in itertools.product(*choices)]


def _routes(app) -> set[tuple[str, str]]:
    return {(path[len(PREFIX):], method.lower())
            for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX + "/")
            for path in _expand(rule.rule) for method in rule.methods - {"HEAD", "OPTIONS"}}


def _documented(document: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item if method in METHODS}


def test_every_route_is_documented_and_every_documented_operation_exists(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    routes, documented = _routes(app), _documented(document)
    assert routes - documented == set(), "routes missing from the document"
    assert documented - routes == set(), "documented operations with no route"
    assert len(routes) >= 30


def test_the_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on the first violation


def test_the_process_segments_come_from_the_rules_in_force(client, core):
    document = client.get("/api/v1/openapi.json").get_json()
    parameter = document["components"]["parameters"]["ProcessPath"]["schema"]
    assert set(parameter["enum"]) == {process.api_path for process in core.rulebook.processes.values()}
    versioned = document["paths"]["/{process}/{card_id}/versions"]["post"]["parameters"][0]["schema"]["enum"]
    assert versioned == ["contracts"]
    assert "x-soglasie-processes" not in str(document)


def test_errors_share_one_schema(client):
    document = client.get("/api/v1/openapi.json").get_json()
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "field", "code"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                refused = [code for code in operation["responses"] if code.startswith("4")]
                assert refused or path == "/openapi.json", (path, method)


def test_the_document_needs_no_credentials_and_the_api_still_does(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    answer = client.get("/api/v1/cards")
    assert answer.status_code == 401 and answer.get_json()["code"] == "unauthorized"


def test_the_docs_page_loads_swagger_ui_from_the_portal_under_the_csp(client):
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Content-Security-Policy"] == CSP
    assert "<script>" not in html and "http://" not in html and "https://" not in html  # no inline code, no CDN
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert 'data-spec-url="/api/v1/openapi.json"' in html


@pytest.mark.parametrize("name", ["index.html", "..%2Fsecret_key", "swagger-initializer.js", "oauth2-redirect.html"])
def test_only_the_pages_own_assets_are_served(client, name):
    assert client.get(f"/api/docs/assets/{name}").status_code == 404


def _fragment(folder, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


BASE = ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /a: {get: {responses: {'200': {description: ok}}}}\n"
        "components:\n  schemas:\n    Error: {type: object}\n")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("b.yaml", "paths:\n  /a: {post: {responses: {'200': {description: ok}}}}\n", "paths '/a' is defined in base.yaml"),
    ("b.yaml", "components:\n  schemas:\n    Error: {type: string}\n", "schemas 'Error' is defined in base.yaml"),
    ("b.yaml", "info: {title: mine}\n", "unknown top-level key(s) info"),
    ("b.yaml", "- a list\n", "b.yaml: a fragment is a mapping"),
])
def test_a_fragment_that_clashes_is_refused_naming_both_files(tmp_path, name, text, message):
    _fragment(tmp_path, "base.yaml", BASE)
    _fragment(tmp_path, name, text)
    with pytest.raises(spec.FragmentError) as error:
        spec.merge_fragments(tmp_path)
    assert message in str(error.value)


def test_two_new_fragments_clash_with_each_other_too(tmp_path):
    _fragment(tmp_path, "base.yaml", BASE)
    _fragment(tmp_path, "analytics.yaml", "components:\n  schemas:\n    Line: {type: object}\n")
    _fragment(tmp_path, "budgets.yaml", "components:\n  schemas:\n    Line: {type: object}\n")
    with pytest.raises(spec.FragmentError, match="budgets.yaml: schemas 'Line' is defined in analytics.yaml"):
        spec.merge_fragments(tmp_path)


def test_a_new_area_is_a_new_file(tmp_path):
    _fragment(tmp_path, "base.yaml", BASE)
    _fragment(tmp_path, "budgets.yaml", "x-anchors: {ok: &ok {'200': {description: ok}}}\n"
                                        "paths:\n  /budgets: {get: {responses: *ok}}\n"
                                        "components:\n  schemas:\n    Budget: {type: object}\n")
    merged = spec.merge_fragments(tmp_path)
    assert set(merged["paths"]) == {"/a", "/budgets"}
    assert set(merged["components"]["schemas"]) == {"Error", "Budget"}
    assert "x-anchors" not in merged
