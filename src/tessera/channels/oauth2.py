"""OAuth2 for mailboxes: connect an account once, then keep its access token fresh unattended.

Gmail and Microsoft 365 log IMAP clients in with XOAUTH2 and an access token that lives about an
hour. An admin registers an OAuth2 app (client id and secret) with the provider, signs in to the
mailbox's account once through the authorization-code flow (with PKCE), and we keep the refresh
token; before every IMAP session whose access token is close to expiry we trade the refresh
token for a new one (and store a rotated refresh token when the provider sends one).

The token endpoint is a URL an admin may type, so it is reached like any other admin-given
address: https, resolved and checked by :mod:`tessera.core.netguard`, connected to the checked
address. Plain http is accepted only for hosts inside ``TESSERA_MAIL_ALLOWED_NETWORKS``.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.db import transaction

from tessera.channels.egress import SETTING, allowed_networks
from tessera.channels.models import Mailbox, OAuth2Provider
from tessera.core import netguard, time

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0
MAX_RESPONSE_BYTES = 64 * 1024
# Renew this long before the provider's expiry: a fetch started just before it must not fail.
RENEW_MARGIN = timedelta(minutes=5)
# When the provider does not say how long a token lives.
DEFAULT_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class Endpoints:
    authorize_url: str
    token_url: str
    scope: str


PRESETS: dict[str, Endpoints] = {
    OAuth2Provider.GOOGLE: Endpoints(
        "https://accounts.google.com/o/oauth2/v2/auth",
        "https://oauth2.googleapis.com/token",
        "https://mail.google.com/",
    ),
    # "common" serves work and personal accounts; a tenant id or "organizations" can replace it
    # in the two URLs on the mailbox.
    OAuth2Provider.MICROSOFT: Endpoints(
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
    ),
}


class OAuthError(Exception):
    """The provider refused (``permanent``: a person must act) or could not be reached."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Authorization:
    """Where to send the admin's browser, and what to keep until the provider sends it back."""

    url: str
    state: str
    verifier: str


def endpoints(mailbox: Mailbox) -> Endpoints:
    """The mailbox's own URLs and scope where given, else its provider's."""
    preset = PRESETS.get(mailbox.oauth2_provider, Endpoints("", "", ""))
    return Endpoints(
        mailbox.oauth2_authorize_url or preset.authorize_url,
        mailbox.oauth2_token_url or preset.token_url,
        mailbox.oauth2_scope or preset.scope,
    )


def uses_refresh(mailbox: Mailbox) -> bool:
    return bool(mailbox.oauth2_provider and mailbox.oauth2_client_id)


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_authorization(mailbox: Mailbox, redirect_uri: str) -> Authorization:
    urls = endpoints(mailbox)
    if not uses_refresh(mailbox) or not urls.authorize_url or not urls.token_url:
        raise OAuthError("the mailbox has no OAuth2 provider and client id", permanent=True)
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(64)
    params = {
        "response_type": "code",
        "client_id": mailbox.oauth2_client_id,
        "redirect_uri": redirect_uri,
        "scope": urls.scope,
        "state": state,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        # Google returns a refresh token only for offline access, and again only on consent.
        "access_type": "offline",
        "prompt": "consent",
    }
    if mailbox.username:
        params["login_hint"] = mailbox.username
    separator = "&" if "?" in urls.authorize_url else "?"
    return Authorization(urls.authorize_url + separator + urlencode(params), state, verifier)


def complete_authorization(mailbox: Mailbox, code: str, redirect_uri: str, verifier: str) -> None:
    """Trade the code the provider sent back for tokens, and keep them on the mailbox."""
    answer = _token_request(
        mailbox,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier},
    )
    if not answer.get("refresh_token"):
        raise OAuthError(
            "the provider sent no refresh token (Google sends one only with offline access and "
            "consent; Microsoft only with the offline_access scope)",
            permanent=True,
        )
    with transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        _keep(locked, answer)
        locked.last_error = ""
        locked.save(update_fields=[*_TOKEN_FIELDS, "last_error"])
    mailbox.refresh_from_db()


