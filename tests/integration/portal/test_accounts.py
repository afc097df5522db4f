"""Signing up, signing in (password or mailed code), resetting passwords, throttling."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tessera.accounts.models import Contact, ContactIdentity, Role, User
from tessera.core import time
from tessera.portal import services, throttle
from tessera.portal.models import CodePurpose, EmailCode
from tests.integration.portal.conftest import mailed_code

pytestmark = pytest.mark.django_db

STRONG = "Mật-khẩu-rất-dài-2024"


def _signup(client: Client, email: str, name: str = "Trần Thị Hồng", language: str = "vi") -> Any:
    return client.post("/portal/signup/", {
        "name": name, "email": email, "password1": STRONG, "password2": STRONG, "language": language,
    })


def _signed_in_as(client: Client) -> User | None:
    response = client.get("/portal/")
    if response.status_code != 200:
        return None
    user = response.wsgi_request.user
    return user if isinstance(user, User) else None


def test_sign_up_confirms_the_address_before_creating_anything(db: Any) -> None:
    client = Client()
    # Typed on a Mac: decomposed diacritics, which must be stored composed.
    decomposed = unicodedata.normalize("NFD", "Trần Thị Hồng")
    response = _signup(client, "  Hong@Example.TEST ", name=decomposed)
    assert response.status_code == 302 and response["Location"] == "/portal/signup/verify/"
    assert not User.objects.filter(email__iexact="hong@example.test").exists()
    assert not ContactIdentity.objects.filter(value="hong@example.test").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["hong@example.test"]

    response = client.post("/portal/signup/verify/", {"code": mailed_code()})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    user = User.objects.get(email="hong@example.test")
    assert user.role == Role.CUSTOMER and user.language == "vi" and user.time_zone == "Asia/Ho_Chi_Minh"
    assert user.check_password(STRONG)
    assert user.contact is not None and user.contact.name == "Trần Thị Hồng"
    assert unicodedata.is_normalized("NFC", user.contact.name)
    assert user.contact.primary_email == "hong@example.test"
    assert _signed_in_as(client) == user


def test_a_weak_password_is_refused_before_any_mail(db: Any) -> None:
    response = Client().post("/portal/signup/", {
        "name": "Jan", "email": "jan@example.test", "password1": "12345678", "password2": "12345678", "language": "pl",
    })
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert mail.outbox == []


def test_signing_up_with_a_known_contacts_address_links_only_after_the_code(desk: dict[str, Any], make_ticket: Any) -> None:
    # A contact who wrote in by email before, with a ticket history.
    earlier = Contact.objects.create(name="Kasia")
    ContactIdentity.objects.create(contact=earlier, kind="email", value="kasia@example.test", is_primary=True)
    history = make_ticket(subject="Reklamacja butów", requester=earlier)

    attacker = Client()
    _signup(attacker, "kasia@example.test", name="Mallory")
    for guess in ("000000", "111111", "123456"):
        attacker.post("/portal/signup/verify/", {"code": guess})
    assert not User.objects.filter(contact=earlier).exists()
    assert _signed_in_as(attacker) is None

    owner = Client()
    _signup(owner, "kasia@example.test", name="Kasia")
    response = owner.post("/portal/signup/verify/", {"code": mailed_code()})
    assert response.status_code == 302
    user = User.objects.get(email="kasia@example.test")
    assert user.contact == earlier
    assert Contact.objects.filter(identities__value="kasia@example.test").count() == 1
    assert history.subject in owner.get("/portal/").content.decode()


def test_signing_up_with_an_address_that_has_an_account_mails_its_owner(desk: dict[str, Any]) -> None:
    response = _signup(Client(), "customer_a@example.test")
    # The same answer as for a new address: nothing tells the visitor the account exists.
    assert response.status_code == 302 and response["Location"] == "/portal/signup/verify/"
    assert not EmailCode.objects.exists()
    assert len(mail.outbox) == 1
    assert "already have" in mail.outbox[0].body
    assert re.search(r"\b\d{6}\b", str(mail.outbox[0].body)) is None


def test_codes_are_stored_only_as_keyed_hashes(db: Any) -> None:
    code = services.issue_code("x@example.test", CodePurpose.LOGIN)
    row = EmailCode.objects.get()
    assert code not in row.digest and code not in str(row.payload)
    assert len(row.digest) == 64


def test_sign_in_with_a_mailed_code(desk: dict[str, Any]) -> None:
    client = Client()
    response = client.post("/portal/login/code/", {"email": "Customer_A@example.test"})
    assert response.status_code == 302 and response["Location"] == "/portal/login/code/verify/"
    assert mail.outbox[-1].to == ["customer_a@example.test"]
    assert client.post("/portal/login/code/verify/", {"code": "999999" if mailed_code() != "999999" else "000000"}).status_code == 200
    response = client.post("/portal/login/code/verify/", {"code": mailed_code()})
    assert response.status_code == 302
    assert _signed_in_as(client) == desk["customer_a"]
    # Used once, never again.
    other = Client()
    other.post("/portal/login/code/", {"email": "nobody@example.test"})
    session = other.session
    session["portal:code_email"] = "customer_a@example.test"
    session.save()
    assert other.post("/portal/login/code/verify/", {"code": mailed_code()}).status_code == 200
    assert _signed_in_as(other) is None


def test_unknown_addresses_get_the_same_answer_and_no_mail(db: Any) -> None:
    response = Client().post("/portal/login/code/", {"email": "ghost@example.test"})
    assert response.status_code == 302 and response["Location"] == "/portal/login/code/verify/"
    assert mail.outbox == []


def test_agents_cannot_sign_in_through_the_portal(desk: dict[str, Any]) -> None:
    client = Client()
    client.post("/portal/login/code/", {"email": "agent@example.test"})
    assert mail.outbox == []
    response = client.post("/portal/login/", {"email": "agent@example.test", "password": "pw-agent"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_an_expired_code_fails(desk: dict[str, Any]) -> None:
    code = services.issue_code("customer_a@example.test", CodePurpose.LOGIN)
    EmailCode.objects.update(expires_at=time.now() - timedelta(seconds=1))
    assert services.redeem_code("customer_a@example.test", CodePurpose.LOGIN, code) is None


def test_a_code_dies_after_five_wrong_tries(desk: dict[str, Any]) -> None:
    code = services.issue_code("customer_a@example.test", CodePurpose.LOGIN)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(services.CODE_MAX_ATTEMPTS):
        assert services.redeem_code("customer_a@example.test", CodePurpose.LOGIN, wrong) is None
    assert services.redeem_code("customer_a@example.test", CodePurpose.LOGIN, code) is None
    assert EmailCode.objects.get().attempts == services.CODE_MAX_ATTEMPTS


def test_a_new_code_retires_the_previous_one(desk: dict[str, Any]) -> None:
    first = services.issue_code("customer_a@example.test", CodePurpose.LOGIN)
    second = services.issue_code("customer_a@example.test", CodePurpose.LOGIN)
    if first != second:
        assert services.redeem_code("customer_a@example.test", CodePurpose.LOGIN, first) is None
    assert services.redeem_code("customer_a@example.test", CodePurpose.LOGIN, second) is not None


def test_password_sign_in_and_out(desk: dict[str, Any]) -> None:
    client = Client()
    response = client.post("/portal/login/", {"email": "CUSTOMER_A@example.test", "password": "pw-customer_a"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert _signed_in_as(client) == desk["customer_a"]
    assert client.post("/portal/logout/").status_code == 302
    assert _signed_in_as(client) is None


def test_sign_in_goes_back_to_a_local_next_only(desk: dict[str, Any]) -> None:
    response = Client().post("/portal/login/", {"email": "customer_a@example.test", "password": "pw-customer_a", "next": "/portal/tickets/new/"})
    assert response["Location"] == "/portal/tickets/new/"
    response = Client().post("/portal/login/", {"email": "customer_a@example.test", "password": "pw-customer_a", "next": "https://evil.example/"})
    assert response["Location"] == "/portal/"


def test_repeated_failures_lock_the_account_for_a_while(desk: dict[str, Any]) -> None:
    client = Client()
    for _ in range(throttle.LOGIN_PER_ACCOUNT.limit):
        response = client.post("/portal/login/", {"email": "customer_a@example.test", "password": "wrong"})
        assert response.status_code == 200
    # Even the right password is refused now, from any client address.
    response = Client(REMOTE_ADDR="10.9.9.9").post("/portal/login/", {"email": "customer_a@example.test", "password": "pw-customer_a"})
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated
    # Another account is not affected.
    response = client.post("/portal/login/", {"email": "customer_b@example.test", "password": "pw-customer_b"})
    assert response.status_code == 302


def test_a_success_clears_the_account_counter(desk: dict[str, Any]) -> None:
    client = Client()
    for _ in range(throttle.LOGIN_PER_ACCOUNT.limit - 1):
        client.post("/portal/login/", {"email": "customer_a@example.test", "password": "wrong"})
    assert client.post("/portal/login/", {"email": "customer_a@example.test", "password": "pw-customer_a"}).status_code == 302
    assert throttle.LOGIN_PER_ACCOUNT.count("customer_a@example.test") == 0


def test_one_address_guessing_many_accounts_is_blocked(desk: dict[str, Any]) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for i in range(throttle.LOGIN_PER_IP.limit):
        client.post("/portal/login/", {"email": f"victim{i}@example.test", "password": "guess"})
    response = client.post("/portal/login/", {"email": "customer_a@example.test", "password": "pw-customer_a"})
    assert response.status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.1").post(
        "/portal/login/", {"email": "customer_a@example.test", "password": "pw-customer_a"}
    ).status_code == 302


def test_code_guessing_is_throttled_across_codes(desk: dict[str, Any]) -> None:
    client = Client()
    client.post("/portal/login/code/", {"email": "customer_a@example.test"})
    for _ in range(throttle.LOGIN_PER_ACCOUNT.limit):
        client.post("/portal/login/code/verify/", {"code": "000000"})
    client.post("/portal/login/code/", {"email": "customer_a@example.test"})
    response = client.post("/portal/login/code/verify/", {"code": mailed_code()})
    assert response.status_code == 429
    assert _signed_in_as(client) is None


def test_mail_requests_are_limited(desk: dict[str, Any]) -> None:
    client = Client()
    for _ in range(throttle.MAIL_PER_ACCOUNT.limit):
        assert client.post("/portal/login/code/", {"email": "customer_a@example.test"}).status_code == 302
    assert client.post("/portal/login/code/", {"email": "customer_a@example.test"}).status_code == 429
    assert len(mail.outbox) == throttle.MAIL_PER_ACCOUNT.limit


def test_password_reset_by_mailed_link(desk: dict[str, Any]) -> None:
    client = Client()
    response = client.post("/portal/password/reset/", {"email": "customer_a@example.test"})
    assert response.status_code == 200
    link = re.search(r"https?://\S+/portal/password/reset/\S+/", str(mail.outbox[-1].body))
    assert link is not None
    path = "/" + link.group(0).split("/", 3)[3]
    response = client.get(path)
    assert response.status_code == 302  # Django moves the token out of the URL into the session
    new = "Nowe-hasło-Żółw-42"
    response = client.post(response["Location"], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response["Location"] == "/portal/login/"
    assert client.post("/portal/login/", {"email": "customer_a@example.test", "password": new}).status_code == 302
    # The link was single-use.
    assert Client().get(path).status_code == 200
    assert "expired" in Client().get(path, follow=True).content.decode()


def test_password_reset_never_mails_agents_or_strangers(desk: dict[str, Any]) -> None:
    for email in ("agent@example.test", "nobody@example.test"):
        response = Client().post("/portal/password/reset/", {"email": email})
        assert response.status_code == 200
    assert mail.outbox == []


def test_language_choice_is_remembered_for_mail(desk: dict[str, Any]) -> None:
    client = Client()
    client.force_login(desk["customer_a"])
    response = client.post("/portal/language", {"language": "th", "next": "/portal/"})
    assert response.cookies["django_language"].value == "th"
    desk["customer_a"].refresh_from_db()
    assert desk["customer_a"].language == "th"
    assert Contact.objects.get(pk=desk["contact_a"].pk).language == "th"


def test_a_password_made_of_ones_own_name_is_refused(db: Any) -> None:
    response = Client().post("/portal/signup/", {
        "name": "Wojciechowska", "email": "w@example.test", "password1": "wojciechowska", "password2": "wojciechowska",
        "language": "pl",
    })
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert mail.outbox == []
