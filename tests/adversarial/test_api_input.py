"""Hostile input to the REST API: every case gets its exact refusal and changes no row and no file.

One table per kind of attack: malformed fields of a new card, malformed bodies and content
types, parameters out of range, ids that do not fit, oversized and nested payloads, uploads that
lie about their type, absences that make no sense, missing or forged credentials.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.adversarial.conftest import MAX_UPLOAD
from tests.support.files import PNG_1PX, pdf_bytes

GOOD = {"counterparty_inn": "7701526010", "amount": "150000.00", "cost_item": "PACK"}
CONTRACT = {"counterparty_inn": "7701526010", "subject": "Supply", "amount": "500000.00",
            "valid_from": "2026-11-01", "valid_to": "2027-12-31"}


def api(method: str, path: str, who: str = "memployee", **kwargs):
    """A request builder: `path` may name seeded ids ({marketing_card}, …); Bearer token of `who`."""
    def send(world):
        headers = {**(world.bearer(who) if who else {}), **kwargs.pop("headers", {})}
        return world.app.test_client().open(path.format(**world.ids), method=method, headers=headers, **kwargs)
    return send


def upload(content: bytes, name: str = "invoice.pdf"):
    return io.BytesIO(content), name


def file_payment(field_name: str = "invoice", content: bytes | None = None, name: str = "invoice.pdf",
                 who: str = "memployee", path: str = "/api/v1/payment-requests", **changes):
    """POST a payment request with GOOD fields changed by `changes` (None drops a field)."""
    def send(world):
        data = {key: value for key, value in {**GOOD, **changes}.items() if value is not None}
        if content is not ... and field_name:
            data[field_name] = upload(pdf_bytes() if content is None else content, name)
        return world.app.test_client().post(path, headers=world.bearer(who), data=data,
                                            content_type="multipart/form-data")
    return send


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BAD_CARD_FIELDS = [
    pytest.param(file_payment(counterparty_inn="7701526011"), 422, "counterparty_inn", id="inn-checksum"),
    pytest.param(file_payment(counterparty_inn="77015260"), 422, "counterparty_inn", id="inn-short"),
    pytest.param(file_payment(counterparty_inn="7707083893"), 422, "counterparty_inn", id="inn-not-in-directory"),
    pytest.param(file_payment(counterparty_inn="' OR 1=1 --"), 422, "counterparty_inn", id="inn-sql"),
    pytest.param(file_payment(counterparty_inn="７７０１５２６０１０"), 422, "counterparty_inn",
                 id="inn-fullwidth-digits"),
    pytest.param(file_payment(counterparty_inn=None), 422, "counterparty_inn", id="inn-missing"),
    pytest.param(file_payment(counterparty_inn="7701526010" * 1000), 422, "counterparty_inn", id="inn-huge"),
    pytest.param(file_payment(amount="0"), 422, "amount", id="amount-zero"),
    pytest.param(file_payment(amount="-5.00"), 422, "amount", id="amount-negative"),
    pytest.param(file_payment(amount="10.005"), 422, "amount", id="amount-3-decimals"),
    pytest.param(file_payment(amount="1e30"), 422, "amount", id="amount-exponent"),
    pytest.param(file_payment(amount="NaN"), 422, "amount", id="amount-nan"),
    pytest.param(file_payment(amount="Infinity"), 422, "amount", id="amount-infinity"),
    pytest.param(file_payment(amount="сто"), 422, "amount", id="amount-words"),
    pytest.param(file_payment(amount=""), 422, "amount", id="amount-empty"),
    pytest.param(file_payment(amount=None), 422, "amount", id="amount-missing"),
    pytest.param(file_payment(amount="9" * 400), 422, "amount", id="amount-400-digits"),
    pytest.param(file_payment(amount="0x10"), 422, "amount", id="amount-hex"),
    pytest.param(file_payment(amount="1_000"), 422, "amount", id="amount-underscore"),
    pytest.param(file_payment(cost_item="NOPE"), 422, "cost_item", id="cost-item-unknown"),
    pytest.param(file_payment(cost_item=""), 422, "cost_item", id="cost-item-empty"),
    pytest.param(file_payment(cost_item="PACK' OR '1'='1"), 422, "cost_item", id="cost-item-sql"),
    pytest.param(file_payment(deadline="2020-01-01T10:00:00+03:00"), 422, "deadline", id="deadline-past"),
    pytest.param(file_payment(deadline="next friday"), 422, "deadline", id="deadline-words"),
    pytest.param(file_payment(deadline="2027-02-30T10:00:00+03:00"), 422, "deadline", id="deadline-feb-30"),
    pytest.param(file_payment(deadline="2027-01-10T25:00:00+03:00"), 422, "deadline", id="deadline-hour-25"),
    pytest.param(file_payment(deadline="9999-12-31T23:59:59-12:00"), 422, "deadline", id="deadline-beyond-utc"),
    pytest.param(file_payment(contract_id="abc"), 422, "contract_id", id="contract-id-words"),
    pytest.param(file_payment(contract_id="-1"), 422, "contract_id", id="contract-id-negative"),
    pytest.param(file_payment(contract_id="1.5"), 422, "contract_id", id="contract-id-fraction"),
    pytest.param(file_payment(contract_id="424242"), 422, "contract_id", id="contract-id-unknown"),
    pytest.param(file_payment(contract_id="99999999999999999999"), 422, "contract_id", id="contract-id-overflow"),
    pytest.param(file_payment(comment="x" * 6000), 422, "comment", id="comment-too-long"),
    pytest.param(file_payment(comment="a\x00b"), 400, "comment", id="comment-nul"),
    pytest.param(file_payment(content=...), 422, "invoice", id="invoice-missing"),
    pytest.param(file_payment(content=b""), 422, "invoice", id="invoice-empty"),
    pytest.param(file_payment(content=b"MZ\x90\x00 not a document"), 422, "invoice", id="invoice-exe-as-pdf"),
    pytest.param(file_payment(content=b"<script>alert(1)</script>", name="a.html"), 422, "invoice",
                 id="invoice-html"),
    pytest.param(file_payment(content=b"<svg onload=alert(1)></svg>", name="a.svg"), 422, "invoice",
                 id="invoice-svg"),
    pytest.param(file_payment(content=b"%PDF"), 422, "invoice", id="invoice-pdf-magic-only"),
    pytest.param(file_payment(content=_zip({"evil.sh": b"rm -rf /"}), name="a.docx"), 422, "invoice",
                 id="invoice-zip-not-office"),
    pytest.param(file_payment(content=b"GIF89a" + b"\x00" * 20, name="a.gif"), 422, "invoice", id="invoice-gif"),
    pytest.param(file_payment(content=b"\x7fELF" + b"\x00" * 60, name="invoice.pdf"), 422, "invoice",
                 id="invoice-elf"),
    pytest.param(file_payment(content=pdf_bytes() + b"%" * MAX_UPLOAD, name="big.pdf"), 422, "invoice",
                 id="invoice-over-the-limit"),
    pytest.param(file_payment(field_name="document"), 422, "invoice", id="invoice-in-wrong-field"),
    pytest.param(file_payment(path="/api/v1/processes/nope/cards"), 404, "process", id="unknown-process"),
    pytest.param(file_payment(path="/api/v1/processes/payment/cards", content=...), 422, "invoice",
                 id="generic-route-missing-file"),
]


@pytest.mark.parametrize(("send", "status", "field"), BAD_CARD_FIELDS)
def test_a_bad_new_card_is_refused_naming_the_field(refused, send, status, field):
    refused(send, status, field)


def contract(**changes):
    def send(world):
        data = {key: value for key, value in {**CONTRACT, **changes}.items() if value is not None}
        data.setdefault("document", upload(pdf_bytes("contract"), "contract.pdf"))
        return world.app.test_client().post("/api/v1/contracts", headers=world.bearer("memployee"), data=data,
                                            content_type="multipart/form-data")
    return send


BAD_CONTRACTS = [
    pytest.param(contract(valid_from="2027-12-31", valid_to="2026-11-01"), 422, "valid_to", id="ends-before-start"),
    pytest.param(contract(valid_from="31.12.2026"), 422, "valid_from", id="date-dotted"),
    pytest.param(contract(valid_to="2027-13-01"), 422, "valid_to", id="month-13"),
    pytest.param(contract(subject=""), 422, "subject", id="subject-empty"),
    pytest.param(contract(subject="x" * 6000), 422, "subject", id="subject-too-long"),
    pytest.param(contract(amount="-1"), 422, "amount", id="amount-negative"),
    pytest.param(contract(document=upload(b"PK\x03\x04broken", "c.docx")), 422, "document", id="broken-zip"),
]


@pytest.mark.parametrize(("send", "status", "field"), BAD_CONTRACTS)
def test_a_bad_contract_is_refused_naming_the_field(refused, send, status, field):
    refused(send, status, field)


BAD_BODIES = [
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", data="{not json",
                     content_type="application/json"), 400, "body", id="json-broken"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", data="[1, 2]",
                     content_type="application/json"), 400, "body", id="json-array"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", data='"reason"',
                     content_type="application/json"), 400, "body", id="json-string"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", data=_nested(100_000),
                     content_type="application/json"), 400, "body", id="json-nested-100k"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead",
                     data='{"reason": ' + _nested(5000) + "}", content_type="application/json"),
                 400, "body", id="json-nested-value-5k"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", json={"reason": {"$gt": ""}}),
                 422, "reason", id="reason-object"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", json={"reason": ["a"]}),
                 422, "reason", id="reason-list"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", json={"reason": 42}),
                 422, "reason", id="reason-number"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", json={"reason": "  "}),
                 422, "reason", id="reason-blank"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", json={}),
                 422, "reason", id="reason-missing"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", json={"reason": "x" * 6000}),
                 422, "reason", id="reason-too-long"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/approve", "mhead", json={"comment": True}),
                 422, "comment", id="comment-bool"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/approve", "mhead", data="comment=ok",
                     content_type="text/plain"), 400, "body", id="text-plain-body"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/approve", "mhead", data="<comment/>",
                     content_type="application/xml"), 400, "body", id="xml-body"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/reject", "mhead", data="reason=a%00b",
                     content_type="application/x-www-form-urlencoded"), 400, "reason", id="form-nul"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/approve", "mhead", data=b"\xff\xfe\x00garbage",
                     content_type="application/json"), 400, "body", id="json-not-utf8"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/approve", "mhead",
                     data=json.dumps({"comment": "x" * (MAX_UPLOAD + 2 * 1024 * 1024)}),
                     content_type="application/json"), 413, "file", id="json-over-the-body-limit"),
    pytest.param(api("POST", "/api/v1/cards/{marketing_card}/freeze", "ops", data="{", content_type="application/json"),
                 400, "body", id="card-action-broken-json"),
    pytest.param(api("POST", "/api/v1/cards/{marketing_card}/freeze", "ops", json={"comment": {"a": 1}}),
                 422, "comment", id="card-action-comment-object"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/attachments", "mhead", data={},
                     content_type="multipart/form-data"), 422, "file", id="attachment-missing"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/attachments", "mhead",
                     data={"file": upload(b"MZ\x90\x00", "order.pdf")}, content_type="multipart/form-data"),
                 422, "file", id="attachment-exe"),
    pytest.param(api("POST", "/api/v1/contracts/{marketing_contract}/versions", "memployee",
                     data={"document": upload(b"<html>", "v2.pdf")}, content_type="multipart/form-data"),
                 422, "document", id="version-html"),
    pytest.param(api("POST", "/api/v1/contracts/{marketing_contract}/versions", "memployee", data={},
                     content_type="multipart/form-data"), 422, "document", id="version-missing"),
    pytest.param(api("POST", "/api/v1/payment-requests/{marketing_card}/versions", "memployee",
                     data={"document": upload(pdf_bytes())}, content_type="multipart/form-data"),
                 404, None, id="version-of-unversioned-process"),
    pytest.param(api("POST", "/api/v1/contracts/{marketing_card}/versions", "memployee",
                     data={"document": upload(pdf_bytes())}, content_type="multipart/form-data"),
                 404, None, id="version-of-a-payment-at-contracts"),
]


@pytest.mark.parametrize(("send", "status", "field"), BAD_BODIES)
def test_a_malformed_body_is_refused(refused, send, status, field):
    refused(send, status, field)


BAD_PARAMETERS = [
    pytest.param("/api/v1/cards?page=0", 400, "page", id="page-zero"),
    pytest.param("/api/v1/cards?page=-1", 400, "page", id="page-negative"),
    pytest.param("/api/v1/cards?page=abc", 400, "page", id="page-words"),
    pytest.param("/api/v1/cards?page=99999999999", 400, "page", id="page-overflow"),
    pytest.param("/api/v1/cards?page=1e3", 400, "page", id="page-exponent"),
    pytest.param("/api/v1/cards?per_page=201", 400, "per_page", id="per-page-over-max"),
    pytest.param("/api/v1/cards?per_page=0", 400, "per_page", id="per-page-zero"),
    pytest.param("/api/v1/cards?mine=maybe", 400, "mine", id="mine-maybe"),
    pytest.param("/api/v1/cards?sort=amount;DROP TABLE cards", 422, "sort", id="sort-sql"),
    pytest.param("/api/v1/cards?sort=password_hash", 422, "sort", id="sort-column"),
    pytest.param("/api/v1/cards?stage=paid' OR '1'='1", 422, "stage", id="stage-sql"),
    pytest.param("/api/v1/cards?process=nope", 422, "process", id="process-unknown"),
    pytest.param("/api/v1/cards?counterparty_id=-3", 400, "counterparty_id", id="counterparty-id-negative"),
    pytest.param("/api/v1/cards?counterparty_id=99999999999999999999", 400, "counterparty_id",
                 id="counterparty-id-overflow"),
    pytest.param("/api/v1/cards?search=%00", 400, "search", id="search-nul"),
    pytest.param("/api/v1/payment-requests?stage=signing", 422, "stage", id="stage-of-another-process"),
    pytest.param("/api/v1/tasks?mine=0", 400, "mine", id="tasks-of-everyone"),
    pytest.param("/api/v1/notifications?limit=0", 400, "limit", id="notifications-limit-zero"),
    pytest.param("/api/v1/notifications?limit=100000", 400, "limit", id="notifications-limit-huge"),
    pytest.param("/api/v1/notifications?unread=2", 400, "unread", id="notifications-unread-2"),
    pytest.param("/api/v1/counterparties?limit=501", 400, "limit", id="counterparties-limit"),
    pytest.param("/api/v1/cards/0", 404, None, id="card-id-zero"),
    pytest.param("/api/v1/cards/-1", 404, None, id="card-id-negative"),
    pytest.param("/api/v1/cards/1.5", 404, None, id="card-id-fraction"),
    pytest.param("/api/v1/cards/99999999999999999999", 404, None, id="card-id-overflow"),
    pytest.param("/api/v1/cards/2147483648", 404, None, id="card-id-just-over-int32"),
    pytest.param("/api/v1/cards/%3{purchasing_card}", 404, None, id="card-id-percent-encoded-other-dept"),
    pytest.param("/api/v1/cards/1%00", 404, None, id="card-id-nul"),
    pytest.param("/api/v1/payment-requests/{marketing_contract}", 404, None, id="contract-at-payment-path"),
    pytest.param("/api/v1/../api/v1/cards/{purchasing_card}", 404, None, id="dot-dot-path"),
    pytest.param("/api/v1/nope", 404, None, id="unknown-process-path"),
    pytest.param("/api/v1/users/nobody/absences", 403, "login", id="absences-of-another-user"),
]


@pytest.mark.parametrize("search", ["99999999999999999999", "2147483648", "²", "١٢", "0" * 11])
def test_a_search_that_looks_like_an_id_but_cannot_be_one_finds_nothing(refused, search):
    response = refused(api("GET", f"/api/v1/cards?search={search}", "admin"), 200)
    assert response.get_json()["items"] == []


@pytest.mark.parametrize(("path", "status", "field"), BAD_PARAMETERS)
def test_a_parameter_out_of_range_is_refused(refused, path, status, field):
    refused(api("GET", path), status, field)


DELETE_OR_METHOD = [
    pytest.param(api("DELETE", "/api/v1/me/absences/99999999999999999999"), 404, id="absence-id-overflow"),
    pytest.param(api("DELETE", "/api/v1/me/absences/0"), 404, id="absence-id-zero"),
    pytest.param(api("DELETE", "/api/v1/me/absences/4242"), 404, id="absence-unknown"),
    pytest.param(api("DELETE", "/api/v1/cards/{marketing_card}"), 405, id="delete-a-card"),
    pytest.param(api("PUT", "/api/v1/cards/{marketing_card}", json={"stage": "paid"}), 405, id="put-a-card"),
    pytest.param(api("PATCH", "/api/v1/payment-requests/{marketing_card}", json={"amount": "1.00"}), 405,
                 id="patch-a-card"),
    pytest.param(api("POST", "/api/v1/tasks"), 405, id="post-tasks"),
    pytest.param(api("POST", "/api/v1/tasks/{marketing_task}/delete", "mhead"), 404, id="unknown-task-action"),
    pytest.param(api("POST", "/api/v1/cards/{marketing_card}/pay", "ops"), 404, id="unknown-card-action"),
    pytest.param(api("POST", "/api/v1/tasks/99999999999/approve", "mhead"), 404, id="task-id-overflow"),
]


@pytest.mark.parametrize(("send", "status"), DELETE_OR_METHOD)
def test_a_method_or_id_that_does_not_exist_is_refused(refused, send, status):
    refused(send, status)


def absence(who: str = "memployee", path: str = "/api/v1/me/absences", **body):
    return api("POST", path, who, json={"start": "2026-12-10", "end": "2026-12-12", "deputy": "pemployee", **body})


BAD_ABSENCES = [
    pytest.param(absence(end="2026-12-09"), 422, "end", id="end-before-start"),
    pytest.param(absence(start="2026-11-01", end="2026-11-02"), 422, "end", id="in-the-past"),
    pytest.param(absence(deputy="memployee"), 422, "deputy", id="deputy-self"),
    pytest.param(absence(deputy="nobody"), 422, "deputy", id="deputy-unknown"),
    pytest.param(absence(deputy=["pemployee"]), 422, "deputy", id="deputy-list"),
    pytest.param(absence(start="tomorrow"), 422, "start", id="start-words"),
    pytest.param(absence(start="2026-12-10T00:00:00+03:00"), 422, "start", id="start-instant"),
    pytest.param(absence(processes=["nope"]), 422, "processes", id="process-unknown"),
    pytest.param(absence(processes=[1, 2]), 422, "processes", id="processes-numbers"),
    pytest.param(absence(processes={"payment": True}), 422, "processes", id="processes-object"),
    pytest.param(absence(end="99999-01-01"), 422, "end", id="end-year-99999"),
    pytest.param(absence(who="memployee", path="/api/v1/users/pemployee/absences"), 403, "login",
                 id="for-another-user-not-admin"),
    pytest.param(absence(who="admin", path="/api/v1/users/nobody/absences"), 404, "login", id="for-unknown-user"),
]


@pytest.mark.parametrize(("send", "status", "field"), BAD_ABSENCES)
def test_a_senseless_absence_is_refused(refused, send, status, field):
    refused(send, status, field)


def _png_page():
    return upload(PNG_1PX, "scan.png")


CREDENTIALS = [
    pytest.param({}, 401, id="none"),
    pytest.param({"Authorization": "Bearer "}, 401, id="bearer-empty"),
    pytest.param({"Authorization": "Bearer not-a-token"}, 401, id="bearer-unknown"),
    pytest.param({"Authorization": "Bearer " + "A" * 10_000}, 401, id="bearer-10k"),
    pytest.param({"Authorization": "Basic YWRtaW46ZGVtbw=="}, 401, id="basic-admin-demo"),
    pytest.param({"Authorization": "Bearer ' OR 1=1 --"}, 401, id="bearer-sql"),
    pytest.param({"Authorization": "bearer\tx"}, 401, id="bearer-tab"),
    pytest.param({"Cookie": "soglasie_session=forged.value.signature"}, 401, id="cookie-forged"),
]


@pytest.mark.parametrize(("headers", "status"), CREDENTIALS)
@pytest.mark.parametrize("target", [("GET", "/api/v1/cards"), ("POST", "/api/v1/payment-requests")],
                         ids=["list", "file"])
def test_without_valid_credentials_nothing_is_answered(refused, headers, status, target):
    method, path = target

    def send(world):
        client = world.app.test_client()
        if "Cookie" in headers:
            client.set_cookie("soglasie_session", headers["Cookie"].split("=", 1)[1])
            return client.open(path, method=method)
        return client.open(path, method=method, headers=headers,
                           data={**GOOD, "invoice": _png_page()} if method == "POST" else None)
    response = refused(send, status, None, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="soglasie"'
