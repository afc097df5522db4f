"""OAuth2 mailboxes: sign in once through the desk, then the access token renews itself.

The provider is the stand-in of ``oauth_standin`` (code flow with real PKCE checks, refresh
grants, optional refresh-token rotation); the IMAP server is the fixtures' Dovecot, which asks
the stand-in whether each XOAUTH2 token is live.
"""

from __future__ import annotations

import threading
import urllib.request
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tessera.accounts.actor import Actor
from tessera.accounts.models import Department, Role, User
from tessera.channels import mailboxes, oauth2
from tessera.channels.imap_session import open_session
from tessera.channels.models import ImapSecurity, Mailbox, MailboxKind
from tessera.core import time
from tests.integration.email.conftest import Dovecot

LOOPBACK = ["127.0.0.0/8", "::1/128"]


@pytest.fixture
def allow_loopback(settings: Any) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAIL_ALLOWED_NETWORKS": LOOPBACK}


@pytest.fixture
def admin(support: Department) -> User:
    return User.objects.create_user(username="root", email="root@example.test", password="pw", role=Role.ADMIN)


@pytest.fixture
def oauth_mailbox(dovecot: Dovecot, support: Department, admin: User, allow_loopback: None) -> Mailbox:
    client_id, secret = dovecot.oauth.register_client()
    return mailboxes.create_mailbox(
        Actor.of(admin), name="Gmail", department=support, address="shop@example.test", kind=MailboxKind.IMAP,
        imap_host=dovecot.host, imap_port=dovecot.port, imap_security=ImapSecurity.PLAIN,
        username=dovecot.add_user(), oauth2_provider="custom", oauth2_client_id=client_id,
        oauth2_client_secret=secret, oauth2_authorize_url=f"{dovecot.oauth.base}/authorize",
        oauth2_token_url=f"{dovecot.oauth.base}/token", oauth2_scope="https://mail.google.com/",
    )


def signed_in(dovecot: Dovecot, mailbox: Mailbox) -> Mailbox:
    """As if an admin had signed in: the provider issued a refresh token for the account."""
    Mailbox.objects.filter(pk=mailbox.pk).update()
    mailbox.oauth2_refresh_token = dovecot.oauth.issue_refresh_token(mailbox.oauth2_client_id, mailbox.username)
    mailbox.save(update_fields=["oauth2_refresh_token"])
    return Mailbox.objects.get(pk=mailbox.pk)


