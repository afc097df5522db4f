"""Inbound mail for the email-ingestion workload, built as the bytes a mail server hands over. Pure.

A batch is half new conversations and half replies. Most replies answer a new message of the same
batch (``In-Reply-To`` and ``References`` carry its Message-ID, always from the same sender, as a
customer answering their own thread), the rest answer conversations that already exist in the
generated data. Replies come well after their parent in the batch, as they would in a mailbox,
so a worker taking jobs in order has created the parent's ticket before it reads the reply.

The mail looks like what desks receive: multipart/alternative from webmail, plain text from
older clients, a few attachments; text in English, Vietnamese, Thai and Polish; and a share of
the legacy charsets still sent by Outlook and local mail software (windows-1258 with Vietnamese
tone marks as combining characters, tis-620, iso-8859-2), each declared in the headers.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr
from html import escape

from bench import text

# Per language: (charset, weight). Real mail in these languages still arrives in the legacy
# single-byte charsets from Outlook and local webmail, a minority next to UTF-8.
CHARSETS: dict[str, tuple[tuple[str, int], ...]] = {
    "en": (("utf-8", 100),),
    "vi": (("utf-8", 70), ("windows-1258", 30)),
    "th": (("utf-8", 70), ("tis-620", 30)),
    "pl": (("utf-8", 60), ("iso-8859-2", 40)),
}
GREETING = {"en": "Hello,", "vi": "Xin chào,", "th": "สวัสดีค่ะ", "pl": "Dzień dobry,"}
SIGN_OFF = {"en": "Thanks,", "vi": "Cảm ơn,", "th": "ขอบคุณค่ะ", "pl": "Pozdrawiam,"}
QUOTE_INTRO = {
    "en": "On {date}, {name} wrote:",
    "vi": "Vào {date}, {name} đã viết:",
    "th": "เมื่อ {date} {name} เขียนว่า:",
    "pl": "W dniu {date} {name} napisał(a):",
}
FOLLOW_UP = {
    "en": ["Any news on this?", "It happened again today.", "Here is the screenshot you asked for."],
    "vi": ["Có tin gì mới không ạ?", "Hôm nay lại bị lỗi như vậy.", "Tôi gửi ảnh chụp màn hình như anh chị yêu cầu."],
    "th": ["มีความคืบหน้าหรือยังคะ", "วันนี้เกิดขึ้นอีกแล้ว", "ส่งภาพหน้าจอตามที่ขอมาแล้วค่ะ"],
    "pl": ["Czy jest coś nowego w tej sprawie?", "Dziś znowu się to stało.", "Przesyłam zrzut ekranu, o który Państwo prosili."],
}
SUPPORT_ADDRESS = "support@example.com"
MIN_REPLY_GAP = 30  # batch positions between a message and a reply to it, at least
REPLY_TO_DATA_SHARE = 0.2  # of the replies: answers to conversations in the generated data
# The MIME classes and Header belong to the compat32 API; CRLF line ends as on the wire.
_CRLF = compat32.clone(linesep="\r\n")


def cp1258_text(value: str) -> str:
    """``value`` in the form windows-1258 can carry: tone marks as combining characters.

    windows-1258 has the Vietnamese letters with a shape mark (â ê ô ơ ư ă đ) and a few with a
    tone, and five combining tone marks; Outlook writes every other toned letter as a letter
    plus a combining mark. NFC of the result gives ``value`` back.
    """
    out: list[str] = []
    for char in value:
        if _encodes(char, "cp1258"):
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        rest: list[str] = []
        for mark in marks:
            composed = unicodedata.normalize("NFC", base + mark)
            if len(composed) == 1 and _encodes(composed, "cp1258"):
                base = composed
            else:
                rest.append(mark)
        piece = base + "".join(rest)
        if not _encodes(piece, "cp1258"):
            raise ValueError(f"{char!r} cannot be written in windows-1258")
        out.append(piece)
    return "".join(out)


def _encodes(value: str, codec: str) -> bool:
    try:
        value.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def for_charset(value: str, charset: str) -> str:
    """The text as that charset's senders write it (only windows-1258 changes its form)."""
    return cp1258_text(value) if charset == "windows-1258" else value


