"""``tessera email parse FILE``: show how Tessera reads one raw mail, as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tessera.channels.email.parser import EmailParseError, ParsedEmail, parse_email


def as_json(parsed: ParsedEmail) -> dict[str, Any]:
    def pairs(values: list[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"address": address, "name": name} for name, address in values]

    return {
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "from": {"address": parsed.from_address, "name": parsed.from_name},
        "to": pairs(parsed.to),
        "cc": pairs(parsed.cc),
        "subject": parsed.subject,
        "date": parsed.date.isoformat() if parsed.date else None,
        "kind": parsed.kind,
        "text": parsed.text,
        "reply_text": parsed.reply_text,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in parsed.attachments
        ],
        "bounced_recipients": [
            {"address": r.address, "status": r.status, "action": r.action, "temporary": r.temporary}
            for r in parsed.bounced_recipients
        ],
        # The original inside a forwarded mail; null when the mail forwards nothing.
        "forwarded": (
            {
                "from": {"address": forwarded.from_address, "name": forwarded.from_name},
                "to": pairs(forwarded.to),
                "cc": pairs(forwarded.cc),
                "subject": forwarded.subject,
                "date": forwarded.date,
            }
            if (forwarded := parsed.forwarded) is not None
            else None
        ),
    }


class Command(BaseCommand):
    help = "Parse one raw RFC 822 mail (a file, or - for standard input) and print it as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to an .eml file, or - to read standard input")
        parser.add_argument(
            "--max-bytes", type=int, default=None, help="refuse mail larger than this"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["file"]
        try:
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {name}: {exc.strerror}") from exc
        try:
            parsed = parse_email(raw, max_bytes=options["max_bytes"])
        except EmailParseError as exc:
            self.stdout.write(json.dumps({"error": exc.reason}, ensure_ascii=False))
            # SystemExit rather than CommandError: the promised output is JSON, not a message.
            raise SystemExit(1) from exc
        self.stdout.write(json.dumps(as_json(parsed), ensure_ascii=False, indent=2))
