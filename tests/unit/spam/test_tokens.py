"""The spam tokenizer: prefixes, folding, Thai bigrams, bounds."""

from __future__ import annotations

from tessera.channels.email.parser import parse_email
from tessera.spam.tokens import MailText, mail_from_parsed, tokenize


def test_sender_subject_and_url_tokens_are_prefixed() -> None:
    tokens = tokenize(
        MailText(
            subject="FREE MONEY Now!!",
            text="Visit http://deals.cheap-pills.example/buy?x=1 today",
            sender="Winner123@mail.Promo.example",
        )
    )
    assert "from:mail.promo.example" in tokens
    assert "from:promo.example" in tokens
    assert "from:tld:example" in tokens
    assert "from:digits" in tokens
    assert {"subj:free", "subj:money", "subj:now", "subj:shouting", "subj:bangs"} <= set(tokens)
    assert "url:deals.cheap-pills.example" in tokens
    assert "url:cheap-pills.example" in tokens
    assert "visit" in tokens and "today" in tokens
    # Words shorter than three letters are noise.
    assert "x" not in tokens


def test_accents_and_case_are_folded_for_spaced_scripts() -> None:
    a = tokenize(MailText(text="Hoàn TIỀN ngay, Łódź"))
    b = tokenize(MailText(text="hoan tien ngay, lodz"))
    assert {"hoan", "tien", "ngay", "lodz"} <= set(a)
    assert set(a) == set(b)


def test_thai_runs_give_character_bigrams() -> None:
    tokens = tokenize(MailText(text="ขอคืนเงิน ด่วน"))
    # "คืนเงิน" (refund) inside a run without spaces is still found through its bigrams.
    assert {"คื", "ืน", "นเ", "เง", "งิ", "ิน"} <= set(tokens)
    assert "ขอคืนเงิน" not in tokens
    assert "ด่" in tokens


def test_html_and_header_signals() -> None:
    tokens = tokenize(
        MailText(
            text="",
            html='<table><tr><td><a href="http://192.168.1.1/x">click</a><img src="a.gif"></td></tr></table>',
            headers={"X-Mailer": "Microsoft Outlook Express 6.00.2600", "list-id": "<x.lists.example>", "x-spam-flag": "YES"},
        )
    )
    assert {"html:yes", "html:mostly", "html:img", "html:table", "url:ip"} <= set(tokens)
    assert "hdr:x-mailer:microsoft" in tokens
    assert "hdr:list-id" in tokens
    assert not [t for t in tokens if "spam" in t]


def test_token_count_is_bounded_and_distinct() -> None:
    text = " ".join(f"word{i:05d}" for i in range(20_000)) + " word00001"
    tokens = tokenize(MailText(text=text))
    assert len(tokens) == 1500
    assert len(set(tokens)) == len(tokens)
    assert len(tokenize(MailText(text=text), limit=10)) == 10


def test_long_blobs_collapse_to_a_length_class() -> None:
    tokens = tokenize(MailText(text="key " + "a" * 45))
    assert "skip:a:40" in tokens


def test_from_a_parsed_mail() -> None:
    raw = (
        b"From: Shop <offers@shop.example>\r\nTo: support@example.test\r\nSubject: Cheap watches\r\n"
        b"X-Mailer: MassMailer 2\r\nMessage-ID: <1@shop.example>\r\n\r\nBuy at https://shop.example/now\r\n"
    )
    tokens = tokenize(mail_from_parsed(parse_email(raw)))
    assert {"from:shop.example", "subj:cheap", "subj:watches", "hdr:x-mailer:massmailer", "url:shop.example", "buy"} <= set(tokens)