def _charset(name: str) -> Charset:
    cs = Charset(name)
    # UTF-8 goes as base64 (as webmail sends it), the single-byte charsets as quoted-printable.
    cs.header_encoding = BASE64 if name == "utf-8" else QP
    cs.body_encoding = BASE64 if name == "utf-8" else QP
    return cs


@dataclass
class MailSpec:
    """One message to build: who, what, and how it is encoded."""

    from_name: str
    from_address: str
    subject: str
    body: str
    message_id: str
    date: datetime
    charset: str = "utf-8"
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    html: bool = False
    attachment: bytes = b""


def build(spec: MailSpec) -> bytes:
    """The message as bytes with CRLF line ends, as an MTA delivers it."""
    cs = _charset(spec.charset)
    body = for_charset(spec.body, spec.charset)
    plain = MIMEText(body, "plain", cs)  # type: ignore[arg-type]
    part = plain
    if spec.html:
        paragraphs = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in body.split("\n\n"))
        html = MIMEText(f"<html><body>{paragraphs}</body></html>", "html", cs)  # type: ignore[arg-type]
        alternative = MIMEMultipart("alternative")
        alternative.attach(plain)
        alternative.attach(html)
        part = alternative  # type: ignore[assignment]
    if spec.attachment:
        mixed = MIMEMultipart("mixed")
        mixed.attach(part)
        file = MIMEApplication(spec.attachment, "octet-stream")
        file.add_header("Content-Disposition", "attachment", filename="log.txt")
        mixed.attach(file)
        part = mixed  # type: ignore[assignment]
    part["From"] = formataddr((for_charset(spec.from_name, spec.charset), spec.from_address), cs)
    part["To"] = SUPPORT_ADDRESS
    # compat32 takes a Header as a header value: it writes the encoded words itself.
    part["Subject"] = Header(for_charset(spec.subject, spec.charset), cs, header_name="Subject")  # type: ignore[assignment]
    part["Date"] = format_datetime(spec.date)
    part["Message-ID"] = spec.message_id
    if spec.in_reply_to:
        part["In-Reply-To"] = spec.in_reply_to
    if spec.references:
        part["References"] = " ".join(spec.references)
    return part.as_bytes(policy=_CRLF)


@dataclass(frozen=True)
class Sender:
    address: str
    name: str
    language: str


@dataclass(frozen=True)
class DataThread:
    """A conversation already in the database that a customer answers by mail."""

    ticket_id: int
    sender: Sender
    subject: str
    message_ids: tuple[str, ...]  # oldest first


@dataclass
class Planned:
    """One message of a batch, with what it must thread to."""

    raw: bytes
    message_id: str
    kind: str  # "new", "reply" (to a message of the batch), "reply_data"
    parent: str = ""  # Message-ID of the batch message a "reply" answers
    expected_ticket: int | None = None  # for "reply_data"
    charset: str = "utf-8"
    language: str = "en"
    key: float = 0.0


def _body(rng: random.Random, language: str, name: str) -> str:
    sentences = rng.sample(text.SENTENCES[language], rng.randint(2, 4))
    return f"{GREETING[language]}\n\n{' '.join(sentences)}\n\n{SIGN_OFF[language]}\n{name}\n"


def _reply_body(rng: random.Random, language: str, name: str, quoted: str, when: datetime) -> str:
    said = " ".join([rng.choice(FOLLOW_UP[language]), *rng.sample(text.SENTENCES[language], rng.randint(0, 2))])
    intro = QUOTE_INTRO[language].format(date=when.strftime("%Y-%m-%d %H:%M"), name=name)
    quote = "\n".join("> " + line if line else ">" for line in quoted.strip().splitlines())
    return f"{said}\n\n{name}\n\n{intro}\n{quote}\n"


def _shape(rng: random.Random) -> tuple[bool, bytes]:
    """(html alternative?, attachment): webmail sends both parts; a few mails carry a file."""
    roll = rng.random()
    attachment = b""
    if roll < 0.05:
        attachment = ("\n".join(f"2026-11-22 10:{i % 60:02d}:00 ERROR timeout after 30s (request {i})"
                              for i in range(40))).encode()
    return roll < 0.65, attachment


