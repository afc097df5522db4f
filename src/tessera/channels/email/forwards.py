# Labels and titles are written in the languages mail clients use, Cyrillic and CJK included.
# ruff: noqa: RUF001
"""Who wrote a forwarded mail: the header block a mail client puts above the original.

When a customer or an agent forwards a mail to the support address, the interesting sender is
the one inside: Gmail's "---------- Forwarded message ---------", Outlook's "From: … Sent: …
To: … Subject:" block (often under a line of underscores), Apple Mail's "Begin forwarded
message:", Thunderbird's "-------- Forwarded Message --------", Yahoo's one-line variant, and
their translations (Vietnamese "Thư được chuyển tiếp", Thai "ข้อความที่ส่งต่อ", Polish
"Wiadomość przekazana" with "Od:", "Wysłano:", "Do:", "Temat:", …).

A block under a title that says "forward" is a forward whatever the subject. A bare header
block, an "Original Message" title or an Outlook "On …, X wrote:" line is used for replies
too; it counts as a forward only when the subject carries a forward prefix ("Fwd:", "TR:",
"WG:", "PD:", …) or no subject is known.

Pure: text in, ``Forwarded`` out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_ADDRESS = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"


@dataclass(frozen=True)
class Forwarded:
    """The original mail inside a forward; names and addresses are "" when not given."""

    from_name: str
    from_address: str
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    subject: str = ""
    # As the forwarding client wrote it ("śr., 27 paź 2021 o 09:31"): localised, not parsed.
    date: str = ""
    body: str = ""
    # What the forwarder wrote above the forwarded mail.
    message: str = ""


# Field labels, by field. A label may belong to one field only.
_LABELS: dict[str, tuple[str, ...]] = {
    "from": (
        "From", "Von", "De", "De la", "de la", "Od", "Van", "Da", "Fra", "Från", "Frá", "Lähettäjä",
        "От", "Від", "Від кого", "Feladó", "Kimden", "Gönderen", "Saatja", "Šalje", "Expeditorul",
        "Отправитель", "Nadawca", "Odesílatel", "Odosielateľ", "Expéditeur", "Remitente", "Mittente",
        "Afzender", "Absender", "Từ", "Người gửi", "จาก", "ผู้ส่ง", "差出人", "送信元", "发件人",
        "寄件者", "寄件人",
    ),
    "to": (
        "To", "An", "À", "A", "Pour", "Para", "Aan", "Til", "Till", "Vastaanottaja", "Кому", "Címzett",
        "Kime", "Komu", "Pre", "Do", "Către", "Destinatarul", "Adresat", "Prima", "Empfänger",
        "Destinataire", "Destinatario", "Đến", "Tới", "Người nhận", "ถึง", "宛先", "送信先", "收件人",
        "收件者",
    ),
    "cc": (
        "Cc", "CC", "Kopie (CC)", "Kopie", "Kopia", "Dw", "DW", "Copie à", "Copie", "Kopio", "Копия", "Копія",
        "Másolat", "Másolatot kap", "Bilgi", "Kópia", "Kopi", "Kopija", "Cópia", "Copia", "Bcc",
        "Bản sao", "CC:", "สำเนา", "抄送", "副本",
    ),
    "subject": (
        "Subject", "Betreff", "Objet", "Sujet", "Asunto", "Oggetto", "Onderwerp", "Emne", "Ämne",
        "Aihe", "Тема", "Tárgy", "Konu", "Předmět", "Predmet", "Temat", "Subiect", "Subiectul",
        "Assunto", "Naslov", "Teema", "Chủ đề", "Tiêu đề", "เรื่อง", "件名", "主题", "主旨",
    ),
    "date": (
        "Date", "Sent", "Datum", "Gesendet", "Envoyé", "Envoyé le", "Date d'envoi", "Fecha", "Enviado",
        "Enviada", "Data", "Inviato", "Verzonden", "Sendt", "Skickat", "Skickades", "Lähetetty",
        "Päivämäärä", "Päiväys", "Дата", "Отправлено", "Надіслано", "Dátum", "Elküldve", "Tarih",
        "Gönderildi", "Gönderilen", "Відправлено", "Odesláno", "Odoslané", "Wysłano", "Wysłane", "Trimis", "Dată", "Poslano",
        "Saadetud", "Kuupäev", "Dato", "Ngày", "Đã gửi", "Gửi", "Gửi lúc", "Thời gian", "วันที่",
        "ส่ง", "送信日時", "日付", "发送时间", "日期", "寄件日期",
    ),
    "reply_to": ("Reply-To", "Reply to", "Antwort an", "Répondre à", "Responder a", "Odpowiedz do"),
}
_FIELD_OF = {label.lower(): name for name, labels in _LABELS.items() for label in labels}
_LABEL_ALTERNATION = "|".join(
    re.escape(label) for label in sorted(_FIELD_OF, key=len, reverse=True)
)
# "From: x", "*From:* x", "> From: x", "Subject: \tx", "De : x" (French puts a no-break space
# before the colon).
_SP = "[ \\t\u00a0\u202f]"
_LABEL_LINE = re.compile(
    rf"^{_SP}*\**{_SP}*({_LABEL_ALTERNATION}){_SP}*\**{_SP}*[:：]{_SP}*\**{_SP}*(.*?){_SP}*$",
    re.IGNORECASE,
)

# Stems of "forward" in the languages of the titles clients write above a forwarded mail.
_FORWARD_WORDS = re.compile(
    r"forward|weitergeleitet|transf[ée]r|réexpédi|transmis|reenviad|inoltrat|doorgestuurd|"
    r"przekaz|przesłan|encaminhad|reencaminhad|vidarebefordr|videresend|edelleenl|välitet|"
    r"továbbít|přepos|prepos|proslij|redirec|iletil|İletil|İleti|ileti başlangıcı|пересл|перенаправ|"
    r"пересила|пересыла|переадрес|転送|chuyển tiếp|ส่งต่อ|转发|轉寄|fwd",
    re.IGNORECASE,
)
_ORIGINAL_WORDS = re.compile(
    r"original|ursprüngliche|d'origine|oorspronkelijk|oryginaln|oprindelig|opprinnelig|"
    r"ursprungligt|alkuperäinen|исходное|původní|pôvodná|eredeti|gốc|ต้นฉบับ|原始|元の",
    re.IGNORECASE,
)
_DASHED_TITLE = re.compile(r"^[ \t]*[-_=]{2,}[ \t]*(.*?)[ \t]*[-_=]{2,}[ \t]*(.*)$")
_RULE = re.compile(r"^[ \t]*_{10,}[ \t]*$")
_INTRO = re.compile(r"^[ \t]*([^\d:<>@][^:<>@]{2,70}?)[ \t]*[:：][ \t]*$")
_QUOTE = re.compile(r"^[ \t]*>[ \t]?")
_FORWARD_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:fwd?|fw|tr|wg|pd|rv|enc|i|vs|vl|vb|videresend|redir\.?|doorst|"
    r"İLT|ilt|ilet|přeposl|továbbítás|пересл|転送|转发|chuyển tiếp|ส่งต่อ)\s*[:：]",
    re.IGNORECASE,
)
# Outlook's "On 28/10/2021 12:46, "John Doe" <john@…> wrote:" in its many languages.
_WROTE = re.compile(
    r"(?:wrote|schrieb|a écrit|escribió|ha scritto|escreveu|geschreven|skrev|kirjoitti|napsal|"
    r"napísal|napisał|napisala|napisao|написал|написала|написав|ezt írta|yazdı|a scris|"
    r"đã viết|เขียน|写道|寫道)",
    re.IGNORECASE,
)
_DATE_IN_LINE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}(?:,?\s+\d{1,2}[:.]\d{2})?")


def has_forward_prefix(subject: str) -> bool:
    return _FORWARD_PREFIX.match(subject or "") is not None


def strip_forward_prefixes(subject: str) -> str:
    while True:
        found = _FORWARD_PREFIX.match(subject)
        if not found:
            return subject.strip()
        subject = subject[found.end() :]


def extract_forward(text: str, subject: str | None = None) -> Forwarded | None:
    """The first forwarded mail in ``text``; ``subject`` is the outer mail's subject (``None``
    when unknown), which decides the ambiguous layouts."""
    # NFC first: Apple clients send "é" decomposed, which no title pattern would match.
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    generic_ok = subject is None or has_forward_prefix(subject)
    for index, line in enumerate(lines[:2000]):
        bare = _QUOTE.sub("", line).strip()
        if not bare or len(bare) > 4000:
            continue
        found = _block_at(lines, index, bare, generic_ok)
        if found is not None:
            return found
        if generic_ok and subject is not None and _WROTE.search(bare) and bare.endswith((":", "：")):
            wrote = _from_wrote_line(lines, index, bare, subject)
            if wrote is not None:
                return wrote
    return None


def _block_at(lines: list[str], index: int, bare: str, generic_ok: bool) -> Forwarded | None:
    quoted = _QUOTE.match(lines[index]) is not None
    title = _DASHED_TITLE.match(bare)
    if title is not None:
        words, rest = title.group(1), title.group(2)
        explicit = bool(_FORWARD_WORDS.search(words))
        if not explicit and not (generic_ok and (_ORIGINAL_WORDS.search(words) or not words)):
            return None
        one_line = _one_line_labels(rest) if rest.strip() else {}
        if one_line:
            # Yahoo writes the whole header block on the title line.
            return _finish(lines, index, index + 1, one_line, quoted)
        return _labels_from(lines, index, index + 1, quoted, require_explicit=False)
    if _RULE.match(bare):
        if not generic_ok:
            return None
        return _labels_from(lines, index, index + 1, quoted, require_explicit=False)
    intro = _INTRO.match(bare)
    if intro is not None and _LABEL_LINE.match(bare) is None:
        if not _FORWARD_WORDS.search(intro.group(1)):
            return None
        return _labels_from(lines, index, index + 1, quoted, require_explicit=False)
    label = _LABEL_LINE.match(bare)
    if label is not None and _FIELD_OF.get(label.group(1).lower()) == "from" and generic_ok:
        return _labels_from(lines, index, index, quoted, require_explicit=True)
    return None


def _labels_from(
    lines: list[str], start: int, first: int, quoted: bool, *, require_explicit: bool
) -> Forwarded | None:
    """Read the label block starting at or a few blank lines after ``first``."""
    position = first
    skipped = 0
    while position < len(lines) and not _QUOTE.sub("", lines[position]).strip():
        position += 1
        skipped += 1
        if skipped > 3:
            return None
    if position >= len(lines):
        return None
    fields: dict[str, str] = {}
    last = ""
    end = position
    quoted = quoted or _QUOTE.match(lines[position]) is not None
    while end < len(lines):
        bare = _QUOTE.sub("", lines[end]).rstrip()
        if not bare.strip():
            break
        label = _LABEL_LINE.match(bare)
        name = _FIELD_OF.get(label.group(1).lower()) if label else None
        if label is not None and name is not None and name not in fields:
            fields[name] = label.group(2).strip().strip("*").strip()
            last = name
        elif last and bare[:1] in (" ", "\t") and last in ("to", "cc"):
            fields[last] += " " + bare.strip()  # A folded address list.
        else:
            break
        end += 1
    if "from" not in fields or len(fields) < 2:
        return None
    if require_explicit and not ({"subject", "date"} & fields.keys()):
        return None
    return _finish(lines, start, end, fields, quoted)


def _one_line_labels(rest: str) -> dict[str, str]:
    """Labels written one after another on a single line: "From: a <x@y>To: b <z@w>Sent: …".

    Yahoo glues each label to the previous value ("…09:26:50 CETSubject: …") and drops the
    colon after some translated labels ("Dw Walter …", "Assunto Integer …").
    """
    marks = []
    for mark in _GLUED_LABEL.finditer(rest):
        before = rest[mark.start() - 1] if mark.start() else " "
        if before.isalpha() and not mark.group(1)[:1].isupper():
            continue  # A label starts a word, or starts with a capital when glued to one.
        if _FIELD_OF.get(mark.group(1).lower()):
            marks.append(mark)
    fields: dict[str, str] = {}
    for number, mark in enumerate(marks):
        name = _FIELD_OF[mark.group(1).lower()]
        end = marks[number + 1].start() if number + 1 < len(marks) else len(rest)
        fields.setdefault(name, rest[mark.end() : end].strip())
    return fields if "from" in fields and len(fields) >= 2 else {}


_GLUED_LABEL = re.compile(
    rf"({_LABEL_ALTERNATION})(?:{_SP}*[:：]|(?<=Dw){_SP}|(?<=Assunto){_SP})", re.IGNORECASE
)


def _finish(
    lines: list[str], start: int, end: int, fields: dict[str, str], quoted: bool
) -> Forwarded:
    senders = parse_address_list(fields.get("from", ""))
    from_name, from_address = senders[0] if senders else ("", "")
    body_lines = lines[end:]
    content = [line for line in body_lines if line.strip()]
    if quoted or (content and sum(1 for c in content if _QUOTE.match(c)) >= 0.8 * len(content)):
        # The forwarded mail was quoted as a whole (Apple Mail, Missive): one level goes.
        body_lines = [_QUOTE.sub("", line, count=1) for line in body_lines]
    return Forwarded(
        from_name=from_name,
        from_address=from_address,
        to=parse_address_list(fields.get("to", "")),
        cc=parse_address_list(fields.get("cc", "")),
        subject=fields.get("subject", ""),
        date=fields.get("date", ""),
        body=_trim_block("\n".join(body_lines)),
        message="\n".join(lines[:start]).strip(),
    )


def _from_wrote_line(lines: list[str], index: int, bare: str, subject: str) -> Forwarded | None:
    address = re.search(rf"[<(]+\s*({_ADDRESS})\s*[)>]+", bare)
    if address is None:
        return None
    before = bare[: address.start()].rstrip()
    quoted_name = re.search(r"[\"“„«']\s*([^\"“”„«»']+?)\s*[\"”“»']\s*$", before)
    if quoted_name:
        name = quoted_name.group(1)
    else:
        words: list[str] = []
        for word in reversed(before.replace(",", " ").split()):
            if not word[:1].isupper() or re.search(r"\d", word):
                break
            words.insert(0, word)
        name = " ".join(words)
    date = _DATE_IN_LINE.search(bare)
    body = [line[4:] if line.startswith("    ") else line.lstrip("\t") for line in lines[index + 1 :]]
    return Forwarded(
        from_name=name,
        from_address=address.group(1),
        subject=strip_forward_prefixes(subject),
        date=date.group(0) if date else "",
        body=_trim_block("\n".join(body)),
        message="\n".join(lines[:index]).strip(),
    )


def _trim_block(text: str) -> str:
    # Lines holding only (no-break) spaces are blank lines to the reader.
    lines = [line if line.strip() else "" for line in text.split("\n")]
    while lines and not lines[0].strip().strip(">").strip():
        lines.pop(0)
    while lines and not lines[-1].strip().strip(">").strip():
        lines.pop()
    return "\n".join(lines).strip()


_ENTRY = re.compile(
    rf"\s*(?:(?P<bare>{_ADDRESS})(?=\s*(?:[,;]|$))|(?P<name>[^<>;]*?)\s*<\s*(?P<address>[^<>\s]*)\s*>"
    rf"|(?P<loose>{_ADDRESS}))\s*[,;]?"
)


def parse_address_list(value: str) -> list[tuple[str, str]]:
    """``[(name, address)]`` from a forwarded header value, as clients actually write it:
    ``Name <a@b>``, ``"Last, First" <a@b>``, ``Last, First <a@b>``, ``Name [mailto:a@b]``,
    ``a@b <a@b>``, ``Name<mailto:a@b>``, ``;`` or ``,`` between entries; a name alone when the
    client dropped the address."""
    value = re.sub(r"<mailto:[^<>]*>", "", value)
    value = re.sub(r"\[mailto:([^\]]+)\]", r"<\1>", value)
    value = re.sub(r"\s+on behalf of\s+.*$", "", value, flags=re.IGNORECASE)
    value = value.strip().strip(",;").strip()
    if not value:
        return []
    result: list[tuple[str, str]] = []
    position = 0
    while position < len(value):
        found = _ENTRY.match(value, position)
        if found is None or found.end() == position:
            break
        position = found.end()
        address = found.group("bare") or found.group("address") or found.group("loose") or ""
        name = _clean_name(found.group("name") or "")
        if "@" not in address:
            continue
        if name.lower() == address.lower():
            name = ""
        result.append((name, address))
    if not result and "@" not in value:
        # A name alone ("John Doe", "Mail Delivery Subsystem <MAILER-DAEMON>").
        name = _clean_name(re.sub(r"<[^<>]*>", "", value))
        return [(name, "")] if name else []
    return result


def _clean_name(name: str) -> str:
    name = name.strip().strip(",;").strip()
    previous = None
    while previous != name:
        previous = name
        name = name.strip().strip("\"'“”„«»").strip()
    return name
