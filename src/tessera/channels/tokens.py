"""Signed reply tokens: proof that a mail answers one of our messages about a given ticket.

A token is ``<number>-<signature>``, where the signature is a truncated HMAC-SHA256 of the
ticket number under ``SECRET_KEY``. It travels in the Message-ID of every mail we send
(``<tessera.<number>.<signature>.<random>@REPLY_DOMAIN>``, so the customer's client echoes it
back in In-Reply-To/References) and in the Reply-To address (``support+<number>-<signature>@…``).

Only someone who received our mail knows it: a stranger cannot produce a valid signature for a
ticket number seen in a subject line. The signature is lower-case base32 because mail servers
may lower-case local parts, and short (60 bits) because it sits in an address people see.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from django.conf import settings

_SIG_CHARS = 12  # 12 base32 characters = 60 bits: far beyond guessing by mail.
_ADDRESS_TOKEN = re.compile(r"\+(\d{1,18})-([a-z2-7]{" + str(_SIG_CHARS) + r"})@", re.IGNORECASE)
_MESSAGE_ID_TOKEN = re.compile(r"(?:^|<)tessera\.(\d{1,18})\.([a-z2-7]{" + str(_SIG_CHARS) + r"})\.", re.IGNORECASE)


def _signature(number: int) -> str:
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, f"tessera-reply-token:{number}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:_SIG_CHARS]


def ticket_token(number: int) -> str:
    return f"{number}-{_signature(number)}"


def _verified(number_text: str, signature: str) -> int | None:
    number = int(number_text)
    if hmac.compare_digest(_signature(number), signature.lower()):
        return number
    return None


def reply_address(address: str, number: int) -> str:
    """``support@example.com`` → ``support+<token>@example.com``."""
    local, _, domain = address.rpartition("@")
    local = local.split("+", 1)[0]
    return f"{local}+{ticket_token(number)}@{domain}"


def message_id_part(number: int) -> str:
    """The leading part of a Message-ID we generate for a ticket (the caller adds randomness)."""
    return f"tessera.{number}.{_signature(number)}"


def number_from_address(address: str) -> int | None:
    """The ticket number a ``local+<token>@domain`` address proves, or None (absent or forged)."""
    match = _ADDRESS_TOKEN.search(address)
    return _verified(match.group(1), match.group(2)) if match else None


def number_from_message_id(message_id: str) -> int | None:
    """The ticket number one of our own Message-IDs proves, or None (not ours, or forged)."""
    match = _MESSAGE_ID_TOKEN.search(message_id.strip())
    return _verified(match.group(1), match.group(2)) if match else None
