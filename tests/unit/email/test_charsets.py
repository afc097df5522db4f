# Test text in Chinese uses its own full-width punctuation on purpose.
# ruff: noqa: RUF001
"""Charset decoding: labels right, wrong, misspelt or meaningless; never an invented U+FFFD."""

from __future__ import annotations

import unicodedata

import pytest

from tessera.channels.email.charsets import decode_bytes, normalise_label
from tessera.channels.email.headers import decode_header_value, parse_addresses

VIETNAMESE = "Tiếng Việt: hoá đơn của quý khách đã được thanh toán"
THAI = "ใบแจ้งหนี้ของท่านชำระเรียบร้อยแล้ว ขอบคุณครับ"
POLISH = "Zażółć gęślą jaźń — faktura została opłacona"


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters plus combining tone marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            # Keep the vowel shape (â, ơ, ư …) precomposed, write the tone as a combining mark.
            tones = [m for m in decomposed if m in _TONES]
            shaped = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
            out += shaped.encode("cp1258") + "".join(tones).encode("cp1258")
    return bytes(out)


@pytest.mark.parametrize(
    ("label", "text", "codec"),
    [
        ("windows-1258", VIETNAMESE, "cp1258"),
        ("tis-620", THAI, "cp874"),
        ("windows-874", THAI, "cp874"),
        ("x-windows-874", THAI, "cp874"),
        ("iso-8859-2", POLISH.replace("—", "-"), "iso8859_2"),
        ("windows-1250", POLISH, "cp1250"),
        ("koi8-r", "Привет, мир", "koi8_r"),
        ("iso-2022-jp", "まみむめも 日本語", "iso2022_jp"),
        ("gb2312", "你好，我需要帮助 𠀀", "gb18030"),
        ("ks_c_5601-1987", "안녕하세요 도움이 필요합니다", "cp949"),
        ("big5", "您好，請幫忙", "big5"),
        ("shift_jis", "日本語のテキスト", "cp932"),
    ],
)
def test_declared_charsets_decode_exactly(label: str, text: str, codec: str) -> None:
    data = cp1258(text) if codec == "cp1258" else text.encode(codec)
    decoded, _used = decode_bytes(data, label)
    assert decoded == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize(
    "label",
    [
        "uft-8",
        "utf8",
        "UTF-8",
        '"utf-8"',
        "default",
        "x-unknown",
        "unknown-8bit",
        "no-such-charset",
        None,
    ],
)
def test_broken_labels_on_utf8_text(label: str | None) -> None:
    text = f"{VIETNAMESE} / {THAI} / {POLISH}"
    assert decode_bytes(text.encode("utf-8"), label)[0] == text


def test_utf8_mislabelled_as_single_byte_is_recognised() -> None:
    assert decode_bytes(VIETNAMESE.encode("utf-8"), "windows-1258")[0] == VIETNAMESE
    assert decode_bytes(POLISH.encode("utf-8"), "iso-8859-1")[0] == POLISH


def test_mislabelled_big5_that_is_utf8() -> None:
    text = "這是一封用 UTF-8 寫的回覆"
    assert decode_bytes(text.encode("utf-8"), "big5")[0] == text


def test_gb18030_characters_outside_gb2312_survive_the_label() -> None:
    text = "镕基 𠀀"  # 镕 is GBK-only, 𠀀 is GB18030-only
    assert decode_bytes(text.encode("gb18030"), "gb2312")[0] == text


def test_undeclared_short_text_is_guessed_for_our_languages() -> None:
    assert (
        decode_bytes("Dzień dobry, proszę o pomoc".encode("cp1250"), None)[0]
        == "Dzień dobry, proszę o pomoc"
    )
    assert decode_bytes("สอบถามเรื่องใบแจ้งหนี้".encode("cp874"), None)[0] == "สอบถามเรื่องใบแจ้งหนี้"
    assert (
        decode_bytes("Узнай как зарабатывать".encode("cp1251"), None)[0] == "Узнай как зарабатывать"
    )
    assert decode_bytes("café crème".encode("cp1252"), None)[0] == "café crème"


def test_invalid_bytes_never_become_replacement_characters() -> None:
    # Mostly UTF-8 with one stray Latin-1 byte: keep the UTF-8, patch the byte.
    data = "Xin chào ".encode() * 20 + b"caf\xe9 " + "Cảm ơn".encode()
    decoded, used = decode_bytes(data, "utf-8")
    assert "\ufffd" not in decoded
    assert decoded.endswith("café Cảm ơn")
    assert used == "utf-8"
    # Garbage in every charset still decodes (Latin-1 accepts every byte).
    assert "\ufffd" not in decode_bytes(bytes(range(256)), "utf-8")[0]


def test_labels_normalise() -> None:
    assert normalise_label("UTF8") == "utf-8"
    assert normalise_label("x-unknown") is None
    assert normalise_label("utf-8*en") == "utf-8"
    assert normalise_label("tis-620") == "cp874"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?UTF-8?B?VOG7sSDEkeG7mW5nIHRy4bqjIGzhu51p?=", "Tự động trả lời"),
        (
            "=?utf-8?b?4LiV4Lit4Lia4LiB4Lil4Lix4Lia4Lit4Lix4LiV4LmC4LiZ4Lih4Lix4LiV4Li0?=",
            "ตอบกลับอัตโนมัติ",
        ),
        ("=?iso-8859-2?q?Automatyczna_odpowied=BC?=", "Automatyczna odpowiedź"),
        ("Re: =?windows-1250?Q?Zam=F3wienie?= nr 5", "Re: Zamówienie nr 5"),
        # Adjacent words of one charset splitting a multi-byte character, no whitespace between.
        ("=?utf-8?b?4Li?==?utf-8?b?lQ==?=", "ต"),
        # Base64 without padding, lower-case encoding letter, unknown charset label.
        ("=?utf-8?b?WGluIGNow6Bv?=", "Xin chào"),
        ("=?x-unknown?q?Xin_ch=C3=A0o?=", "Xin chào"),
        ("=?uft-8?Q?D=C4=99kuj=C4=99?=", "Dękuję"),
        # Folded, and a broken word left as text.
        ("Hello\r\n =?utf-8?q?W=C3=B6rld?= =?bogus", "Hello Wörld =?bogus"),
    ],
)
def test_encoded_words(raw: str, expected: str) -> None:
    assert decode_header_value(raw) == expected


def test_raw_utf8_header_bytes() -> None:
    raw = "Nguyễn Văn Bình".encode().decode("ascii", errors="surrogateescape")
    assert decode_header_value(raw) == "Nguyễn Văn Bình"


def test_addresses_with_encoded_names_and_commas() -> None:
    pairs = parse_addresses(
        '"=?utf-8?q?Nguy=E1=BB=85n=2C_B=C3=ACnh?=" <Binh@Globex.TEST>, anna@acme.test'
    )
    assert pairs == [("Nguyễn, Bình", "Binh@globex.test"), ("", "anna@acme.test")]
