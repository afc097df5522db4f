"""Forwarded mail: the original sender, recipients, subject and date under the forward header."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from tessera.channels.email.forwards import extract_forward, parse_address_list
from tessera.channels.email.parser import parse_email
from tests.unit.email.forward_corpus import score_forward_corpus

VIETNAMESE_GMAIL = (
    "Nhờ team kiểm tra giúp.\n\n"
    "---------- Thư được chuyển tiếp ---------\n"
    "Từ: Nguyễn Văn Bình <binh@globex.vn>\n"
    "Ngày: Th 2, 15 thg 1, 2024 lúc 10:30\n"
    "Chủ đề: Hoá đơn tháng 1\n"
    "Đến: <hotro@example.vn>\n\n"
    "Em chưa nhận được hoá đơn.\n"
)
THAI_GMAIL = (
    "---------- ข้อความที่ส่งต่อ ---------\n"
    "จาก: สมชาย ใจดี <somchai@example.co.th>\n"
    "วันที่: จ. 15 ม.ค. 2567 เวลา 10:30\n"
    "เรื่อง: ใบแจ้งหนี้\n"
    "ถึง: <support@example.test>\n\n"
    "ยังไม่ได้รับใบแจ้งหนี้ครับ\n"
)
POLISH_OUTLOOK = (
    "Przesyłam dalej.\n\n"
    "________________________________\n"
    "Od: Kowalska, Anna <anna@acme.pl>\n"
    "Wysłano: poniedziałek, 15 stycznia 2024 10:30\n"
    "Do: Pomoc <pomoc@example.pl>; jan@acme.pl\n"
    "DW: Nowak, Jan <jan.nowak@acme.pl>\n"
    "Temat: Faktura nr 12\n\n"
    "Dzień dobry, nie dostałam faktury.\n"
)
POLISH_THUNDERBIRD = (
    "-------- Wiadomość przekazana --------\n"
    "Temat: \tFaktura\nData: \tMon, 15 Jan 2024 10:30:00 +0100\nNadawca: \tAnna <anna@acme.pl>\n"
    "Adresat: \tpomoc@example.pl\n\n\nTreść\n"
)
APPLE_VIETNAMESE = (
    "> Bắt đầu thư được chuyển tiếp:\n>\n> Từ: Bình <binh@globex.vn>\n> Chủ đề: Đơn hàng 7\n"
    "> Ngày: 15 tháng 1, 2024 lúc 10:30:00 GMT+7\n> Đến: hotro@example.vn\n>\n> Giao hàng chậm.\n"
)


@pytest.mark.parametrize(
    ("text", "subject", "sender", "name", "subject_out", "date", "body"),
    [
        (VIETNAMESE_GMAIL, "Fwd: Hoá đơn tháng 1", "binh@globex.vn", "Nguyễn Văn Bình", "Hoá đơn tháng 1",
         "Th 2, 15 thg 1, 2024 lúc 10:30", "Em chưa nhận được hoá đơn."),
        (THAI_GMAIL, "Fwd: ใบแจ้งหนี้", "somchai@example.co.th", "สมชาย ใจดี", "ใบแจ้งหนี้",
         "จ. 15 ม.ค. 2567 เวลา 10:30", "ยังไม่ได้รับใบแจ้งหนี้ครับ"),
        (POLISH_OUTLOOK, "PD: Faktura nr 12", "anna@acme.pl", "Kowalska, Anna", "Faktura nr 12",
         "poniedziałek, 15 stycznia 2024 10:30", "Dzień dobry, nie dostałam faktury."),
        (POLISH_THUNDERBIRD, "Fwd: Faktura", "anna@acme.pl", "Anna", "Faktura",
         "Mon, 15 Jan 2024 10:30:00 +0100", "Treść"),
        (APPLE_VIETNAMESE, "Fwd: Đơn hàng 7", "binh@globex.vn", "Bình", "Đơn hàng 7",
         "15 tháng 1, 2024 lúc 10:30:00 GMT+7", "Giao hàng chậm."),
    ],
)
def test_forward_headers_in_our_languages(
    text: str, subject: str, sender: str, name: str, subject_out: str, date: str, body: str
) -> None:
    found = extract_forward(text, subject)
    assert found is not None
    assert (found.from_address, found.from_name, found.subject, found.date, found.body) == (
        sender, name, subject_out, date, body
    )


def test_polish_outlook_recipients_and_message() -> None:
    found = extract_forward(POLISH_OUTLOOK, "PD: Faktura nr 12")
    assert found is not None
    assert found.to == [("Pomoc", "pomoc@example.pl"), ("", "jan@acme.pl")]
    assert found.cc == [("Nowak, Jan", "jan.nowak@acme.pl")]
    assert found.message == "Przesyłam dalej."


def test_a_reply_is_not_a_forward() -> None:
    # The same Outlook block under a reply: the subject says which it is.
    assert extract_forward(POLISH_OUTLOOK, "Odp: Faktura nr 12") is None
    assert extract_forward("Thanks!\n\nOn Mon, 15 Jan 2024, Anna <anna@acme.pl> wrote:\n> Hi\n", "Re: Hi") is None
    assert extract_forward("From: the team, with love\nNothing else here.", "Fwd: x") is None


def test_address_lists_as_clients_write_them() -> None:
    assert parse_address_list('"Last, First" <a@x.test>, b@x.test; Name [mailto:c@x.test]') == [
        ("Last, First", "a@x.test"), ("", "b@x.test"), ("Name", "c@x.test")
    ]
    assert parse_address_list("John<mailto:j@x.test> <j@x.test<mailto:j@x.test>> on behalf of t@x.test") == [
        ("John", "j@x.test")
    ]
    assert parse_address_list("Bessie Berry") == [("Bessie Berry", "")]


def test_hostile_input_costs_bounded_time() -> None:
    text = "-" * 50_000 + "\n" + ("From: a\n" * 5000) + ("<" * 20_000)
    assert extract_forward(text, "Fwd: x") is None


def test_parse_email_and_the_command_expose_the_forward(tmp_path: Path) -> None:
    raw = (
        "From: Agent <agent@example.test>\nTo: support@example.test\nSubject: Fwd: Hoá đơn tháng 1\n"
        "Message-ID: <f1@example.test>\nContent-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n" + VIETNAMESE_GMAIL
    ).encode()
    parsed = parse_email(raw)
    assert parsed.forwarded is not None and parsed.forwarded.from_address == "binh@globex.vn"
    path = tmp_path / "fwd.eml"
    path.write_bytes(raw)
    out = io.StringIO()
    call_command("email_parse", str(path), stdout=out)
    data = json.loads(out.getvalue())
    assert data["forwarded"] == {
        "from": {"address": "binh@globex.vn", "name": "Nguyễn Văn Bình"},
        "to": [{"address": "hotro@example.vn", "name": ""}],
        "cc": [],
        "subject": "Hoá đơn tháng 1",
        "date": "Th 2, 15 thg 1, 2024 lúc 10:30",
    }
    plain = parse_email(b"From: a@b.test\nSubject: hi\n\nHello\n")
    assert plain.forwarded is None


@pytest.mark.shared_data
def test_forward_corpus(shared_data: Path) -> None:
    score = score_forward_corpus(shared_data)
    rates = {k: f"{score.fields[k]}/{score.checked[k]}" for k in sorted(score.checked)}
    clients = {k: f"{v[0]}/{v[1]}" for k, v in sorted(score.per_client.items())}
    print(f"\nforward corpus exact cases: {score.exact}/{score.cases}; fields {rates}; per client {clients}")
    print("failures:", score.failures)
    # Measured 206/206 (every field each group checks: forwarded or not, From, To, Cc, subject,
    # date, body and the forwarder's message).
    assert score.exact >= 206
