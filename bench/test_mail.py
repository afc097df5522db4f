"""The pure helpers of the email, rules and search workloads. No database.

Run with ``.venv/bin/pytest bench/test_mail.py``.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from bench import mail, text
from bench.workloads import rules, search

VIETNAMESE = "Không đăng nhập được vào tài khoản, hóa đơn bị sai, ỨNG DỤNG lỗi, đơn hàng giao chậm"


def test_cp1258_text_encodes_and_reads_back_as_the_same_text() -> None:
    written = mail.cp1258_text(VIETNAMESE)
    raw = written.encode("cp1258")
    assert unicodedata.normalize("NFC", raw.decode("cp1258")) == VIETNAMESE
    # Toned letters the code page lacks become a letter plus a combining tone mark.
    assert written != VIETNAMESE
    assert any(unicodedata.combining(c) for c in written)


def test_cp1258_text_refuses_what_the_code_page_cannot_carry() -> None:
    with pytest.raises(ValueError, match="cannot be written in windows-1258"):
        mail.cp1258_text("เครื่องพิมพ์")


@pytest.mark.parametrize("charset", ["utf-8", "windows-1258", "tis-620", "iso-8859-2"])
def test_built_mail_declares_its_charset_and_parses_back(charset: str) -> None:
    language = {"utf-8": "vi", "windows-1258": "vi", "tis-620": "th", "iso-8859-2": "pl"}[charset]
    subject = text.SUBJECTS[language][0]
    body = " ".join(text.SENTENCES[language][:3])
    raw = mail.build(mail.MailSpec(text.FIRST_NAMES[language][0], "someone@example.net", subject, body,
                                   "<a-1@mail.example.org>", datetime(2026, 11, 22, tzinfo=UTC),
                                   charset, in_reply_to="<p@x>", references=["<p@x>"], html=True))
    assert b"\r\n" in raw
    assert raw.isascii()  # every non-ASCII byte is transfer-encoded, as MTAs expect
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    plain = msg.get_body(preferencelist=("plain",))
    assert plain is not None
    assert plain.get_content_charset() == charset
    assert unicodedata.normalize("NFC", plain.get_content()).strip() == body
    assert unicodedata.normalize("NFC", str(msg["subject"])) == subject
    assert msg["In-Reply-To"] == "<p@x>"


def test_a_batch_is_half_new_and_every_reply_follows_its_parent() -> None:
    rng = random.Random(3)
    senders = [mail.Sender(f"c{i}@org.example", "Zofia Lewandowska", "pl") for i in range(20)]
    threads = [mail.DataThread(i, mail.Sender(f"d{i}@org.example", "สมชาย ใจดี", "th"), "พัสดุส่งช้ามาก",
                               (f"<gen-{i}-0@mail.example.org>",)) for i in range(30)]
    batch = mail.plan_batch(rng, 300, "t", senders, threads)

    kinds = Counter(p.kind for p in batch)
    assert kinds == {"new": 150, "reply": 120, "reply_data": 30}
    assert len({p.message_id for p in batch}) == 300
    position = {p.message_id: i for i, p in enumerate(batch)}
    for p in batch:
        if p.kind == "reply":
            assert position[p.message_id] - position[p.parent] >= mail.MIN_REPLY_GAP
            parent = batch[position[p.parent]]
            assert _sender(parent.raw) == _sender(p.raw)
            assert p.parent.encode() in p.raw
    data = [p for p in batch if p.kind == "reply_data"]
    assert sorted(p.expected_ticket or 0 for p in data) == list(range(30))
    assert {p.charset for p in batch} >= {"utf-8", "iso-8859-2"}


def _sender(raw: bytes) -> str:
    msg = message_from_bytes(raw, policy=policy.default)
    return str(msg["from"].addresses[0].addr_spec)


def test_bench_rules_are_valid_and_mostly_selective() -> None:
    from tessera.rules import schema

    documents = rules.rule_documents(random.Random(1), 300, [1, 2, 3])
    assert len(documents) == 300
    assert len({d["name"] for d in documents}) == 300
    for document in documents:
        assert schema.validate(document) == []
    always = [d for d in documents if d["name"].endswith("always")]
    assert len(always) == sum(rules.ALWAYS_MATCHING.values())
    # Every other rule tests something no generated ticket has, so it never fires.
    selective = {"ticket.tags", "ticket.subject", "contact.email", "message.body_text"}
    for document in documents:
        if document not in always:
            assert selective & {c["field"] for c in document["conditions"]["all"]}


def test_search_paths_quote_the_query() -> None:
    assert search.path("don hang") == "/api/v1/tickets?q=don%20hang&limit=25"
    assert search.path("พิมพ์").startswith("/api/v1/tickets?q=%E0%B8")
