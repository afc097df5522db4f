"""Scoring reply extractors against the shared reply/forward corpora (see each SOURCE.md).

Shared by the scoring test and by anyone who wants the numbers from a shell:
``python -m tests.unit.email.reply_corpus``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

Extractor = Callable[..., str]

_DISCOURSE_LANGS = (
    "german",
    "russian",
    "polish",
    "dutch",
    "french",
    "spanish",
    "chinese",
    "italian",
    "norwegian",
    "portuguese",
    "swedish",
    "ukrainian",
)


@dataclass
class Score:
    passed: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)
    by_language: dict[str, list[int]] = field(default_factory=dict)

    def add(self, name: str, ok: bool, language: str = "en") -> None:
        self.total += 1
        self.passed += ok
        counts = self.by_language.setdefault(language, [0, 0])
        counts[0] += ok
        counts[1] += 1
        if not ok:
            self.failures.append(name)

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def _norm_lines(text: str) -> str:
    """Trailing whitespace per line removed, then the whole stripped (SOURCE.md of crisp)."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def _norm_both_sides(text: str) -> str:
    """Leading and trailing whitespace per line removed (SOURCE.md of mail-parser-reply)."""
    return "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def score_discourse(root: Path, extract: Extractor) -> Score:
    score = Score()
    folder = root / "replies-discourse-trimmer"
    for path in sorted((folder / "emails").glob("*.txt")):
        expected_path = folder / "trimmed" / path.name
        if not expected_path.exists():
            continue
        language = next((lang for lang in _DISCOURSE_LANGS if lang in path.stem), "en")
        got = extract(_read(path)).strip()
        score.add(path.name, got == _read(expected_path).strip(), language)
    return score


def score_crisp(root: Path, extract: Extractor) -> Score:
    score = Score()
    folder = root / "replies-crisp-reply-parser"
    entries = json.loads((folder / "expected.json").read_text())["entries"]
    for entry in entries:
        expected = entry.get(
            "first_fragment_trimmed",
            entry.get("first_fragment_exact", entry.get("visible_text_exact")),
        )
        if expected is None:
            continue
        got = extract(_read(folder / entry["fixture"]))
        score.add(
            f"{entry['fixture']} ({entry['test_name']})",
            _norm_lines(got) == _norm_lines(expected),
            entry.get("language", "en"),
        )
    return score


def _check(op: str, actual: str, value: str) -> bool:
    actual, value = _norm_both_sides(actual), _norm_both_sides(value)
    if op == "equals":
        return actual == value
    if op == "contains":
        return value in actual
    if op == "not_contains":
        return value not in actual
    if op == "startswith":
        return actual.startswith(value)
    raise ValueError(op)


def score_mail_parser_reply(root: Path, extract: Extractor) -> Score:
    """Entries with checks on the newest reply's visible body; all of them must hold."""
    score = Score()
    folder = root / "replies-mail-parser-reply"
    entries = json.loads((folder / "expected.json").read_text())["entries"]
    for entry in entries:
        checks = [
            c for c in entry.get("checks", []) if c.get("reply") == 0 and c.get("field") == "body"
        ]
        if not checks:
            continue
        got = extract(_read(folder / entry["email"]))
        ok = all(_check(c["op"], got, c["value"]) for c in checks)
        language = next((lang for lang in entry["languages"] if lang != "en"), "en")
        score.add(f"{entry['email']} ({entry['test_name']})", ok, language)
    return score


def _plain_part(raw: bytes) -> str:
    msg = message_from_bytes(raw, policy=default_policy)
    body = msg.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""  # type: ignore[attr-defined]


def score_talon(root: Path, extract: Extractor, html_to_text: Callable[[str], str]) -> Score:
    score = Score()
    folder = root / "replies-talon"
    entries = json.loads((folder / "expected.json").read_text())["entries"]
    for entry in entries:
        path = folder / entry["file"]
        if entry["file"].startswith("standard_replies/"):
            got = extract(_plain_part(path.read_bytes()))
            score.add(entry["file"], got.strip() == entry["expected_reply"].strip())
        elif entry["file"].startswith("html_replies/"):
            html = _read(path)
            got = extract(html_to_text(html), html=html)
            squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
            score.add(entry["file"], squash(got) == squash(entry["expected_reply"]))
    return score


_MESSAGE_GROUPS = (
    "common",
    "variant 2",
    "variant 8",
    "variant 9",
    "variant 10",
    "variant 13",
    "variant 14",
    "variant 15",
)


def score_forwards(root: Path, extract: Extractor) -> Score:
    """The text the forwarder wrote above the forwarded mail (empty when they wrote nothing)."""
    score = Score()
    folder = root / "forwards-crisp-forward-parser"
    data = json.loads((folder / "expected.json").read_text())
    message = data["constants"]["MESSAGE"]
    for group in data["groups"]:
        name = group["group"]
        if not any(name == g or name.startswith(g + " ") for g in _MESSAGE_GROUPS):
            continue
        expected = "" if name.startswith("common") else message
        for entry in group["entries"]:
            got = extract(_read(folder / entry["body"]))
            found = re.search(r"_([a-z]{2}(?:_br)?)_body", entry["body"])
            language = found.group(1) if found else "unlabelled"
            score.add(entry["body"], _norm_lines(got) == _norm_lines(expected), language)
    return score


def score_everything(
    root: Path, extract: Extractor, html_to_text: Callable[[str], str]
) -> dict[str, Score]:
    return {
        "replies-discourse-trimmer": score_discourse(root, extract),
        "replies-crisp-reply-parser": score_crisp(root, extract),
        "replies-mail-parser-reply": score_mail_parser_reply(root, extract),
        "replies-talon": score_talon(root, extract, html_to_text),
        "forwards-crisp-forward-parser": score_forwards(root, extract),
    }


def baseline_extractor(field_name: str = "body") -> Extractor:
    """mail-parser-reply used alone, every language it knows switched on."""
    from mailparser_reply import EmailReplyParser
    from mailparser_reply.constants import MAIL_LANGUAGES

    languages = [lang for lang in MAIL_LANGUAGES if lang != "david"]

    def extract(text: str, *, html: str | None = None) -> str:
        message = EmailReplyParser(languages=list(languages)).read(text)
        if not message.replies:
            return ""
        return str(getattr(message.replies[0], field_name))

    return extract


if __name__ == "__main__":  # pragma: no cover - a manual report
    import sys

    from tessera.channels.email.parser import html_to_text
    from tessera.channels.email.replies import extract_reply

    root = Path(__file__).resolve().parents[4] / "shared" / "data"
    for label, fn in (
        ("ours", extract_reply),
        ("mpr body", baseline_extractor("body")),
        ("mpr content", baseline_extractor("content")),
    ):
        for name, s in score_everything(root, fn, html_to_text).items():
            print(
                f"{label:12} {name:32} {s.passed:4}/{s.total:<4} {s.rate:6.1%}  {dict(sorted(s.by_language.items()))}"
            )
            if label == "ours" and "-v" in sys.argv:
                print("   failures:", s.failures)
