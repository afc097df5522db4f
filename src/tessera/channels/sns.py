"""Amazon SNS HTTP(S) messages: checking that Amazon sent them, and confirming subscriptions.

SNS signs each message with a certificate it publishes at ``SigningCertURL``. Anyone can put
any URL there, so the certificate is trusted only for the URL itself: an https URL on an SNS
host (``sns.<region>.amazonaws.com``), fetched without following redirects, so TLS to Amazon's
host is what vouches for the key. The signed text is a fixed list of the message's fields in
AWS's documented order; version 1 signs its SHA-1 digest, version 2 its SHA-256 digest.

No ``django.db`` here: the view in ``webhooks.py`` decides what to store.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import re
import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

logger = logging.getLogger(__name__)

# Amazon's SNS endpoints in every partition: sns.us-east-1.amazonaws.com,
# sns.us-gov-west-1.amazonaws.com, sns.cn-north-1.amazonaws.com.cn.
DEFAULT_HOST_PATTERN = r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
DEFAULT_SCHEMES: tuple[str, ...] = ("https",)

MESSAGE_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
# The fields that are signed, in the order AWS documents; "Subject" only when present.
_NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_OPTIONAL_FIELDS = frozenset({"Subject"})
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}

# A certificate is a couple of kilobytes; anything much bigger is not one.
MAX_CERT_BYTES = 64 * 1024
# SNS gives the endpoint 15 s to answer; a fetch must leave room for storing the mail.
FETCH_TIMEOUT = 5.0
CACHE_SIZE = 32


class Rejected(Exception):
    """The message is not proven to come from Amazon SNS (answer 403; retrying will not help)."""


class Unavailable(Exception):
    """Amazon could not be reached to check or confirm (answer 5xx: SNS retries)."""


@dataclass(frozen=True)
class Policy:
    """Where certificates and subscription confirmations may be fetched from."""

    host_pattern: str = DEFAULT_HOST_PATTERN
    schemes: tuple[str, ...] = DEFAULT_SCHEMES

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> Policy:
        pattern = str(values.get("SNS_HOST_PATTERN") or DEFAULT_HOST_PATTERN)
        schemes = tuple(str(s).lower() for s in values.get("SNS_URL_SCHEMES") or DEFAULT_SCHEMES)
        return cls(host_pattern=pattern, schemes=schemes)

    def allows(self, url: str) -> bool:
        """An SNS URL with nothing that could send the request elsewhere."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        if (
            parts.scheme.lower() not in self.schemes
            or parts.username is not None
            or parts.password is not None
        ):
            return False
        if parts.hostname is None or "\\" in url or any(ch.isspace() for ch in url):
            return False
        netloc = parts.hostname if port is None else f"{parts.hostname}:{port}"
        # The raw netloc must be exactly host[:port]: no userinfo, no odd spellings.
        if parts.netloc.lower() != netloc:
            return False
        return re.fullmatch(self.host_pattern, netloc) is not None


def parse_message(body: bytes) -> dict[str, str]:
    """The SNS JSON document as a dict of strings; ValueError if it is not one."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"the body is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError("the body is not a JSON object")
    if document.get("Type") not in MESSAGE_TYPES:
        raise ValueError(f"unknown SNS message type {str(document.get('Type'))[:80]!r}")
    # Every field SNS sends is a string; anything else cannot have been signed by it.
    return {str(k): v for k, v in document.items() if isinstance(v, str)}


def string_to_sign(message: Mapping[str, str]) -> bytes:
    fields = _NOTIFICATION_FIELDS if message.get("Type") == "Notification" else _CONFIRMATION_FIELDS
    lines: list[str] = []
    for name in fields:
        if name not in message:
            if name in _OPTIONAL_FIELDS:
                continue
            raise Rejected(f"the signed field {name} is missing")
        lines.append(f"{name}\n{message[name]}\n")
    return "".join(lines).encode("utf-8")


@dataclass(frozen=True)
class _Cert:
    key: rsa.RSAPublicKey
    not_before: dt.datetime
    not_after: dt.datetime


class CertificateCache:
    """Signing certificates by URL (SNS uses one for months), least recently used dropped."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[str, _Cert] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str) -> _Cert | None:
        with self._lock:
            cert = self._items.get(url)
            if cert is not None:
                self._items.move_to_end(url)
            return cert

    def put(self, url: str, cert: _Cert) -> None:
        with self._lock:
            self._items[url] = cert
            self._items.move_to_end(url)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


certificates = CertificateCache()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead off the allowed host; an SNS endpoint never sends one.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _get(url: str, limit: int) -> bytes:
    # Only URLs that passed Policy.allows get here: the scheme is one the settings allow.
    request = urllib.request.Request(url, headers={"User-Agent": "Tessera SNS endpoint"})  # noqa: S310
    try:
        with _opener.open(request, timeout=FETCH_TIMEOUT) as response:
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        # Amazon's own trouble is worth a retry; a missing page or a refused redirect is not.
        if exc.code >= 500:
            raise Unavailable(f"{url} answered HTTP {exc.code}") from None
        raise Rejected(f"{url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise Unavailable(f"cannot fetch {url}: {exc}") from None
    if len(data) > limit:
        raise Rejected(f"{url} sent more than {limit} bytes")
    return data


def _load_certificate(url: str, policy: Policy) -> _Cert:
    cached = certificates.get(url)
    if cached is not None:
        return cached
    parts = urlsplit(url)
    if not policy.allows(url) or not parts.path.endswith(".pem") or parts.query or parts.fragment:
        raise Rejected(
            f"signing certificate URL {url[:200]!r} is not an Amazon SNS certificate URL"
        )
    pem = _get(url, MAX_CERT_BYTES)
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise Rejected(f"{url} does not hold a PEM certificate") from None
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise Rejected(f"the certificate at {url} has no RSA key")
    loaded = _Cert(
        key=key, not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc
    )
    certificates.put(url, loaded)
    return loaded


def verify(message: Mapping[str, str], policy: Policy, *, now: dt.datetime | None = None) -> None:
    """Raise Rejected unless Amazon SNS signed this message (Unavailable: try again later)."""
    version = message.get("SignatureVersion", "")
    digest = _DIGESTS.get(version)
    if digest is None:
        raise Rejected(f"unsupported SignatureVersion {version[:20]!r}")
    try:
        signature = base64.b64decode(message.get("Signature", ""), validate=True)
    except (binascii.Error, ValueError):
        raise Rejected("the Signature is not base64") from None
    if not signature:
        raise Rejected("the message is not signed")
    signed = string_to_sign(message)
    cert = _load_certificate(message.get("SigningCertURL", ""), policy)
    moment = now or dt.datetime.now(dt.UTC)
    if not cert.not_before <= moment <= cert.not_after:
        raise Rejected("the signing certificate is not valid now")
    try:
        cert.key.verify(signature, signed, padding.PKCS1v15(), digest())
    except InvalidSignature:
        raise Rejected("the signature does not match the message") from None


def topic_allowed(message: Mapping[str, str], topics: Sequence[str]) -> bool:
    return not topics or message.get("TopicArn", "") in topics


def confirm_subscription(message: Mapping[str, str], policy: Policy) -> None:
    """Visit the SubscribeURL of a verified SubscriptionConfirmation, as AWS asks."""
    url = message.get("SubscribeURL", "")
    if not policy.allows(url):
        raise Rejected(f"SubscribeURL {url[:200]!r} is not on an Amazon SNS host")
    _get(url, MAX_CERT_BYTES)
    logger.info("confirmed the SNS subscription to %s", message.get("TopicArn", ""))
