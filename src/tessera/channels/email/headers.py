"""Header values as text: RFC 2047 encoded words (well-formed or not), raw 8-bit bytes, addresses."""

from __future__ import annotations

import base64
import binascii
import re
from email.utils import getaddresses

from tessera.channels.email.charsets import decode_bytes, has_raw_bytes, reencode_surrogates

# Deliberately looser than RFC 2047: encoded words glued to neighbours, inside quoted strings,
# or carrying spaces in Q text are all produced by real clients.
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?([QqBb])\?(.*?)\?=", re.DOTALL)
_FOLD = re.compile(r"\r?\n[ \t]*")


def _decode_payload(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "Bb":
            cleaned = re.sub(r"[^A-Za-z0-9+/=_-]", "", payload).rstrip("=")
            cleaned = cleaned.replace("-", "+").replace("_", "/")
            cleaned += "=" * (-len(cleaned) % 4)
            if len(cleaned) % 4 == 1:  # A lone trailing character cannot be decoded: drop it.
                cleaned = cleaned[:-1].rstrip("=")
                cleaned += "=" * (-len(cleaned) % 4)
            return base64.b64decode(cleaned)
        raw = payload.replace("_", " ").encode("latin-1", errors="replace")
        return binascii.a2b_qp(raw)
    except (binascii.Error, ValueError):
        return None


def _plain(segment: str) -> str:
    if has_raw_bytes(segment):
        return decode_bytes(reencode_surrogates(segment), "utf-8")[0]
    return segment


def decode_header_value(value: str | None) -> str:
    """Decode a header to text. Never raises; unknown charsets fall back to detection."""
    if not value:
        return ""
    value = str(value)
    value = _FOLD.sub(" ", value)
    out: list[str] = []
    pending: bytes = b""
    pending_charset: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_bytes(pending, pending_charset)[0])
        pending, pending_charset = b"", None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        decoded = _decode_payload(match.group(2), match.group(3))
        if decoded is None:
            continue  # Leave the malformed word in place as literal text.
        charset = match.group(1)
        # Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        if between.strip() or not pending:
            flush()
            out.append(_plain(between))
        if pending and charset.lower() != (pending_charset or "").lower():
            flush()
        # Same-charset neighbours are joined as bytes first: clients split multi-byte
        # characters across words.
        pending += decoded
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(_plain(value[pos:]))
    text = "".join(out)
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text).strip()


def decode_param_value(value: str | tuple[str | None, str | None, str] | None) -> str:
    """A MIME parameter (filename, name) to text, covering RFC 2231 and RFC 2047 forms."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        charset, _lang, text = value
        try:
            raw = text.encode("latin-1")
        except UnicodeEncodeError:
            raw = reencode_surrogates(text)
        return decode_header_value(decode_bytes(raw, charset or "utf-8")[0])
    return decode_header_value(value)


def parse_addresses(value: str | None) -> list[tuple[str, str]]:
    """(display name, address) pairs; names decoded, addresses lower-cased only in the domain."""
    if not value:
        return []
    unfolded = _FOLD.sub(" ", str(value))
    if has_raw_bytes(unfolded):
        unfolded = decode_bytes(reencode_surrogates(unfolded), "utf-8")[0]
    try:
        pairs = getaddresses([unfolded])
    except Exception:
        pairs = []
    if not pairs or any(p == ("", "") for p in pairs):
        try:
            pairs = getaddresses([unfolded], strict=False)
        except Exception:
            pairs = []
    result: list[tuple[str, str]] = []
    for name, address in pairs:
        address = address.strip().strip("<>").strip()
        name = decode_header_value(name).strip().strip('"').strip()
        if not address and not name:
            continue
        if "@" in address:
            local, _, domain = address.rpartition("@")
            address = f"{local}@{domain.lower()}"
        result.append((name, address))
    return result
