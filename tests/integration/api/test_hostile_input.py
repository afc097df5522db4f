"""Hostile and unusual text in every text field: stored as given, answered as inert JSON.

And bad input of every other kind gets a 4xx in the error shape, never a 500 or a page.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tessera.tickets.models import CustomField, Message, Ticket

HOSTILE = [
    "<script>alert(document.cookie)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">kliknij</a>',
    "invoice\u202egnp.exe",  # right-to-left override: shows as "invoiceexe.png"
    "\u200f\u202bمرحبا\u202c mixed direction",  # noqa: RUF001
    "ขอบคุณมากครับ ระบบล่มตั้งแต่เช้า",
    "Tiếng Việt: Nguyễn Ánh Dương gửi yêu cầu hoàn tiền",
    "Zażółć gęślą jaźń — ŻÓŁW",
    "\"'; DROP TABLE tickets_ticket; --",
    "\u200b\ufeffzero\u200dwidth",
    "𝕌𝕟𝕚𝕔𝕠𝕕𝕖 😀👩‍👩‍👧 e\u0301",  # noqa: RUF001
    "{{ 7*7 }} ${7*7} %s %(x)s",
    "ข" * 10_000,
]
SCRIPTISH = ("<script", "onerror", "javascript:")


def _assert_inert_html(html: str) -> None:
    lowered = html.lower()
    for bad in SCRIPTISH:
        assert bad not in lowered, html


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_ticket_text_round_trips(text: str, desk: dict[str, Any], as_: Any) -> None:
    CustomField.objects.create(key="note", label="Note", field_type="text", visible_to_customers=True)
    api = as_("agent")
    status, body = api.post("/tickets", {
        "subject": text[:250], "body": text, "body_html": f"<p>{text}</p>{text}", "department": desk["support"].pk,
        "requester": desk["contact_a"].pk, "tags": [text[:64]], "custom_fields": {"note": text},
    })
    assert status == 201, body
    assert api.last["Content-Type"] == "application/json; charset=utf-8"
    assert api.last["X-Content-Type-Options"] == "nosniff"
    ticket = Ticket.objects.get(number=body["number"])
    # The subject is normalised (NFC, whitespace collapsed) so searches and mail subjects match.
    assert body["subject"] == ticket.subject == unicodedata.normalize("NFC", " ".join(text[:250].split()))
    assert body["custom_fields"] == {"note": text} == ticket.custom_fields
    assert body["tags"] == [unicodedata.normalize("NFC", " ".join(text[:64].split()))]

    status, messages = api.get(f"/tickets/{body['number']}/messages")
    assert status == 200
    stored = Message.objects.get(ticket=ticket)
    assert messages["items"][0]["body_text"] == text == stored.body_text
    _assert_inert_html(messages["items"][0]["body_html"])
    _assert_inert_html(stored.body_html)

    status, reply = api.post(f"/tickets/{body['number']}/messages", {"kind": "note", "body": text, "body_html": text})
    assert status == 201 and reply["body_text"] == text
    _assert_inert_html(reply["body_html"])

    status, customer_view = as_("customer_a").get(f"/tickets/{body['number']}")
    assert status == 200 and customer_view["custom_fields"] == {"note": text}


@pytest.mark.parametrize("text", [t for t in HOSTILE if len(t) <= 200], ids=lambda t: repr(t[:12]))
def test_contact_and_organisation_text_round_trips(text: str, desk: dict[str, Any], as_: Any) -> None:
    api = as_("admin")
    # Names are stripped and NFC-normalised (one spelling per name, whatever the keyboard);
    # free-form values are kept exactly.
    name = unicodedata.normalize("NFC", text.strip())
    status, org = api.post("/organisations", {"name": text, "notes": text, "attributes": {"x": text}})
    assert status == 201, org
    assert (org["name"], org["notes"], org["attributes"]) == (name, text, {"x": text})
    status, contact = api.post("/contacts", {
        "name": text, "organisation": org["id"], "attributes": {text: text},
        "identities": [{"kind": "line", "value": text}],
    })
    assert status == 201, contact
    assert contact["name"] == name and contact["attributes"] == {text: text}
    assert contact["identities"][0]["value"] == name
    status, token = api.post("/tokens", {"name": text[:100], "scope": "read"})
    assert status == 201 and token["token"]["name"] == unicodedata.normalize("NFC", text[:100].strip())


BAD_REQUESTS: list[tuple[str, str, Any]] = [
    ("POST", "/tickets", "{not json"),
    ("POST", "/tickets", "[]"),
    ("POST", "/tickets", '"just a string"'),
    ("POST", "/tickets", "null"),
    ("POST", "/tickets", json.dumps({"subject": "x", "department": "1; DROP"})),
    ("POST", "/tickets", json.dumps({"subject": "x\u0000y", "department": 1, "requester": 1})),
    ("POST", "/tickets", '{"subject": "\\ud800", "department": 1, "requester": 1}'),
    ("POST", "/tickets", json.dumps({"subject": "x", "department": 10**40, "requester": 1})),
    ("POST", "/tickets", json.dumps({"subject": "x", "department": 1.5, "requester": 1})),
    ("POST", "/tickets", json.dumps({"subject": "x", "department": 1, "requester": 1, "tags": ["a" * 65]})),
    ("POST", "/tickets", json.dumps({"subject": "x", "department": 1, "requester": 1, "custom_fields": {"k\u0000": 1}})),
    ("POST", "/tickets", json.dumps({"subject": "x", "department": 1, "requester": 1, "custom_fields": {"nope": 1}})),
    ("POST", "/tickets", json.dumps({"subject": "s" * 251, "department": 1, "requester": 1})),
    ("POST", "/tickets", json.dumps({"subject": "x", "body": "b" * 300_000, "department": 1, "requester": 1})),
    ("GET", "/tickets?q=%00&tag=%00", None),
    ("GET", "/tickets?updated_since=yesterday", None),
    ("GET", "/tickets?limit=-5", None),
    ("GET", "/tickets?cursor=" + "A" * 500, None),
    ("GET", "/tickets?assignee=99999999999999999999999", None),
    ("GET", "/tickets/1e3", None),
    ("GET", "/tickets/%F0%9F%98%80", None),
    ("GET", "/contacts?q=%00", None),
    ("GET", "/contacts/99999999999999999999", None),
    ("GET", "/contacts?cursor=١٢٣", None),
    ("POST", "/contacts", json.dumps({"identities": [{"kind": "email", "value": "\u0000@x.test"}]})),
    ("POST", "/contacts", json.dumps({"time_zone": "../../etc/passwd"})),
    ("POST", "/contacts", json.dumps({"language": "<script>"})),
    ("POST", "/organisations", json.dumps({"name": " "})),
    ("PATCH", "/tickets/1", json.dumps({"version": 2**40})),
    ("DELETE", "/tickets/1/tags", None),
    ("PUT", "/tickets", "{}"),
    ("GET", "/no/such/endpoint", None),
]


@pytest.mark.parametrize(("method", "path", "raw"), BAD_REQUESTS, ids=[f"{m} {p[:40]}" for m, p, _ in BAD_REQUESTS])
def test_bad_input_is_a_client_error_in_the_error_shape(
    method: str, path: str, raw: Any, desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any
) -> None:
    make_ticket()
    status, body = as_("admin").call(method, path, raw_body=raw)
    assert 400 <= status < 500, (status, body)
    assert set(body["error"]) == {"code", "message", "field"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_oversized_request_body_is_413(desk: dict[str, Any], as_: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    status, body = as_("admin").call("POST", "/tickets", raw_body=json.dumps({"subject": "x" * 5000}))
    assert status == 413 and body["error"]["code"] == "request_too_large"


def test_openapi_and_docs_are_served(desk: dict[str, Any]) -> None:
    client = Client()
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/tickets/{number}" in document["paths"]
    assert client.get("/api/v1/docs").status_code == 200