def follow_provider(url: str) -> str:
    """The provider's authorization page, as the admin's browser sees it: its redirect."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(url, timeout=10)
    except urllib.error.HTTPError as answer:
        status, location = answer.code, str(answer.headers["Location"])
    else:
        raise AssertionError("the provider did not redirect")
    assert status == 302
    return location


@pytest.mark.django_db
def test_sign_in_through_the_desk_then_log_in_with_xoauth2(
    dovecot: Dovecot, oauth_mailbox: Mailbox, admin: User
) -> None:
    client = Client()
    client.force_login(admin)
    page = client.get(f"/desk/settings/mailboxes/{oauth_mailbox.pk}").content.decode()
    assert "Sign in to the account" in page and oauth_mailbox.oauth2_client_secret not in page
    dovecot.oauth.consenting_user = oauth_mailbox.username

    started = client.post(f"/desk/settings/mailboxes/{oauth_mailbox.pk}/oauth")
    assert started.status_code == 302
    query = parse_qs(urlsplit(started["Location"]).query)
    site = str(django_settings.TESSERA["SITE_URL"])
    assert query["redirect_uri"] == [site + "/desk/settings/mailboxes/oauth/callback"]
    assert query["code_challenge_method"] == ["S256"] and query["login_hint"] == [oauth_mailbox.username]
    assert "code_verifier" not in started["Location"]

    back = follow_provider(started["Location"])
    assert back.startswith(site)
    finished = client.get(back.removeprefix(site), follow=True)
    assert "Signed in" in finished.content.decode()
    mailbox = Mailbox.objects.get(pk=oauth_mailbox.pk)
    assert mailbox.oauth2_refresh_token.startswith("rt-") and mailbox.oauth2_access_token.startswith("ya29.")
    assert mailbox.oauth2_expires_at is not None and mailbox.oauth2_expires_at > time.now() + timedelta(minutes=50)
    assert mailboxes.credential_label(mailbox).endswith("signed in")

    result = mailboxes.check_connection(Actor.of(admin), mailbox)
    assert result.ok, result.detail

    # The state is single-use: replaying the provider's redirect does nothing.
    replay = client.get(back.removeprefix(site), follow=True).content.decode()
    assert "not started here" in replay


@pytest.mark.django_db
def test_a_forged_or_refused_sign_in_stores_nothing(dovecot: Dovecot, oauth_mailbox: Mailbox, admin: User) -> None:
    client = Client()
    client.force_login(admin)
    forged = client.get("/desk/settings/mailboxes/oauth/callback?code=stolen&state=made-up", follow=True)
    assert "not started here" in forged.content.decode()

    dovecot.oauth.consenting_user = ""  # The person at the provider says no.
    started = client.post(f"/desk/settings/mailboxes/{oauth_mailbox.pk}/oauth")
    back = follow_provider(started["Location"])
    site = str(django_settings.TESSERA["SITE_URL"])
    refused = client.get(back.removeprefix(site), follow=True).content.decode()
    assert "did not grant access" in refused and "The user said no" in refused
    assert Mailbox.objects.get(pk=oauth_mailbox.pk).oauth2_refresh_token == ""

    # A code with the wrong PKCE verifier is refused by the provider, and nothing is stored.
    dovecot.oauth.consenting_user = oauth_mailbox.username
    started = client.post(f"/desk/settings/mailboxes/{oauth_mailbox.pk}/oauth")
    back = follow_provider(started["Location"])
    state = parse_qs(urlsplit(back).query)["state"][0]
    session = client.session
    session["mailbox_oauth"][state]["verifier"] = "not-the-verifier"
    session.save()
    bad = client.get(back.removeprefix(site), follow=True).content.decode()
    assert "refused the sign-in" in bad
    assert Mailbox.objects.get(pk=oauth_mailbox.pk).oauth2_refresh_token == ""


@pytest.mark.django_db
def test_an_expiring_token_is_renewed_before_the_session(dovecot: Dovecot, oauth_mailbox: Mailbox) -> None:
    mailbox = signed_in(dovecot, oauth_mailbox)
    session = open_session(mailbox, timeout=10)  # No access token yet: one is fetched first.
    session.logout()
    first = Mailbox.objects.get(pk=mailbox.pk)
    assert first.oauth2_access_token.startswith("ya29.")

    # Still fresh: no new token request.
    before = len(dovecot.oauth.token_requests)
    open_session(first, timeout=10).logout()
    assert len(dovecot.oauth.token_requests) == before

    # Within five minutes of expiry: renewed.
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth2_expires_at=time.now() + timedelta(minutes=2))
    soon = Mailbox.objects.get(pk=mailbox.pk)
    open_session(soon, timeout=10).logout()
    renewed = Mailbox.objects.get(pk=mailbox.pk)
    assert renewed.oauth2_access_token != first.oauth2_access_token
    assert dovecot.oauth.token_requests[-1]["grant_type"] == "refresh_token"


@pytest.mark.django_db
def test_a_token_revoked_early_is_renewed_once_and_the_login_retried(
    dovecot: Dovecot, oauth_mailbox: Mailbox
) -> None:
    mailbox = signed_in(dovecot, oauth_mailbox)
    oauth2.ensure_fresh(mailbox)
    dovecot.oauth.revoke_access_tokens()  # The provider dropped it though its hour is not over.
    open_session(mailbox, timeout=10).logout()
    assert Mailbox.objects.get(pk=mailbox.pk).oauth2_access_token == mailbox.oauth2_access_token
    assert mailbox.oauth2_access_token in dovecot.oauth.access


@pytest.mark.django_db
def test_rotated_refresh_tokens_are_kept(dovecot: Dovecot, oauth_mailbox: Mailbox) -> None:
    mailbox = signed_in(dovecot, oauth_mailbox)
    old = mailbox.oauth2_refresh_token
    dovecot.oauth.rotate_refresh_tokens = True
    try:
        oauth2.ensure_fresh(mailbox)
        oauth2.ensure_fresh(mailbox, force=True)
    finally:
        dovecot.oauth.rotate_refresh_tokens = False
    stored = Mailbox.objects.get(pk=mailbox.pk)
    assert stored.oauth2_refresh_token != old and stored.oauth2_refresh_token in dovecot.oauth.refresh
    assert old not in dovecot.oauth.refresh


@pytest.mark.django_db
def test_a_revoked_grant_is_reported_for_a_person_to_sign_in_again(
    dovecot: Dovecot, oauth_mailbox: Mailbox, admin: User
) -> None:
    mailbox = signed_in(dovecot, oauth_mailbox)
    del dovecot.oauth.refresh[mailbox.oauth2_refresh_token]
    result = mailboxes.check_connection(Actor.of(admin), mailbox)
    assert not result.ok and "invalid_grant" in result.detail
    assert "invalid_grant" in Mailbox.objects.get(pk=mailbox.pk).last_error

    # Not signed in at all: said plainly, no login attempted with an empty token.
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth2_refresh_token="", oauth2_access_token="")
    result = mailboxes.check_connection(Actor.of(admin), Mailbox.objects.get(pk=mailbox.pk))
    assert not result.ok and "signed in" in result.detail


@pytest.mark.django_db
def test_changing_the_app_forgets_its_tokens(dovecot: Dovecot, oauth_mailbox: Mailbox, admin: User) -> None:
    mailbox = signed_in(dovecot, oauth_mailbox)
    mailboxes.update_mailbox(Actor.of(admin), mailbox, {"name": "Gmail (shop)"})
    assert Mailbox.objects.get(pk=mailbox.pk).oauth2_refresh_token
    other_client, _ = dovecot.oauth.register_client()
    mailboxes.update_mailbox(Actor.of(admin), mailbox, {"oauth2_client_id": other_client})
    assert Mailbox.objects.get(pk=mailbox.pk).oauth2_refresh_token == ""


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_fetchers_renewing_at_once_spend_the_refresh_token_once(
    dovecot: Dovecot, oauth_mailbox: Mailbox
) -> None:
    mailbox = signed_in(dovecot, oauth_mailbox)
    dovecot.oauth.rotate_refresh_tokens = True
    before = len(dovecot.oauth.token_requests)
    errors: list[BaseException] = []

    def renew() -> None:
        from django.db import connection

        try:
            oauth2.ensure_fresh(Mailbox.objects.get(pk=mailbox.pk))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=renew) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        dovecot.oauth.rotate_refresh_tokens = False
    assert not errors
    assert len(dovecot.oauth.token_requests) - before == 1
    assert Mailbox.objects.get(pk=mailbox.pk).oauth2_refresh_token in dovecot.oauth.refresh


@pytest.mark.parametrize(
    ("url", "permanent"),
    [
        ("http://169.254.169.254/latest/meta-data/", True),
        ("http://10.0.0.8/token", True),
        ("ftp://example.test/token", True),
        ("https://user:pw@example.test/token", True),
        ("https://no-such-host.invalid/token", False),
    ],
)
def test_token_urls_go_through_the_network_guard(url: str, permanent: bool, allow_loopback: None) -> None:
    with pytest.raises(oauth2.OAuthError) as caught:
        oauth2.post_form(url, {"grant_type": "refresh_token"})
    assert caught.value.permanent is permanent


def test_plain_http_only_inside_allowed_networks(settings: Any) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAIL_ALLOWED_NETWORKS": []}
    with pytest.raises(oauth2.OAuthError, match="not a public address"):
        oauth2.post_form("http://127.0.0.1:9/token", {})
