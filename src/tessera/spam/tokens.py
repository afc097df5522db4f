"""One mail → the set of tokens the spam filter counts. Pure.

Tokens carry a prefix naming where they came from (``subj:``, ``from:``, ``url:``, ``hdr:``,
``html:``), because "free" in a subject and "free" in a mailing-list footer are different
evidence. Body words of spaced scripts are folded the way search folds them (case, Latin
accents), so "Hoàn tiền" and "hoan tien" count as one. Thai, Lao, Khmer, Myanmar and CJK are
written without spaces between words: a run of them gives character bigrams, which need no
dictionary and still catch "คืนเงิน" inside a longer run.

The count is bounded: a hostile mail of a megabyte of words costs the same as a long letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tessera.channels.email.parser import ParsedEmail
from tessera.search.text import fold_for_search

MAX_TOKENS = 1500
MAX_TEXT_CHARS = 60_000
MIN_WORD = 3
MAX_WORD = 20

# Scripts written without spaces between words.
_UNSPACED = "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"([{_UNSPACED}]+)|([^\W_](?:[\w'$%@.-]*[^\W_$%])?[$%]?)")
_URL = re.compile(r"(?:https?://|\bwww\.)([^\s/\"'<>()\[\]?#]+)", re.IGNORECASE)
_HREF = re.compile(r"""href\s*=\s*["']?([^\s"'<>]+)""", re.IGNORECASE)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_DIGITS = re.compile(r"\d")

# Headers whose value says which software or list sent the mail. Spam-filter verdicts of other
# servers (X-Spam-*) are left out on purpose: learning them would make us an echo of another
# filter, and a test corpus scanned by SpamAssassin would leak its labels through them.
_SOFTWARE_HEADERS = ("x-mailer", "user-agent")
_PRESENCE_HEADERS = ("list-id", "list-unsubscribe", "precedence", "auto-submitted", "feedback-id", "x-campaign")


@dataclass(frozen=True)
class MailText:
    """What the filter looks at in one mail; built from a parsed mail or a stored message."""

    subject: str = ""
    text: str = ""
    html: str = ""
    sender: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    attachment_types: tuple[str, ...] = ()


def tokenize(mail: MailText, *, limit: int = MAX_TOKENS) -> list[str]:
    """The distinct tokens of ``mail`` in first-seen order, at most ``limit`` of them."""
    out: dict[str, None] = {}

    def add(tokens: Iterable[str]) -> bool:
        for token in tokens:
            if len(out) >= limit:
                return False
            out.setdefault(token, None)
        return True

    # Short, identifying evidence first, so a cut never loses it.
    add(_sender_tokens(mail.sender))
    add(_header_tokens(mail.headers))
    add(_subject_tokens(mail.subject))
    add(_shape_tokens(mail))
    add(_url_tokens(mail.text[:MAX_TEXT_CHARS], mail.html[:MAX_TEXT_CHARS]))
    add(_word_tokens(mail.text[:MAX_TEXT_CHARS], prefix=""))
    return list(out)


def _sender_tokens(sender: str) -> Iterable[str]:
    address = sender.strip().lower()
    if "@" not in address:
        yield "from:none"
        return
    local, _, domain = address.rpartition("@")
    domain = domain.strip(".>")
    yield f"from:{domain}"
    labels = domain.split(".")
    if len(labels) > 2:
        yield "from:" + ".".join(labels[-2:])
    yield f"from:tld:{labels[-1]}"
    if _DIGITS.search(local) and sum(c.isdigit() for c in local) >= 3:
        yield "from:digits"


def _header_tokens(headers: Mapping[str, str]) -> Iterable[str]:
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in _SOFTWARE_HEADERS:
        value = lowered.get(name, "").strip()
        if value:
            # The product name, not its version: "Microsoft Outlook Express 6.00.2600" and
            # "... 6.00.2800" are one sender program.
            product = re.split(r"[\s/(;]", fold_for_search(value), maxsplit=1)[0][:30]
            yield f"hdr:{name}:{product}"
    for name in _PRESENCE_HEADERS:
        if name in lowered:
            yield f"hdr:{name}"
    language = lowered.get("content-language", "").strip().lower()[:10]
    if language:
        yield f"hdr:lang:{language}"


def _subject_tokens(subject: str) -> Iterable[str]:
    stripped = subject.strip()
    if not stripped:
        yield "subj:empty"
        return
    letters = [c for c in stripped if c.isalpha()]
    if len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        yield "subj:shouting"
    if "!!" in stripped or stripped.count("!") >= 2:
        yield "subj:bangs"
    if "$" in stripped:
        yield "subj:dollar"
    if re.search(r"\s{5,}\S+$", stripped):
        # Random text pushed off the visible end of the subject, a spam signature.
        yield "subj:padded"
    yield from _word_tokens(stripped, prefix="subj:")


def _shape_tokens(mail: MailText) -> Iterable[str]:
    html = mail.html.lower()
    if html:
        yield "html:yes"
        if not mail.text.strip() or len(mail.text) < 0.1 * len(html):
            yield "html:mostly"
        if "<img" in html:
            yield "html:img"
        if "<table" in html:
            yield "html:table"
        if "<form" in html:
            yield "html:form"
    for content_type in mail.attachment_types[:10]:
        yield f"att:{content_type.lower()[:40]}"
    length = len(mail.text)
    yield f"len:{min(length.bit_length(), 18)}"


def _hosts(text: str, html: str) -> Iterable[str]:
    for match in _URL.finditer(text):
        yield match.group(1)
    for match in _HREF.finditer(html):
        target = match.group(1)
        if target.lower().startswith(("http://", "https://")):
            yield urlsplit(target).netloc
        elif target.lower().startswith("mailto:"):
            yield "mailto"


def _url_tokens(text: str, html: str) -> Iterable[str]:
    count = 0
    for raw in _hosts(text, html):
        if raw == "mailto":
            yield "url:mailto"
            continue
        host = raw.rsplit("@", 1)[-1].split(":", 1)[0].strip(".").lower()
        if not host:
            continue
        count += 1
        if count > 50:
            break
        if _IPV4.match(host):
            yield "url:ip"
            continue
        yield f"url:{host[:60]}"
        labels = host.split(".")
        if len(labels) > 2:
            yield "url:" + ".".join(labels[-2:])[:60]
    if count:
        yield f"url:count:{min(count, 10).bit_length()}"


def _word_tokens(text: str, *, prefix: str) -> Iterable[str]:
    folded = fold_for_search(text)
    for match in _RUNS.finditer(folded):
        run, word = match.group(1), match.group(2)
        if run:
            if len(run) == 1:
                yield f"{prefix}{run}"
            for i in range(len(run) - 1):
                yield f"{prefix}{run[i : i + 2]}"
            continue
        word = word.strip(".'-")
        if len(word) < MIN_WORD:
            continue
        if len(word) > MAX_WORD:
            # Very long "words" are hashes, encoded blobs and URLs; what they have in common
            # is their first letter and rough length, not their spelling.
            yield f"{prefix}skip:{word[0]}:{len(word) // 10 * 10}"
            continue
        yield f"{prefix}{word}"


def mail_from_parsed(parsed: ParsedEmail) -> MailText:
    """The filter's view of an inbound mail, straight from the parser."""
    return MailText(
        subject=parsed.subject,
        text=parsed.text,
        html=parsed.html,
        sender=parsed.from_address,
        headers=parsed.headers,
        attachment_types=tuple(a.content_type for a in parsed.attachments),
    )