def ensure_fresh(mailbox: Mailbox, *, force: bool = False) -> None:
    """Renew the access token when it is missing or about to expire (or when ``force``).

    Two fetchers of one mailbox must not both spend a refresh token that the provider rotates:
    the row is locked, and whoever comes second sees the renewed token and does nothing.
    """
    if not uses_refresh(mailbox):
        return
    if not mailbox.oauth2_refresh_token:
        if mailbox.oauth2_access_token:
            return
        raise OAuthError("nobody has signed in to the mailbox's account yet (Settings, Mailboxes)", permanent=True)
    if not force and _still_fresh(mailbox):
        return
    try:
        with transaction.atomic():
            locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
            if not (force and locked.oauth2_access_token == mailbox.oauth2_access_token) and _still_fresh(locked):
                _copy_tokens(locked, mailbox)
                return
            answer = _token_request(
                locked, {"grant_type": "refresh_token", "refresh_token": locked.oauth2_refresh_token}
            )
            _keep(locked, answer)
            locked.save(update_fields=list(_TOKEN_FIELDS))
    except OAuthError as exc:
        if exc.permanent:
            # Outside the rolled-back transaction, so admins see why the mailbox stopped.
            Mailbox.objects.filter(pk=mailbox.pk).update(last_error=f"OAuth2: {exc}"[:2000])
        raise
    _copy_tokens(locked, mailbox)


_TOKEN_FIELDS = ("oauth2_access_token", "oauth2_refresh_token", "oauth2_expires_at")


def _still_fresh(mailbox: Mailbox) -> bool:
    expires = mailbox.oauth2_expires_at
    return bool(mailbox.oauth2_access_token) and expires is not None and expires - time.now() > RENEW_MARGIN


def _copy_tokens(source: Mailbox, target: Mailbox) -> None:
    for name in _TOKEN_FIELDS:
        setattr(target, name, getattr(source, name))


def _keep(mailbox: Mailbox, answer: dict[str, Any]) -> None:
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise OAuthError("the provider's answer has no access token", permanent=False)
    mailbox.oauth2_access_token = token
    # Providers that rotate refresh tokens send a new one; the old one may already be dead.
    if isinstance(answer.get("refresh_token"), str) and answer["refresh_token"]:
        mailbox.oauth2_refresh_token = answer["refresh_token"]
    try:
        lifetime = timedelta(seconds=int(answer.get("expires_in", 0)))
    except (TypeError, ValueError):
        lifetime = timedelta(0)
    mailbox.oauth2_expires_at = time.now() + (lifetime if lifetime.total_seconds() > 0 else DEFAULT_LIFETIME)


def _token_request(mailbox: Mailbox, form: dict[str, str]) -> dict[str, Any]:
    url = endpoints(mailbox).token_url
    if not url:
        raise OAuthError("no token URL is configured", permanent=True)
    body = {**form, "client_id": mailbox.oauth2_client_id}
    if mailbox.oauth2_client_secret:
        body["client_secret"] = mailbox.oauth2_client_secret
    status, answer = post_form(url, body)
    if status == 200:
        return answer
    error = str(answer.get("error") or f"HTTP {status}")[:200]
    description = str(answer.get("error_description") or "")[:300]
    message = f"{error}: {description}" if description else error
    # 4xx other than throttling means the grant or the client is wrong: retrying will not help.
    raise OAuthError(message, permanent=400 <= status < 500 and status != 429)


def post_form(url: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """POST a form to an admin-given URL through the network guard; (status, JSON object)."""
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.hostname or parts.username or parts.password:
        raise OAuthError(f"not a usable https URL: {url[:200]}", permanent=True)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    networks = allowed_networks()
    try:
        address = netguard.resolve_checked(parts.hostname, port, networks, SETTING)
    except netguard.AddressRefused as exc:
        raise OAuthError(str(exc), permanent=True) from exc
    except netguard.ResolveFailed as exc:
        raise OAuthError(str(exc), permanent=False) from exc
    if parts.scheme == "http" and not any(address in network for network in networks):
        # The client secret and tokens would cross the internet in clear.
        raise OAuthError("the token URL must use https", permanent=True)
    connection = netguard.pinned_connection(parts.scheme, parts.hostname, port, address, TIMEOUT_SECONDS)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
               "User-Agent": "Tessera-Mail/1"}
    try:
        connection.request("POST", path, body=urlencode(form).encode(), headers=headers)
        response = connection.getresponse()
        raw = response.read(MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        raise OAuthError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
    finally:
        connection.close()
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    return response.status, answer
