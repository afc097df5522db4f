# Patterns and examples here are written in the languages they match, Cyrillic and
# full-width colons included: the "confusable character" lint does not apply.
# ruff: noqa: RUF001
"""The part of a reply the customer actually wrote: no quoted history, no signature.

Agents read the new text; the full text stays stored. ``mail-parser-reply`` knows many
languages' quote headers; on top of it we add what our users' mail needs and it lacks:
Vietnamese, Thai and Polish headers and Outlook header blocks, quote headers wrapped over
several lines, translated "Original Message" separators, forwarded-message markers,
``>``-quoted tails without a header, and mobile "Sent from" signatures in many languages.

The algorithm finds the earliest line where quoted history starts (our rules and
mail-parser-reply's header regex both vote; the earliest credible one wins), keeps what is
above it, then trims a signature from the end.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Verbs that close a quote header ("On <date>, <name> wrote:") in the languages we meet.
_WROTE = (
    r"wrote|writes|schrieb|schreef|a écrit|a ecrit|escribió|escribio|ha scritto|scrisse|escreveu|"
    r"skrev|skrifaði|kirjoitti|napisał\(a\)|napisała?|napisal\(a\)|napisali|napsal\(a\)|napsala?|"
    r"napisao|napísal\(a\)|napísala?|написал\(а\)|написала?|написав|написала|írta|yazdı|a scris|kirjutas|"
    r"đã viết|viết|เขียนว่า|เขียน|写道|寫道|書きました|작성|wrote on|geschreven|følgende|följande|"
    r"yazdı|ezt írta|пишет|написал|napisal|pisze|napisana przez|đã gửi|เขียนถึง"
)
_WROTE_ANYWHERE = re.compile(rf"(?:^|[\s,(])(?:{_WROTE})(?:$|[\s:：,)])", re.IGNORECASE)
_WROTE_END = re.compile(rf"(?:{_WROTE})\s*[:：]?\s*$", re.IGNORECASE)
_WROTE_START = re.compile(
    r"^(?:On|Am|Le|El|Il|Em|No dia|Op|Den|Dne|Dňa|D\. |W dniu|Dnia|Dn\.|Vào|Vào lúc|Lúc|เมื่อ|"
    r"\d{1,4}[./-]\d|\d{4}年|[0-9]{1,2} [A-Za-z]{3}|El día|Le \d|Il giorno|În|Pada|Em \d|"
    r".{0,80}<[^>\s]+@[^>\s]+>)",
    re.IGNORECASE,
)

_TITLES = (
    r"original message|original e-?mail|forwarded message|forwarded e-?mail|reply message|"
    r"ursprüngliche nachricht|weitergeleitete nachricht|message d'origine|message transféré|message transmis|"
    r"message original|mensaje original|mensaje reenviado|messaggio originale|messaggio inoltrato|"
    r"oorspronkelijk bericht|doorgestuurd bericht|oryginalna wiadomość|wiadomość oryginalna|"
    r"przekazana wiadomość|wiadomość przekazana|treść przekazanej wiadomości|opprinnelig melding|"
    r"ursprungligt meddelande|oprindelig meddelelse|oprindelig besked|alkuperäinen viesti|"
    r"edelleenlähetetty viesti|välitetty viesti|исходное сообщение|пересылаемое сообщение|"
    r"пересланное сообщение|перенаправленное сообщение|переслане повідомлення|перенаправлене повідомлення|"
    r"původní zpráva|přeposlaná zpráva|pôvodná správa|preposlaná správa|eredeti üzenet|továbbított üzenet|"
    r"mesaj original|mesaj redirecționat|orijinal mesaj|iletilmiş mesaj|iletilen ileti|proslijeđena poruka|"
    r"mensagem encaminhada|mensagem reencaminhada|mensagem original|videresendt meddelelse|videresendt melding|"
    r"vidarebefordrat meddelande|tin nhắn gốc|thư gốc|thư chuyển tiếp|tin nhắn đã chuyển tiếp|"
    r"thư đã chuyển tiếp|ข้อความต้นฉบับ|ข้อความที่ส่งต่อ|原始邮件|原始郵件|转发的邮件|元のメッセージ|"
    r"転送メッセージ|メッセージを転送"
)
# A dashed title known to open quoted or forwarded history; text may follow on the same line.
_SEPARATOR = re.compile(
    rf"^\s*(?:>\s*)*[-_=*]{{2,}}\s*(?:{_TITLES})\b[^\n]{{0,40}}?[-_=*]{{2,}}", re.IGNORECASE
)
# Any other dashed title; only counts when header lines follow it.
_DASHED_TITLE = re.compile(r"^\s*(?:>\s*)*[-_=]{2,}\s*[^-_=\s][^\n]{0,60}?\s*[-_=]{2,}\s*$")
_FORWARD_INTRO = re.compile(
    r"^\s*(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht|Début du message réexpédié|"
    r"Inizio messaggio inoltrato|Comienzo del mensaje reenviado|Início da mensagem reencaminhada|"
    r"Początek przekazywanej wiadomości|Doorgestuurd bericht|Bắt đầu thư được chuyển tiếp|"
    r"เริ่มข้อความที่ส่งต่อ|Videresendt besked|Vidarebefordrat mejl|Välitetty viesti)\s*:?\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*[_]{10,}\s*$|^\s*[-]{20,}\s*$")
_INTRO_LINE = re.compile(r"^\s*(?:>\s*)*[^\d@:]{3,60}[:：]\s*$")

# Header labels of Outlook-style blocks. "From" decides; the others confirm.
_FROM_LABELS = (
    r"From|Von|De|Od|Van|Da|Fra|Från|Lähettäjä|От|Від|Feladó|Kimden|Saatja|De la|Từ|Người gửi|"
    r"จาก|ผู้ส่ง|差出人|发件人|寄件者|보낸 사람|Afzender|Remitente|Mittente|Nadawca|Odesílatel|Frå|送信元|"
    r"Expeditorul|Отправитель|Від кого|Šalje|Expéditeur"
)
_OTHER_LABELS = (
    r"Sent|Date|To|Subject|Cc|Bcc|Reply-To|Gesendet|Datum|An|Betreff|Envoyé|Date d'envoi|À|A|Objet|"
    r"Wysłano|Wysłane|Data|Do|Temat|DW|Kopia|Verzonden|Aan|Onderwerp|Inviato|Oggetto|Enviado|Enviada|Para|"
    r"Asunto|Assunto|Fecha|Sendt|Til|Emne|Skickat|Till|Ämne|Lähetetty|Vastaanottaja|Aihe|Päivämäärä|"
    r"Отправлено|Кому|Тема|Дата|Копия|Надіслано|Тема|Odesláno|Komu|Předmět|Elküldve|Címzett|Tárgy|"
    r"Gönderildi|Kime|Konu|Saadetud|Teema|Trimis|Către|Subiect|Gửi|Đã gửi|Đến|Chủ đề|Ngày|Tiêu đề|Người nhận|"
    r"ส่ง|ถึง|เรื่อง|วันที่|สำเนา|送信日時|宛先|件名|日付|发送时间|收件人|主题|日期|寄件日期|收件者|主旨|"
    r"Envoyé le|Sendt den|Datum odeslání|Poslano|Skickades|Lähetetty|Kopie|CC|Sujet|Naslov|Predmet|Dátum|"
    r"Dato|Päiväys|Tarih|Dată|Prima|Cc|Kopio|Kopia|Kimden|Kopya|Bilgi"
)
_LABEL_LINE = r"^\s*(?:>\s*)*[*_]*\s*(?:{labels})\s*[*_]*\s*[:：][*_]*"
_FROM_LINE = re.compile(_LABEL_LINE.format(labels=_FROM_LABELS), re.IGNORECASE)
_ANY_LABEL_LINE = re.compile(
    _LABEL_LINE.format(labels=_FROM_LABELS + "|" + _OTHER_LABELS), re.IGNORECASE
)

_QUOTED = re.compile(r"^\s*[>|]")

# Mobile and webmail taglines; when one starts a line near the end, it and what follows go.
_SENT_FROM = re.compile(
    r"^\s*[(<]*\s*(?:Sent from|Sent with|Sent via|Sent by|Sent using|Get Outlook for|Get \[Outlook for|"
    r"From my|Envoyé de|Envoyé depuis|Envoyé avec|Von meinem|Gesendet von|Gesendet mit|Diese Nachricht wurde von|"
    r"Enviado desde|Enviado de|Enviado do|Inviato da|Verzonden met|Verzonden vanaf|Verstuurd vanaf|"
    r"Skickat från|Sendt fra|Lähetetty|Отправлено с|Надіслано з|Wysłane z|Wysłano z|Wysłane przy|"
    r"Gửi từ|Được gửi từ|ส่งจาก|ส่งมาจาก|從我的|从我的|iPhoneから送信|Someone from mobile|<<sent by)",
    re.IGNORECASE,
)
_SIG_DASHES = re.compile(r"^(?:--|__)\s*$")
# A long rule before a footer (mailing lists, corporate blocks).
_RULE_LINE = re.compile(r"^\s*(?:[_]{10,}|[-]{10,}|[—─]{5,}|[=]{10,})\s*$")
# "-Abhishek Kona", "/John": a name signed with a dash or slash.
_DASH_NAME = re.compile(r"^\s*[-/][A-ZÀ-Ž][\w.]+(?:\s[\w.]+){0,3}\s*$")
# Closings after which only a name and a title follow. English ones ("Best regards") stay:
# the reference corpora disagree on them and they cost an agent nothing; in other languages
# they mark where a long corporate block starts.
_CLOSING = re.compile(
    r"^\s*(?:"
    r"pozdrawiam(?: serdecznie)?|z poważaniem|z powazaniem|pozdrowienia|łączę pozdrowienia|"
    r"trân trọng|thân ái|thân mến|kính thư|kính chào|"
    r"ขอแสดงความนับถือ|ด้วยความเคารพ|"
    r"mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|mfg|lg|gruß|grüße|"
    r"cordialement|bien à vous|bien cordialement|salutations|saludos|un saludo|atentamente|"
    r"cordiali saluti|distinti saluti|saluti|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groeten|"
    r"mvh|med vennlig hilsen|vennlig hilsen|med venlig hilsen|venlig hilsen|kh|hilsen|"
    r"med vänliga hälsningar|vänliga hälsningar|hälsningar|mvh|ystävällisin terveisin|terveisin|"
    r"с уважением|с наилучшими пожеланиями|з повагою|s pozdravem|s pozdravom|üdvözlettel|saygılarımla|"
    r"cumprimentos|atenciosamente|abraços|com os melhores cumprimentos"
    r")\s*[,!.]?\s*$",
    re.IGNORECASE,
)

_MAX_HEADER_LINES = 3


def extract_reply(text: str, *, html: str | None = None, language_hint: str | None = None) -> str:
    """The newest, visible part of a reply. Falls back to the whole text, never to nothing
    unless the mail really only holds quoted history."""
    del language_hint  # All languages' rules are always on: customers write in many at once.
    if not text.strip() and html:
        from tessera.channels.email.parser import html_to_text

        text = html_to_text(html)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    cut = _quote_start(lines)
    theirs = _mail_parser_reply_cut(text, lines)
    if theirs is not None and (cut is None or theirs < cut) and _credible(lines, theirs):
        cut = theirs
    kept = lines[:cut] if cut is not None else lines
    kept = _strip_signature(kept)
    reply = "\n".join(kept).strip()
    if reply or cut is None:
        return reply
    return _below_quote(lines, cut)


def _below_quote(lines: list[str], cut: int) -> str:
    """Nothing above the history: a bottom-posted reply, a forward, or a quote-only mail."""
    header = lines[cut].strip().lstrip(">").strip()
    if (
        _SEPARATOR.match(header)
        or _FORWARD_INTRO.match(header)
        or _DASHED_TITLE.match(header)
        or _FROM_LINE.match(header)
        or (_INTRO_LINE.match(header) and _labels_follow(lines, cut))
    ):
        return ""  # A forward with no words of its own.
    quoted = [i for i in range(cut, len(lines)) if _QUOTED.match(lines[i])]
    if not quoted:
        return ""  # History indented rather than quoted (Outlook): nothing new was written.
    if quoted[0] == cut and all(
        not lines[i].strip() or _QUOTED.match(lines[i]) for i in range(cut, len(lines))
    ):
        return "\n".join(lines).strip()  # Only a quote: keep it rather than lose the mail.
    # Bottom-posting: the new text follows the quoted block.
    first_block_end = quoted[0]
    while first_block_end < len(lines) and (
        _QUOTED.match(lines[first_block_end]) or not lines[first_block_end].strip()
    ):
        first_block_end += 1
    rest = lines[first_block_end:]
    rest_cut = _quote_start(rest)
    if rest_cut is not None:
        rest = rest[:rest_cut]
    return "\n".join(_strip_signature(rest)).strip()


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _SEPARATOR.match(stripped) or _FORWARD_INTRO.match(stripped):
            return index
        if (
            _DASHED_TITLE.match(stripped)
            or _UNDERSCORES.match(stripped)
            or _INTRO_LINE.match(stripped)
        ) and _labels_follow(lines, index):
            return index
        if _header_block_at(lines, index):
            return index
        start = _wrote_header_at(lines, index)
        if start is not None:
            return start
    return _trailing_quote_block(lines)


def _labels_follow(lines: list[str], index: int) -> bool:
    """A header line ("From:", "Subject:", in any language we know) within the next lines."""
    seen = 0
    for line in lines[index + 1 :]:
        bare = line.strip().lstrip(">").strip()
        if not bare:
            continue
        seen += 1
        if _ANY_LABEL_LINE.match(bare):
            return True
        if seen >= 2:
            return False
    return False


def _next_nonblank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _wrote_header_at(lines: list[str], index: int) -> int | None:
    """A quote header ("On <date>, <name> wrote:", "<name> <addr> kirjoitti <date>:", …)
    that starts on ``index`` and ends within a few lines."""
    first = lines[index].strip().lstrip("> ").strip()
    if not first or len(first) > 300:
        return None
    window = first
    for extra in range(_MAX_HEADER_LINES):
        if extra:
            if index + extra >= len(lines) or not lines[index + extra].strip():
                return None
            window += " " + lines[index + extra].strip().lstrip("> ").strip()
        if len(window) > 400:
            return None
        # Zoho writes "---- On … wrote ----".
        probe = window.strip("-= ").strip()
        if _is_wrote_header(probe):
            # "Hello\nOn … wrote:" must not swallow "Hello": start as late as still matches.
            for later in range(index + extra, index, -1):
                tail = " ".join(
                    lines[i].strip().lstrip("> ").strip() for i in range(later, index + extra + 1)
                )
                if re.search(r"\d", tail) and _is_wrote_header(tail.strip("-= ").strip()):
                    return later
            return index
    return None


def _is_wrote_header(probe: str) -> bool:
    has_digit = bool(re.search(r"\d", probe))
    has_address = "@" in probe
    if _WROTE_END.search(probe):
        return bool(_WROTE_START.match(probe)) or has_digit or has_address
    if not probe.endswith((":", "：")):
        return False
    if re.search(r">\s*\)?\s*[:：]$", probe) and has_digit and has_address:
        return True  # "2017-11-24 16:32 GMT+01:00 Name <addr>:"
    return (
        bool(_WROTE_ANYWHERE.search(probe))
        and has_digit
        and (has_address or bool(_WROTE_START.match(probe)))
    )


def _header_block_at(lines: list[str], index: int) -> bool:
    """A "From:" line followed closely by other header labels: an Outlook or forward header."""
    if index >= len(lines) or not _FROM_LINE.match(lines[index]):
        return False
    labels = 0
    for line in lines[index + 1 : index + 7]:
        if not line.strip():
            continue
        if _ANY_LABEL_LINE.match(line):
            labels += 1
            if labels >= 1 and _plausible_from(lines[index]):
                return True
    return False


def _plausible_from(line: str) -> bool:
    # "From: the team" in prose is rare next to another label; still require some identity.
    value = line.split(":", 1)[-1] if ":" in line else line.split("：", 1)[-1]
    return bool(value.strip())


def _trailing_quote_block(lines: list[str]) -> int | None:
    """``>`` lines running to the end (bar blanks and a signature): history without a header."""
    last_content = len(lines) - 1
    while last_content >= 0 and not lines[last_content].strip():
        last_content -= 1
    if last_content < 0 or not _QUOTED.match(lines[last_content]):
        return None
    start = last_content
    while start > 0 and (_QUOTED.match(lines[start - 1]) or not lines[start - 1].strip()):
        start -= 1
    while start < len(lines) and not lines[start].strip():
        start += 1
    above = start - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if (
        above >= 0
        and re.search(r"\d", lines[above])
        and re.search(r"@|[:：]\s*$", lines[above])
        and len(lines[above]) < 200
    ):
        return above  # "2013/7/20 sam via Discourse Meta <info@discourse.org>" before the quote.
    return start


def _credible(lines: list[str], cut: int) -> bool:
    # A header found on the very first line would leave nothing; that is a forward or a
    # quote-only mail, which our own rules handle.
    return cut > 0 and any(line.strip() for line in lines[:cut])


def _strip_signature(lines: list[str]) -> list[str]:
    lines = _trim_blank_tail(lines)
    tail_start = max(1, len(lines) - 30)
    for index in range(tail_start, len(lines)):
        line = lines[index]
        rest = lines[index:]
        short_rest = all(len(r) < 120 for r in rest)
        if _SIG_DASHES.match(line) and len(rest) <= 12:
            return _trim_blank_tail(lines[:index])
        if (
            _SENT_FROM.match(line)
            and short_rest
            and ("," not in line or re.search(r"excuse|typo", line, re.IGNORECASE))
        ):
            return _trim_blank_tail(lines[:index])
        if _RULE_LINE.match(line) and len(rest) <= 10 and short_rest:
            return _trim_blank_tail(lines[:index])
        signed = (_CLOSING.match(line) or _DASH_NAME.match(line)) and len(rest) <= 6 and short_rest
        if (
            signed
            and not lines[index - 1].strip().endswith(",")
            and all(len(r.split()) <= 8 for r in rest[1:])
        ):
            return _trim_blank_tail(lines[:index])
    return lines


def _trim_blank_tail(lines: list[str]) -> list[str]:
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or _JUNK_TAIL.match(lines[end - 1])):
        end -= 1
    return lines[:end]


# Rules left dangling at the end, and the invisible marker Gmail's add-ons append.
_JUNK_TAIL = re.compile(r"^\s*(?:[-_=+*~#.]{3,}|\u1427)\s*$")


@lru_cache(maxsize=1)
def _mpr_languages() -> tuple[str, ...]:
    from mailparser_reply.constants import MAIL_LANGUAGES

    return tuple(lang for lang in MAIL_LANGUAGES if lang != "david")


def _mail_parser_reply_cut(text: str, lines: list[str]) -> int | None:
    """The line where mail-parser-reply's earliest quote header starts, if it finds one."""
    try:
        from mailparser_reply.parser import EmailMessage

        message = EmailMessage(text=text, languages=list(_mpr_languages()))
        match = message.HEADER_REGEX.search(message.text)
    except Exception:  # A third-party regex must not stop a mail from being read.
        return None
    if match is None:
        return None
    header = next((g for g in match.groups() if g), match.group(0))
    first = next((line.strip() for line in header.split("\n") if line.strip()), "")
    if not first:
        return None
    for index, line in enumerate(lines):
        if line.strip() == first:
            return index
    return None
