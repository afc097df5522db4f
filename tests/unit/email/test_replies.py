"""Reply extraction on hand-written Vietnamese, Thai and Polish replies (no public corpus has any)
in the formats Gmail, Outlook, Apple Mail and Thunderbird produce, plus general rules."""

from __future__ import annotations

import pytest

from tessera.channels.email.replies import extract_reply

QUOTE_VI = "> Chào em,\n> Anh gửi hoá đơn tháng 1.\n"
QUOTE_TH = "> สวัสดีครับ\n> ส่งใบแจ้งหนี้มาให้แล้วครับ\n"
QUOTE_PL = "> Dzień dobry,\n> przesyłam fakturę.\n"

CASES = [
    # Vietnamese
    (
        "vi gmail",
        "Dạ em cảm ơn anh, em sẽ kiểm tra lại.\n\nVào Th 2, 15 thg 1, 2024 vào lúc 10:30 Nguyễn Văn An <an@example.vn> đã viết:\n"
        + QUOTE_VI,
        "Dạ em cảm ơn anh, em sẽ kiểm tra lại.",
    ),
    (
        "vi gmail wrapped",
        "Dạ em cảm ơn anh.\n\nVào Th 2, 15 thg 1, 2024 vào lúc 10:30 Nguyễn Văn An <\nan@example.vn> đã viết:\n\n"
        + QUOTE_VI,
        "Dạ em cảm ơn anh.",
    ),
    (
        "vi apple",
        "Em đã nhận được.\n\nGửi từ iPhone của tôi\n\n> Vào 10:30, ngày 15 thg 1, 2024, Nguyễn Văn An <an@example.vn> đã viết:\n>\n"
        + QUOTE_VI,
        "Em đã nhận được.",
    ),
    (
        "vi thunderbird",
        "Em gửi lại file đính kèm.\n\nVào lúc 10:30 15/01/2024, Nguyễn Văn An đã viết:\n"
        + QUOTE_VI,
        "Em gửi lại file đính kèm.",
    ),
    (
        "vi outlook",
        "Chào chị,\nĐơn hàng đã giao hôm qua.\n\n________________________________\nTừ: Nguyễn Văn An <an@example.vn>\nĐã gửi: Thứ Hai, ngày 15 tháng 1 năm 2024 10:30\nĐến: hotro@example.vn\nChủ đề: Đơn hàng 123\n\nChào em\n",
        "Chào chị,\nĐơn hàng đã giao hôm qua.",
    ),
    (
        "vi outlook no rule",
        "Vâng ạ.\n\nTừ: Nguyễn Văn An <an@example.vn>\nGửi: 15/01/2024 10:30\nĐến: hotro@example.vn\nChủ đề: RE: Đơn hàng\n\nChào em\n",
        "Vâng ạ.",
    ),
    (
        "vi signature",
        "Cảm ơn anh nhiều.\n\nTrân trọng,\nNguyễn Thị Bình\nPhòng Kế toán\n\nVào 10:30 15/01/2024, An <an@example.vn> đã viết:\n"
        + QUOTE_VI,
        "Cảm ơn anh nhiều.",
    ),
    # Thai
    (
        "th gmail",
        "ขอบคุณครับ จะตรวจสอบให้นะครับ\n\nเมื่อ จ. 15 ม.ค. 2024 เวลา 10:30 สมชาย ใจดี <somchai@example.co.th> เขียนว่า:\n"
        + QUOTE_TH,
        "ขอบคุณครับ จะตรวจสอบให้นะครับ",
    ),
    (
        "th apple",
        "ได้รับแล้วค่ะ\n\nส่งจาก iPhone ของฉัน\n\n> เมื่อ 15 ม.ค. 2567 เวลา 10:30 สมชาย ใจดี <somchai@example.co.th> เขียนว่า:\n>\n"
        + QUOTE_TH,
        "ได้รับแล้วค่ะ",
    ),
    (
        "th thunderbird",
        "รบกวนส่งใบเสร็จอีกครั้งค่ะ\n\nเมื่อ 15/1/2567 10:30, สมชาย ใจดี เขียนว่า:\n" + QUOTE_TH,
        "รบกวนส่งใบเสร็จอีกครั้งค่ะ",
    ),
    (
        "th outlook",
        "ได้รับแล้วค่ะ ขอบคุณค่ะ\n\n________________________________\nจาก: สมชาย ใจดี <somchai@example.co.th>\nส่ง: 15 มกราคม 2567 10:30\nถึง: support@example.co.th\nเรื่อง: ใบแจ้งหนี้\n\nสวัสดีครับ\n",
        "ได้รับแล้วค่ะ ขอบคุณค่ะ",
    ),
    # Polish
    (
        "pl gmail",
        "Dziękuję, sprawdzę to.\n\npon., 15 sty 2024 o 10:30 Jan Kowalski <jan@example.pl> napisał(a):\n"
        + QUOTE_PL,
        "Dziękuję, sprawdzę to.",
    ),
    (
        "pl gmail old",
        "Dziękuję.\n\nW dniu 15 stycznia 2024 10:30 użytkownik Jan Kowalski <jan@example.pl>\nnapisał:\n"
        + QUOTE_PL,
        "Dziękuję.",
    ),
    (
        "pl thunderbird",
        "Proszę o korektę faktury.\n\nW dniu 15.01.2024 o 10:30, Jan Kowalski pisze:\n" + QUOTE_PL,
        "Proszę o korektę faktury.",
    ),
    (
        "pl apple",
        "Dziękuję za szybką odpowiedź.\n\nWysłane z iPhone'a\n\n> Wiadomość napisana przez Jan Kowalski <jan@example.pl> w dniu 15.01.2024, o godz. 10:30:\n>\n"
        + QUOTE_PL,
        "Dziękuję za szybką odpowiedź.",
    ),
    (
        "pl outlook",
        "Dzień dobry,\nfaktura jest już opłacona.\n\nPozdrawiam,\nAnna Nowak\n\nOd: Jan Kowalski <jan@example.pl>\nWysłano: poniedziałek, 15 stycznia 2024 10:30\nDo: pomoc@example.pl\nTemat: Faktura 12/2024\n\nDzień dobry\n",
        "Dzień dobry,\nfaktura jest już opłacona.",
    ),
    (
        "pl onet dnia",
        "Ok.\n\nDnia 15 stycznia 2024 10:30 Jan Kowalski <jan@example.pl> napisał(a):\n" + QUOTE_PL,
        "Ok.",
    ),
    (
        "pl original message",
        "Zgoda.\n\n-----Oryginalna wiadomość-----\nOd: Jan Kowalski\nWysłano: 15.01.2024\n\ntreść\n",
        "Zgoda.",
    ),
    # General
    ("bottom post", "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello", "Hello"),
    ("quote only", "> just a quote\n> nothing else", "> just a quote\n> nothing else"),
    ("plain", "Không có gì để cắt.\nHai dòng.", "Không có gì để cắt.\nHai dòng."),
    ("sig dashes", "Xin chào\n\n-- \nBình\n0901 234 567", "Xin chào"),
    ("not a header", "Tôi đã viết: cảm ơn\nvà thế thôi.", "Tôi đã viết: cảm ơn\nvà thế thôi."),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_vi_th_pl_replies(name: str, text: str, expected: str) -> None:
    assert extract_reply(text) == expected


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_crlf_makes_no_difference(name: str, text: str, expected: str) -> None:
    assert extract_reply(text.replace("\n", "\r\n")) == expected


def test_forward_without_comment_has_no_new_text() -> None:
    body = "---------- Forwarded message ---------\nFrom: Jan <jan@example.pl>\nDate: 15.01.2024\nSubject: X\nTo: <a@b.c>\n\nTreść\n"
    assert extract_reply(body) == ""


def test_html_fallback_when_text_is_empty() -> None:
    html = "<div>Xin chào</div><div class='gmail_quote'>Vào 10:30 15/01/2024, An &lt;an@example.vn&gt; đã viết:<blockquote>cũ</blockquote></div>"
    assert extract_reply("", html=html).startswith("Xin chào")
