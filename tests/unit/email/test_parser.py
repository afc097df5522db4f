"""parse_email on mail we build ourselves (Vietnamese, Thai, Polish) and on corpus edge cases."""

from __future__ import annotations

import base64
import hashlib
import struct
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from tessera.channels.email.parser import MAX_PARTS, EmailParseError, parse_email


def test_vietnamese_mail_end_to_end() -> None:
    msg = EmailMessage()
    msg["From"] = "Nguyễn Văn Bình <binh@globex.test>"
    msg["To"] = "Hỗ trợ <support@example.test>, anna@acme.test"
    msg["Cc"] = "Trần Thị Hoa <hoa@globex.test>"
    msg["Subject"] = "Hoá đơn tháng 1 chưa nhận được"
    msg["Message-ID"] = "<m1@globex.test>"
    msg["In-Reply-To"] = "<t1@example.test>"
    msg["References"] = "<t0@example.test> <t1@example.test>"
    msg["Date"] = "Mon, 15 Jan 2024 10:30:00 +0700"
    msg.set_content(
        "Chào anh chị,\nEm chưa nhận được hoá đơn.\n\nVào Th 2, 15 thg 1, 2024 lúc 09:00 Hỗ trợ <support@example.test> đã viết:\n> Hoá đơn đã gửi.\n"
    )
    raw = msg.as_bytes(policy=SMTP)
    parsed = parse_email(raw)
    assert parsed.message_id == "m1@globex.test"
    assert parsed.in_reply_to == "t1@example.test"
    assert parsed.references == ["t0@example.test", "t1@example.test"]
    assert (parsed.from_name, parsed.from_address) == ("Nguyễn Văn Bình", "binh@globex.test")
    assert parsed.to == [("Hỗ trợ", "support@example.test"), ("", "anna@acme.test")]
    assert parsed.cc == [("Trần Thị Hoa", "hoa@globex.test")]
    assert parsed.subject == "Hoá đơn tháng 1 chưa nhận được"
    assert parsed.date == datetime(2024, 1, 15, 3, 30, tzinfo=UTC)
    assert parsed.date.utcoffset() == timedelta(hours=7)
    assert parsed.kind == "message"
    assert "Em chưa nhận được hoá đơn." in parsed.text
    assert parsed.reply_text == "Chào anh chị,\nEm chưa nhận được hoá đơn."
    assert parsed.content_hash == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    ("charset", "body"),
    [
        ("tis-620", "สวัสดีครับ ใบแจ้งหนี้ยังไม่ได้รับ"),
        ("windows-874", "สวัสดีครับ ใบแจ้งหนี้ยังไม่ได้รับ"),
        ("iso-8859-2", "Dzień dobry, faktura nie dotarła. Zażółć gęślą jaźń."),
        ("windows-1250", "Dzień dobry, faktura nie dotarła. Zażółć gęślą jaźń."),
        ("koi8-r", "Здравствуйте, счёт не пришёл."),
    ],
)
def test_8bit_bodies_in_legacy_charsets(charset: str, body: str) -> None:
    codec = {"tis-620": "cp874", "windows-874": "cp874"}.get(charset, charset)
    raw = (
        (
            f"From: a@example.test\nSubject: x\nContent-Type: text/plain; charset={charset}\n"
            "Content-Transfer-Encoding: 8bit\n\n"
        ).encode()
        + body.encode(codec)
        + b"\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == body


def test_windows_1258_body_comes_out_composed() -> None:
    from tests.unit.email.test_charsets import VIETNAMESE, cp1258

    raw = b"From: a@example.test\nContent-Type: text/plain; charset=windows-1258\n\n" + cp1258(
        VIETNAMESE
    )
    assert parse_email(raw).text == VIETNAMESE


def test_html_only_mail_gets_text_and_safe_html() -> None:
    raw = (
        b"From: a@example.test\nSubject: html\nContent-Type: text/html; charset=utf-8\n\n"
        + "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><p onclick='x()'>Xin ch\u00e0o <b>b\u1ea1n</b></p><img src='https://tracker.test/p.gif'>"
        "<img src='cid:logo'></body></html>".encode()
    )
    parsed = parse_email(raw)
    assert "Xin chào bạn" in parsed.text
    assert "color:red" not in parsed.text and "alert" not in parsed.text
    assert "<script" not in parsed.html and "onclick" not in parsed.html
    assert "tracker.test" not in parsed.html
    assert 'src="cid:logo"' in parsed.html


def test_attachments_inline_images_and_rfc2231_names() -> None:
    msg = EmailMessage()
    msg["From"] = "anna@acme.test"
    msg["Subject"] = "files"
    msg.set_content("see attached")
    msg.add_alternative('<p>see <img src="cid:logo@x"></p>', subtype="html")
    html_part = msg.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(b"\x89PNG fake", maintype="image", subtype="png", cid="<logo@x>")
    msg.add_attachment(
        "Zażółć".encode(), maintype="text", subtype="plain", filename="Faktura_łódź_ภาษี_hoá đơn.txt"
    )
    msg.add_attachment(
        b"%PDF-1.4", maintype="application", subtype="pdf", filename="../../etc/passwd.pdf"
    )
    parsed = parse_email(msg.as_bytes())
    by_name = {a.filename: a for a in parsed.attachments}
    assert by_name["Faktura_łódź_ภาษี_hoá đơn.txt"].content == "Zażółć".encode()
    assert by_name["passwd.pdf"].content_type == "application/pdf"
    inline = [a for a in parsed.attachments if a.is_inline]
    assert [(a.content_id, a.content_type, a.size) for a in inline] == [("logo@x", "image/png", 9)]
    assert parsed.text == "see attached"


def test_broken_encoded_filename_and_base64_padding() -> None:
    raw = (
        b"From: a@example.test\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n"
        b"Content-Type: text/plain\n\nbody\n--XX\n"
        b'Content-Type: application/octet-stream; name="=?utf-8?b?SG/DoSDEkcahbi5wZGY?="\n'
        b"Content-Transfer-Encoding: base64\n\n"
        + base64.b64encode(b"abcde").rstrip(b"=")
        + b"\n--XX--\n"
    )
    parsed = parse_email(raw)
    assert [(a.filename, a.content) for a in parsed.attachments] == [("Hoá đơn.pdf", b"abcde")]


def test_simple_uuencode_in_body() -> None:
    import binascii

    encoded = binascii.b2a_uu(b"hello uu").decode()
    raw = f"From: a@example.test\nSubject: uu\n\nHere it is\nbegin 644 note.txt\n{encoded}`\nend\n".encode()
    parsed = parse_email(raw)
    assert [(a.filename, a.content) for a in parsed.attachments] == [("note.txt", b"hello uu")]
    assert parsed.text.strip() == "Here it is"


def _tnef(filename: bytes, data: bytes) -> bytes:
    def attr(level: int, attid: int, payload: bytes) -> bytes:
        return (
            struct.pack("<BII", level, attid, len(payload))
            + payload
            + struct.pack("<H", sum(payload) & 0xFFFF)
        )

    return (
        struct.pack("<IH", 0x223E9F78, 1)
        + attr(1, 0x00089006, struct.pack("<I", 0x00010000))
        + attr(2, 0x00069002, b"\x01\x00\x00\x00" + b"\x00" * 10)
        + attr(2, 0x00018010, filename + b"\x00")
        + attr(2, 0x0006800F, data)
    )


@pytest.mark.parametrize("filename", [b"invoice.txt", "hoá đơn.txt".encode("cp1258")])
def test_winmail_dat_is_unpacked(filename: bytes) -> None:
    msg = EmailMessage()
    msg["From"] = "outlook@example.test"
    msg.set_content("body")
    msg.add_attachment(
        _tnef(filename, b"hello tnef"),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    parsed = parse_email(msg.as_bytes())
    assert [a.content for a in parsed.attachments] == [b"hello tnef"]
    assert parsed.attachments[0].filename.endswith(".txt")


def test_unreadable_winmail_dat_is_kept_as_is() -> None:
    msg = EmailMessage()
    msg["From"] = "outlook@example.test"
    msg.set_content("body")
    msg.add_attachment(
        b"not tnef at all", maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    parsed = parse_email(msg.as_bytes())
    assert [a.filename for a in parsed.attachments] == ["winmail.dat"]
    assert "unreadable TNEF" in parsed.defects


def test_too_large_and_empty_are_refused() -> None:
    with pytest.raises(EmailParseError) as too_large:
        parse_email(b"From: a@b\n\n" + b"x" * 100, max_bytes=50)
    assert too_large.value.reason == "too large"
    with pytest.raises(EmailParseError) as empty:
        parse_email(b"  \r\n")
    assert empty.value.reason == "empty"


def test_garbage_is_still_a_message() -> None:
    parsed = parse_email(b"\x00\xff\xfe garbage without headers \x80\x81")
    assert parsed.kind == "message"
    assert "\ufffd" not in parsed.text


def test_dates() -> None:
    def date_of(value: str) -> datetime | None:
        return parse_email(f"From: a@b\nDate: {value}\n\nx".encode()).date

    assert date_of("Tue, 1 Jul 2003 10:52:37 +0200") == datetime(
        2003, 7, 1, 10, 52, 37, tzinfo=timezone(timedelta(hours=2))
    )
    assert date_of("Tue, 1 Jul 2003 10:52:37 -0000") == datetime(2003, 7, 1, 10, 52, 37, tzinfo=UTC)
    assert date_of("not a date") is None


def test_mime_part_cap_is_recorded() -> None:
    parts = "".join(f"--B\nContent-Type: text/plain\n\npart {i}\n" for i in range(MAX_PARTS + 50))
    raw = f"From: a@b\nContent-Type: multipart/mixed; boundary=B\n\n{parts}--B--\n".encode()
    parsed = parse_email(raw)
    assert any("more than" in d for d in parsed.defects)


# Corpus cases with a known right answer.


def test_rt_8859_15_series_decodes_exactly(shared_data: Path) -> None:
    folder = shared_data / "eml-rt" / "8859-15-message-series"
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.startswith("msg"))
    assert files
    for path in files:
        assert parse_email(path.read_bytes()).subject == "test äöüßÄÖÜß€", path.name


def test_koi8_r_attachment_names(shared_data: Path) -> None:
    parsed = parse_email(
        (
            shared_data / "eml-django-mailbox" / "message_with_koi8r_filename_attachments.eml"
        ).read_bytes()
    )
    assert [a.filename for a in parsed.attachments] == [
        "Пакет предложений HSE Career Fair 8 апреля 2016.pdf",
        "Ведомости.pdf",
        "Пакет предложений 2016.pptx",
    ]


def test_mislabelled_big5_reply_reads_as_chinese(shared_data: Path) -> None:
    parsed = parse_email((shared_data / "eml-discourse" / "chinese_reply.eml").read_bytes())
    assert "\ufffd" not in parsed.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in parsed.text)


def test_multiline_wrote_header(shared_data: Path) -> None:
    parsed = parse_email((shared_data / "eml-discourse" / "multiline_wrote.eml").read_bytes())
    assert parsed.reply_text == "Thanks!"


@pytest.mark.parametrize("name", ["enclosed-endless.eml", "torture.eml"])
def test_hostile_mime_is_bounded(shared_data: Path, name: str) -> None:
    parsed = parse_email((shared_data / "eml-flanker" / name).read_bytes())
    assert len(parsed.attachments) <= MAX_PARTS
