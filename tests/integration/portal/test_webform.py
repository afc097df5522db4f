"""The embeddable contact form: one ticket per submission, bots and floods refused."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.db import close_old_connections
from django.test import Client

from tessera.accounts.models import ContactIdentity
from tessera.portal import services, throttle
from tessera.portal.forms import HONEYPOT
from tessera.portal.models import FormSubmission
from tessera.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db


def _token(age: float = 30) -> str:
    return services.issue_form_token(issued_at=time.time() - age)


def _post(client: Client, **overrides: Any) -> Any:
    data = {
        "name": "Nguyễn Thị Minh Khai",
        "email": "khai@example.vn",
        "subject": "Hỏi về đơn hàng số 42",
        "message": "Tôi chưa nhận được hàng. Xin kiểm tra giúp.",
        "token": _token(),
        **overrides,
    }
    return client.post("/portal/form/submit", {k: v for k, v in data.items() if v is not None})


def test_the_hosted_form_can_be_framed_and_carries_a_token(desk: dict[str, Any]) -> None:
    response = Client().get("/portal/form/")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    body = response.content.decode()
    assert 'name="token"' in body and f'name="{HONEYPOT}"' in body
    assert 'name="department"' in body  # two active departments
    assert response.context["form"].initial["token"]


def test_a_submission_creates_a_web_form_ticket_and_confirms_its_number(desk: dict[str, Any]) -> None:
    response = _post(Client())
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.WEB_FORM
    assert ticket.subject == "Hỏi về đơn hàng số 42"
    assert ticket.requester.name == "Nguyễn Thị Minh Khai"
    assert ticket.requester.primary_email == "khai@example.vn"
    assert ticket.messages.get().body_text == "Tôi chưa nhận được hàng. Xin kiểm tra giúp."
    assert ticket.display_number in response.content.decode()


def test_a_known_address_lands_on_its_contact(desk: dict[str, Any]) -> None:
    _post(Client(), email="Anna@Acme.test", name="Someone else")
    ticket = Ticket.objects.get()
    assert ticket.requester == desk["contact_a"]
    assert ticket.requester.name == "Anna Kowalska"


def test_the_same_form_posted_twice_creates_one_ticket(desk: dict[str, Any]) -> None:
    token = _token()
    first = _post(Client(), token=token)
    second = _post(Client(), token=token)
    assert (first.status_code, second.status_code) == (201, 200)
    assert Ticket.objects.count() == 1
    number = Ticket.objects.get().display_number
    assert number in first.content.decode() and number in second.content.decode()


def test_a_reused_token_with_different_text_is_refused(desk: dict[str, Any]) -> None:
    token = _token()
    _post(Client(), token=token)
    response = _post(Client(), token=token, message="Something else entirely")
    assert response.status_code == 409
    assert Ticket.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_of_one_form_create_one_ticket(desk: dict[str, Any]) -> None:
    token = _token()
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def post() -> None:
        try:
            barrier.wait()
            statuses.append(_post(Client(), token=token).status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Ticket.objects.count() == 1
    assert FormSubmission.objects.count() == 1


def test_the_honeypot_rejects_bots(desk: dict[str, Any]) -> None:
    response = _post(Client(), **{HONEYPOT: "http://spam.example"})
    assert response.status_code == 400
    assert Ticket.objects.count() == 0
    assert not ContactIdentity.objects.filter(value="khai@example.vn").exists()


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "forged-token",
        "PLACEHOLDER_FRESH",   # issued a moment ago: filled faster than a person can
        "PLACEHOLDER_STALE",   # two days old
        "PLACEHOLDER_OTHER",   # signed for something else
    ],
)
def test_bad_tokens_are_refused(desk: dict[str, Any], token: str | None) -> None:
    from django.core import signing

    value = {
        "PLACEHOLDER_FRESH": services.issue_form_token(),
        "PLACEHOLDER_STALE": services.issue_form_token(issued_at=time.time() - 2 * 24 * 3600),
        "PLACEHOLDER_OTHER": signing.dumps({"n": "x", "t": int(time.time()) - 60}, salt="something.else"),
    }.get(token or "", token)
    response = _post(Client(), token=value)
    assert response.status_code in {400, 422}
    assert Ticket.objects.count() == 0


def test_the_rate_limit_per_client_address(desk: dict[str, Any]) -> None:
    flooder = Client(REMOTE_ADDR="203.0.113.50")
    for i in range(throttle.FORM_PER_IP.limit):
        assert _post(flooder, subject=f"Spam {i}").status_code == 201
    response = _post(flooder, subject="One too many")
    assert response.status_code == 429
    assert Ticket.objects.count() == throttle.FORM_PER_IP.limit
    # Someone else is not affected.
    assert _post(Client(REMOTE_ADDR="198.51.100.9"), subject="Legit").status_code == 201


def test_sizes_are_bounded_and_fields_required(desk: dict[str, Any]) -> None:
    client = Client()
    for overrides in ({"subject": "x" * 201}, {"message": "x" * 20_001}, {"email": "not-an-address"},
                      {"name": "x" * 201}, {"message": "   "}, {"subject": None}):
        assert _post(client, **overrides).status_code == 422, overrides
    assert Ticket.objects.count() == 0


def test_hostile_input_is_escaped_in_the_confirmation_and_form(desk: dict[str, Any]) -> None:
    hostile = '<script>alert(1)</script>'
    response = _post(Client(), subject=hostile, name=hostile)
    assert response.status_code == 201
    assert hostile not in response.content.decode()
    response = _post(Client(), subject=hostile, email="bad")
    assert response.status_code == 422
    body = response.content.decode()
    assert hostile not in body and "&lt;script&gt;" in body


def test_json_version_for_the_script_tag(desk: dict[str, Any]) -> None:
    token_response = Client().get("/portal/form/token.json", {"lang": "pl"})
    assert token_response["Access-Control-Allow-Origin"] == "*"
    config = token_response.json()
    assert config["action"].endswith("/portal/form/submit")
    assert config["lang"] == "pl"
    assert config["honeypot"] == HONEYPOT
    assert {"name", "email", "subject", "message", "send", "failed"} <= set(config["labels"])
    assert [name for _, name in config["departments"]] == ["Billing", "Support"]

    response = _post(Client(), token=_token(), format="json", department=str(desk["billing"].pk))
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "*"
    answer = json.loads(response.content)
    ticket = Ticket.objects.get()
    assert answer == {"ok": True, "ticket": ticket.display_number, "number": ticket.number, "message": answer["message"]}
    assert ticket.display_number in answer["message"]
    assert ticket.department == desk["billing"]

    invalid = _post(Client(), format="json", email="nope")
    assert invalid.status_code == 422
    assert "email" in invalid.json()["errors"]
    too_quick = _post(Client(), format="json", token=services.issue_form_token())
    assert too_quick.status_code == 400
    assert too_quick.json()["token"]  # a fresh token to try again with


def test_embed_script_is_served_as_javascript(desk: dict[str, Any]) -> None:
    response = Client().get("/portal/form/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    source = response.content.decode()
    assert "innerHTML" not in source.split("*/", 1)[1]
    assert "token.json" in source
