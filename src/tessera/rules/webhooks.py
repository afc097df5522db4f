"""Calling rule webhooks: signed, SSRF-safe, without following redirects.

SSRF: see :mod:`tessera.core.netguard`. Addresses outside the public internet must fall inside
``TESSERA_WEBHOOK_ALLOWED_NETWORKS`` (a list of CIDRs, e.g. ``["10.20.0.0/16"]`` for an
intranet CRM), and the connection goes to the checked address.

Signature: ``X-Tessera-Signature: sha256=<hex>``, the HMAC-SHA256 of ``<timestamp>.<body>``
with ``TESSERA_WEBHOOK_SECRET`` (default: derived from ``SECRET_KEY``), and the timestamp in
``X-Tessera-Timestamp`` so receivers can refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from tessera.core import netguard
from tessera.core.netguard import IPAddress, IPNetwork

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 64 * 1024



class WebhookRefused(Exception):
    """The destination is not allowed; retrying will not help."""


class WebhookFailed(Exception):
    """A transient failure (network, 5xx, 429): worth another attempt."""


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: str


def secret() -> bytes:
    configured = getattr(settings, "TESSERA_WEBHOOK_SECRET", "")
    if configured:
        return str(configured).encode()
    return hmac.new(str(settings.SECRET_KEY).encode(), b"tessera.rules.webhook", hashlib.sha256).digest()


def sign(body: bytes, timestamp: str, key: bytes | None = None) -> str:
    digest = hmac.new(key if key is not None else secret(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def allowed_networks() -> list[IPNetwork]:
    return netguard.parse_networks(getattr(settings, "TESSERA_WEBHOOK_ALLOWED_NETWORKS", []))


def resolve(host: str, port: int) -> IPAddress:
    """The address to connect to, after checking every address the host resolves to."""
    try:
        return netguard.resolve_checked(host, port, allowed_networks(), "TESSERA_WEBHOOK_ALLOWED_NETWORKS")
    except netguard.AddressRefused as exc:
        raise WebhookRefused(str(exc)) from exc
    except netguard.ResolveFailed as exc:
        raise WebhookFailed(str(exc)) from exc


def call(url: str, method: str, headers: Mapping[str, str], body: str, *, timestamp: str) -> WebhookResponse:
    """Send one request; raises WebhookRefused (never retry) or WebhookFailed (retry)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise WebhookRefused(f"not an http(s) URL: {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(parts.hostname, port)
    payload = body.encode()
    connection = netguard.pinned_connection(parts.scheme, parts.hostname, port, address, TIMEOUT_SECONDS)
    sent_headers = {
        **dict(headers),
        "Content-Type": headers.get("Content-Type", "application/json; charset=utf-8"),
        "User-Agent": "Tessera-Webhook/1",
        "X-Tessera-Timestamp": timestamp,
        "X-Tessera-Signature": sign(payload, timestamp),
    }
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(method, path, body=payload, headers=sent_headers)
        response = connection.getresponse()
        text = response.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        raise WebhookFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    if response.status >= 500 or response.status == 429:
        raise WebhookFailed(f"HTTP {response.status}")
    return WebhookResponse(response.status, text)
