"""Decoding MIME leaf payloads, tolerating the transfer encodings real software writes."""

from __future__ import annotations

import binascii
import quopri
import re
from email.message import Message


def part_bytes(part: Message) -> bytes:
    """A leaf part's decoded payload; unknown or misspelt transfer encodings are tolerated."""
    # The raw payload, not get_payload(): for 8-bit bodies the stdlib swaps undecodable bytes
    # for U+FFFD using the declared charset before we can try a better one.
    payload = getattr(part, "_payload", None)
    if payload is None:
        return b""
    if isinstance(payload, list):
        return b""
    if not isinstance(payload, str):
        payload = str(payload)
    try:
        raw = payload.encode("ascii", errors="surrogateescape")
    except UnicodeEncodeError:
        raw = payload.encode("utf-8", errors="surrogateescape")
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if "base64" in cte:
        return _b64(raw)
    if "quoted" in cte:
        return quopri.decodestring(raw)
    if "uu" in cte:
        decoded = uudecode_lines(raw.decode("latin-1").splitlines())
        return decoded if decoded is not None else raw
    return raw


def _b64(raw: bytes) -> bytes:
    cleaned = re.sub(rb"[^A-Za-z0-9+/=]", b"", raw)
    try:
        return binascii.a2b_base64(cleaned)
    except binascii.Error:
        body = cleaned.replace(b"=", b"")
        body = body[: len(body) - len(body) % 4] if len(body) % 4 == 1 else body
        body += b"=" * (-len(body) % 4)
        try:
            return binascii.a2b_base64(body)
        except binascii.Error:
            return raw


def uudecode_lines(lines: list[str]) -> bytes | None:
    out = bytearray()
    started = False
    for line in lines:
        if not started:
            if line.startswith("begin "):
                started = True
            continue
        if line.strip() == "end":
            break
        if not line:
            continue
        data = line.encode("latin-1", errors="replace")
        try:
            out += binascii.a2b_uu(data)
        except binascii.Error:
            # Some encoders pad lines with junk; cut to the length the line says it carries.
            size = (((data[0] - 32) & 63) * 4 + 5) // 3
            try:
                out += binascii.a2b_uu(data[:size])
            except binascii.Error:
                return None
    return bytes(out) if started else None


def raw_header(msg: Message, name: str) -> str | None:
    """A header's value as parsed, with 8-bit bytes kept as surrogate escapes.

    ``msg.get`` would hand 8-bit header bytes to the stdlib's own decoder, which turns them into
    U+FFFD; we want the bytes so that our charset chain can read them.
    """
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return value if isinstance(value, str) else str(value)
    return None


def content_type(part: Message) -> str:
    """The part's media type, even when the header lost the ``;`` before its parameters
    ("text/plain<newline> charset=…" comes out of the stdlib as one long type)."""
    declared = part.get_content_type()
    first = declared.split(None, 1)[0] if declared.strip() else ""
    return first if "/" in first else "text/plain"