def plan_batch(
    rng: random.Random,
    k: int,
    tag: str,
    senders: list[Sender],
    data_threads: list[DataThread],
    *,
    new_sender_share: float = 0.4,
    start: datetime | None = None,
) -> list[Planned]:
    """``k`` messages in arrival order: ``k // 2`` new, the rest replies.

    ``senders`` are existing contacts (a share of new messages comes from addresses the desk
    has never seen instead). Replies to the generated data use ``data_threads`` in order,
    one each; the others answer distinct new messages of this batch.
    """
    start = start or datetime.now(UTC)
    n_new = k // 2
    n_replies = k - n_new
    n_data = min(len(data_threads), round(n_replies * REPLY_TO_DATA_SHARE))
    n_batch = n_replies - n_data
    # A reply's parent has at least MIN_REPLY_GAP new messages after it, so the gap holds in
    # the tail of the batch too, where only replies are left.
    answerable = n_new - MIN_REPLY_GAP
    if n_batch > answerable:
        raise ValueError(f"{n_batch} replies to the batch, but only {answerable} new messages have room after them")
    weights = dict(zip(text.LANGUAGES, text.LANGUAGE_WEIGHTS, strict=True))
    subjects = {lang: text.subject_pool(rng, lang, 100) for lang in text.LANGUAGES}
    planned: list[Planned] = []
    news: list[tuple[Planned, Sender, str, str]] = []
    for i in range(n_new):
        if senders and rng.random() >= new_sender_share:
            sender = rng.choice(senders)
        else:
            language = rng.choices(list(weights), list(weights.values()))[0]
            sender = Sender(f"new-{tag}-{i}@mail.example.net", text.person_name(rng, language), language)
        language = sender.language
        charset = _pick_charset(rng, language)
        subject = rng.choice(subjects[language])
        body = _body(rng, language, sender.name)
        html, attachment = _shape(rng)
        mid = f"<new-{tag}-{i}@mail.example.org>"
        raw = build(MailSpec(sender.name, sender.address, subject, body, mid, start + timedelta(seconds=i),
                             charset, html=html, attachment=attachment))
        item = Planned(raw, mid, "new", charset=charset, language=language, key=float(i))
        planned.append(item)
        news.append((item, sender, subject, body))
    for j, parent_index in enumerate(sorted(rng.sample(range(answerable), n_batch))):
        parent, sender, subject, body = news[parent_index]
        charset = _pick_charset(rng, sender.language)
        mid = f"<reply-{tag}-{j}@mail.example.org>"
        when = start + timedelta(seconds=parent_index)
        reply = _reply_body(rng, sender.language, sender.name, body, when)
        html, attachment = _shape(rng)
        raw = build(MailSpec(sender.name, sender.address, "Re: " + subject, reply, mid,
                             when + timedelta(minutes=30), charset, in_reply_to=parent.message_id,
                             references=[parent.message_id], html=html, attachment=attachment))
        key = parent_index + rng.uniform(MIN_REPLY_GAP, 4 * MIN_REPLY_GAP)
        planned.append(Planned(raw, mid, "reply", parent=parent.message_id, charset=charset,
                               language=sender.language, key=key))
    for j, thread in enumerate(data_threads[:n_data]):
        sender = thread.sender
        charset = _pick_charset(rng, sender.language)
        mid = f"<reply-data-{tag}-{j}@mail.example.org>"
        reply = _reply_body(rng, sender.language, sender.name, rng.choice(text.SENTENCES[sender.language]), start)
        raw = build(MailSpec(sender.name, sender.address, "Re: " + thread.subject, reply, mid, start, charset,
                             in_reply_to=thread.message_ids[-1], references=list(thread.message_ids)))
        planned.append(Planned(raw, mid, "reply_data", expected_ticket=thread.ticket_id, charset=charset,
                               language=sender.language, key=rng.uniform(0, n_new)))
    planned.sort(key=lambda p: p.key)
    return planned


def _pick_charset(rng: random.Random, language: str) -> str:
    names = [name for name, _ in CHARSETS[language]]
    weights = [weight for _, weight in CHARSETS[language]]
    return rng.choices(names, weights)[0]
