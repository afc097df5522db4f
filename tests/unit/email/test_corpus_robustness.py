"""Every mail of every raw corpus parses, and decoding never invents U+FFFD."""

from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from pathlib import Path

import pytest

from tessera.channels.email.mime import part_bytes, raw_header
from tessera.channels.email.parser import EmailParseError, parse_email

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

_NOT_MAIL = {
    "SOURCE.md",
    "LICENSE",
    "LICENSE.txt",
    "NOTICE.txt",
    "COPYING",
    "README.upstream.md",
    "expected.json",
    "labels.csv",
}
REPLACEMENT = "\ufffd".encode()


def _corpus_files(root: Path) -> list[Path]:
    folders = [
        d for d in sorted(root.iterdir()) if d.name.startswith(("eml-", "bounces-", "spam-ham-"))
    ]
    return [
        p for d in folders for p in sorted(d.rglob("*")) if p.is_file() and p.name not in _NOT_MAIL
    ]


def _sources_with_replacement_chars(raw: bytes) -> bool:
    """Whether U+FFFD was already in the mail: in its bytes or in any decoded MIME payload.

    Our decoder never produces U+FFFD (undecodable bytes fall back to a charset that accepts
    them), so a U+FFFD in the output is only legitimate when the sender put one there.
    """
    if REPLACEMENT in raw:
        return True
    msg = message_from_bytes(raw, policy=compat32)
    stack: list[Message] = [msg]
    seen = 0
    while stack and seen < 1000:
        part = stack.pop()
        seen += 1
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))
        elif REPLACEMENT in part_bytes(part):
            return True
        subject = raw_header(part, "subject") or ""
        if "=?" in subject:
            from email.header import decode_header

            for chunk, _charset in decode_header(subject):
                if isinstance(chunk, bytes) and REPLACEMENT in chunk:
                    return True
    return False


def test_every_corpus_mail_parses_without_invented_replacement_chars(shared_data: Path) -> None:
    files = _corpus_files(shared_data)
    assert len(files) > 7000
    refused: list[tuple[str, str]] = []
    invented: list[str] = []
    for path in files:
        raw = path.read_bytes()
        try:
            parsed = parse_email(raw)
        except EmailParseError as exc:
            refused.append((path.name, exc.reason))
            continue
        if (
            "\ufffd" in parsed.subject or "\ufffd" in parsed.text
        ) and not _sources_with_replacement_chars(raw):
            invented.append(str(path.relative_to(shared_data)))
        for attachment in parsed.attachments:
            assert attachment.size == len(attachment.content)
            if "\ufffd" in attachment.filename and not _sources_with_replacement_chars(raw):
                invented.append(f"{path.relative_to(shared_data)}: {attachment.filename}")
    print(f"\nparsed {len(files)} files; refused {refused}")
    assert invented == []
    assert refused == []
