# Patterns and examples here are written in the languages they match, Cyrillic and
# full-width colons included: the "confusable character" lint does not apply.
# ruff: noqa: RUF003
"""Turning the bytes of real mail into text, whatever charset label the sender's software wrote.

Mail lies about its charset all the time: labels are misspelt (``uft-8``), meaningless
(``default``, ``x-unknown``), too narrow (``gb2312`` for text that needs GB18030,
``iso-8859-1`` for Windows-1252 quotes, ``tis-620`` for Windows-874) or simply wrong (UTF-8
bytes labelled Big5). The rule here: never show U+FFFD for bytes that are valid in some charset.
We try the declared charset strictly, then UTF-8, then a detector, and end with Latin-1, which
accepts every byte.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter

from charset_normalizer import from_bytes

# Labels seen in the wild, mapped to the widest Python codec that reads them. Supersets are
# chosen on purpose: a mail labelled gb2312 is routinely written by software that emits GBK or
# GB18030 characters, and Thai Windows mail labelled tis-620 uses cp874's extra punctuation.
_ALIASES: dict[str, str] = {
    "uft-8": "utf-8",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    "utf7": "utf-7",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "x-euc-cn": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "euc-kr": "cp949",
    "x-windows-949": "cp949",
    "tis-620": "cp874",
    "tis620": "cp874",
    "windows-874": "cp874",
    "x-windows-874": "cp874",
    "iso-8859-11": "cp874",
    "iso8859-11": "cp874",
    "windows-1258": "cp1258",
    "x-windows-1258": "cp1258",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-9": "cp1254",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "windows-1250": "cp1250",
    "x-cp1250": "cp1250",
    "windows-1251": "cp1251",
    "x-cp1251": "cp1251",
    "windows-1252": "cp1252",
    "koi8-r": "koi8_r",
    "koi8-u": "koi8_u",
    "cp-850": "cp850",
    "macintosh": "mac_roman",
}

# Labels that carry no information at all: decide from the bytes.
_MEANINGLESS = {
    "",
    "default",
    "x-unknown",
    "unknown",
    "unknown-8bit",
    "x-user-defined",
    "none",
    "charset",
}

# Codecs that accept (almost) any byte sequence, so a successful strict decode proves nothing.
_PERMISSIVE = {
    "cp1252",
    "latin-1",
    "iso8859-1",
    "cp1250",
    "cp1251",
    "cp1254",
    "cp1257",
    "cp1258",
    "koi8_r",
    "koi8_u",
    "mac_roman",
    "cp850",
    "cp874",
}

# ISO-2022-JP mail often carries characters only the extended variants know; try widest first.
_JIS_FALLBACKS = ("iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_3", "iso2022_jp_2004", "iso2022_jp")

_LABEL_JUNK = re.compile(r"""^[\s"'<]+|[\s"';>]+$""")


def _latin1_per_byte(error: UnicodeError) -> tuple[str, int]:
    """Error handler: an undecodable byte becomes its Latin-1 character instead of U+FFFD."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("latin-1"), error.end


codecs.register_error("tessera-latin1", _latin1_per_byte)


def normalise_label(label: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None when the label is useless."""
    if label is None:
        return None
    cleaned = _LABEL_JUNK.sub("", label).lower()
    # RFC 2231 lets a language ride on the charset ("utf-8*en").
    cleaned = cleaned.split("*", 1)[0]
    if cleaned in _MEANINGLESS:
        return None
    name = _ALIASES.get(cleaned, cleaned)
    try:
        return codecs.lookup(name).name
    except LookupError:
        compact = cleaned.replace("_", "-").replace(" ", "-")
        name = _ALIASES.get(compact, compact)
        try:
            return codecs.lookup(name).name
        except LookupError:
            return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    except Exception:  # Some CJK codecs raise odd errors on hostile input.
        return None


def _strict_jis(data: bytes) -> str | None:
    for codec in _JIS_FALLBACKS:
        text = _strict(data, codec)
        if text is not None:
            return text
    return None


def _has_utf8_multibyte(data: bytes) -> bool:
    return re.search(rb"[\xc2-\xf4][\x80-\xbf]", data) is not None


def _detect(data: bytes) -> str | None:
    try:
        best = from_bytes(data[:65536]).best()
    except Exception:  # The detector must never be the reason a mail is lost.
        return None
    if best is None:
        return None
    return normalise_label(best.encoding)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` as well as it can be done; return the text and the codec used.

    Never raises and never invents U+FFFD: the last resort is Latin-1, where every byte is valid.
    """
    if not data:
        return "", normalise_label(declared) or "ascii"
    codec = normalise_label(declared)
    if codec == "ascii" or (codec is None and data.isascii()):
        if data.isascii():
            return data.decode("ascii"), "ascii"
        codec = None  # "us-ascii" with 8-bit bytes is a lie; find out what it really is.

    if codec is not None:
        text = _strict_jis(data) if codec.startswith("iso2022_jp") else _strict(data, codec)
        if text is not None:
            # Valid UTF-8 with multi-byte sequences almost never happens by chance in a
            # single-byte charset, so it beats a permissive label that "decoded" it as mojibake.
            if codec in _PERMISSIVE and _has_utf8_multibyte(data):
                utf8 = _strict(data, "utf-8")
                if utf8 is not None:
                    return _nfc(utf8), "utf-8"
            return _nfc(text), codec

    utf8 = _strict(data, "utf-8")
    if utf8 is not None:
        return _nfc(utf8), "utf-8"

    # A few bad bytes in otherwise fine text (a truncated line, a stray Latin-1 byte) should not
    # turn the whole body into a guess: keep the declared charset and patch only those bytes.
    for candidate in (codec, "utf-8"):
        if candidate is None:
            continue
        patched = data.decode(candidate, errors="tessera-latin1")
        bad = len(patched) - len(data.decode(candidate, errors="ignore"))
        if bad * 100 <= len(data):
            return _nfc(patched), candidate

    # Detectors guess wildly on a few bytes (a subject, a file name): there, score our users'
    # likely charsets by how much the result looks like text.
    detected = _detect(data) if len(data) >= 256 else _guess_short(data)
    if detected is not None:
        text = _strict(data, detected)
        if text is not None:
            return _nfc(text), detected

    text = _strict(data, "cp1252")
    if text is not None:
        return text, "cp1252"
    return data.decode("latin-1"), "latin-1"


_SHORT_CANDIDATES = (
    "cp1252",
    "cp1250",
    "cp1251",
    "koi8_r",
    "cp874",
    "cp1258",
    "cp932",
    "gb18030",
    "big5hkscs",
    "cp949",
)


def _plausibility(text: str) -> float:
    """Higher when ``text`` looks like words of one script rather than mojibake."""
    letters = [c for c in text if c.isalpha()]
    foreign = [c for c in letters if ord(c) > 127]
    if not foreign:
        return 1.0
    scripts = Counter(_script(c) for c in foreign)
    main, count = scripts.most_common(1)[0]
    score = count / len(foreign)
    bad = 0
    padded = " " + text + " "
    for index in range(1, len(padded) - 1):
        previous, ch, following = padded[index - 1], padded[index], padded[index + 1]
        category = unicodedata.category(ch)
        if (
            category in ("Cc", "Co", "Cn", "So") and ch not in "\t\n\r"
        ) or "HALFWIDTH" in unicodedata.name(ch, ""):
            bad += 1
        elif "\u0e00" <= ch <= "\u0e7f":
            bad += not _thai_ok(previous, ch, following)
        elif category == "Mn" and not (
            previous.isalpha() or unicodedata.category(previous) == "Mn"
        ):
            bad += 1  # A combining mark with nothing to sit on.
        elif category[0] in "PSN" and ord(ch) > 127 and previous.isalpha() and following.isalpha():
            bad += 1  # "Za¿ó³æ": a symbol inside a word is a byte read in the wrong charset.
        elif previous.islower() and ch.isupper():
            bad += 1  # "рТХБЕФ": KOI8-R read as Windows-1251 and the like.
        elif (
            ch.isalpha()
            and previous.isalpha()
            and (ord(ch) > 127) != (ord(previous) > 127)
            and "LATIN" not in unicodedata.name(ch if ord(ch) > 127 else previous, "")
        ):
            bad += 1  # "Zaїуіж": ASCII letters glued to another script.
    score -= 2 * bad / len(text)
    if main == "LATIN" and len(foreign) / len(letters) > 0.4:
        score -= 0.5  # Real Latin-script languages are mostly ASCII letters.
    # Our users write Polish and Vietnamese: letters only those charsets have tip a tie.
    score += 0.3 * sum(c in _OUR_LETTERS for c in foreign) / len(foreign)
    return score


_OUR_LETTERS = set("ąćęłńśźżĄĆĘŁŃŚŹŻăâđêôơưĂÂĐÊÔƠƯ")


def _thai_consonant(ch: str) -> bool:
    return "\u0e01" <= ch <= "\u0e2e"


def _thai_ok(previous: str, ch: str, following: str) -> bool:
    """Thai spelling rules that random bytes read as TIS-620 break quickly."""
    if ch in "\u0e03\u0e05\u0e4f\u0e5a\u0e5b":  # Obsolete letters and rare signs.
        return False
    if unicodedata.category(ch) == "Mn":
        return _thai_consonant(previous) or unicodedata.category(previous) == "Mn"
    if "\u0e40" <= ch <= "\u0e44":  # Leading vowels sit before a consonant.
        return _thai_consonant(following)
    return True


def _script(ch: str) -> str:
    word = unicodedata.name(ch, "?").split(" ")[0]
    # Japanese mixes kana and kanji; count them as one script.
    return "CJK" if word in ("CJK", "HIRAGANA", "KATAKANA") else word


def _guess_short(data: bytes) -> str | None:
    best: tuple[float, str] | None = None
    for codec in _SHORT_CANDIDATES:
        text = _strict(data, codec)
        if text is None:
            continue
        score = _plausibility(text)
        if codec in _PERMISSIVE:
            # Any byte pair is some rare ideograph in GB18030 or Big5; a clean single-byte reading
            # of a few words is the likelier truth.
            score += 0.1
        if best is None or score > best[0]:
            best = (score, codec)
    return best[1] if best else None


def _nfc(text: str) -> str:
    # Windows-1258 writes Vietnamese tone marks as combining characters; agents search and
    # compare composed text, so compose everything the same way.
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


def reencode_surrogates(text: str) -> bytes:
    """The original bytes of a header that the stdlib read with surrogateescape."""
    return text.encode("utf-8", errors="surrogateescape")


def has_raw_bytes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)
