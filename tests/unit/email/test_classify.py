"""Machine mail must never open a ticket or trigger an auto-acknowledgement."""

from __future__ import annotations

import csv
import json
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest

from tessera.channels.email.parser import parse_email


def _mail(subject: str = "Hello", body: str = "Hi there", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Customer <customer@example.test>")
    msg["To"] = "support@example.test"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: Invoice 12",
        "Out of Office: Re: ticket",
        "Auto reply: hello",
        "Autoreply",
        "Tự động trả lời: Đơn hàng",
        "Trả lời tự động: Hoá đơn",
        "ตอบกลับอัตโนมัติ: ใบแจ้งหนี้",
        "Automatyczna odpowiedź: Faktura",
        "Odpowiedź automatyczna",
        "RE: Automatyczna odpowiedź",
        "Abwesenheitsnotiz: Rechnung",
        "Réponse automatique : facture",
        "[AUTO GENERATED] notice",
    ],
)
def test_auto_reply_subjects(subject: str) -> None:
    assert parse_email(_mail(subject)).kind == "auto_reply"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Auto_Submitted": "auto-generated"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "Out of office"},
        {"X_Auto_Response_Suppress": "All"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"List_Id": "<news.example.test>"},
        {"List_Unsubscribe": "<mailto:unsub@example.test>"},
        {"Return_Path": "<>"},
    ],
)
def test_auto_reply_headers(headers: dict[str, str]) -> None:
    parsed = parse_email(_mail(**dict(headers)))
    assert parsed.kind == "auto_reply", parsed.kind_reason


@pytest.mark.parametrize(
    "subject",
    [
        "Out of stock question",
        "Re: automatic payments",
        "Vắng mặt hôm qua có sao không?",
        "Auto-Submitted header question",
    ],
)
def test_people_writing_about_such_things_are_messages(subject: str) -> None:
    parsed = parse_email(_mail(subject, Auto_Submitted="no"))
    assert parsed.kind == "message", parsed.kind_reason


def test_dsn_recipients_status_and_delay() -> None:
    raw = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\nTo: support@example.test\n"
        b"Subject: Delivery Status Notification\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
        b"--B\nContent-Type: text/plain\n\nSome mail could not be delivered.\n"
        b"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.test\n\n"
        b"Final-Recipient: rfc822; gone@example.vn\nAction: failed\nStatus: 5.1.1\n\n"
        b"Final-Recipient: rfc822;<slow@example.th>\nAction: delayed\nStatus: 4.4.7\n\n"
        b"--B--\n"
    )
    parsed = parse_email(raw)
    assert parsed.kind == "bounce"
    assert [(r.address, r.status, r.action, r.temporary) for r in parsed.bounced_recipients] == [
        ("gone@example.vn", "5.1.1", "failed", False),
        ("slow@example.th", "4.4.7", "delayed", True),
    ]


def test_arf_complaint() -> None:
    raw = (
        b"From: abuse@isp.test\nSubject: complaint\nContent-Type: multipart/report; report-type=feedback-report; boundary=B\n\n"
        b"--B\nContent-Type: text/plain\n\nThis is an abuse report\n"
        b"--B\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n\n--B--\n"
    )
    assert parse_email(raw).kind == "complaint"


def _sisimai_label(path: Path) -> str:
    name = path.name
    if path.parent.name == "not":
        # rb-issue-368-bug.eml is in sisimai's "not" folder because sisimai's parser cannot read
        # it, yet it is a mailbox-full notice with Auto-Submitted: it must not become a ticket.
        return "message" if name.startswith("is-not-bounce") else "not-a-message"
    if name.startswith(("lhost-", "rhost-", "rfc3464-")):
        return "bounce"
    if name.startswith("arf-"):
        return "complaint"
    if name.startswith("rfc3834-"):
        return "auto_reply"
    raise AssertionError(name)


@pytest.mark.shared_data
def test_sisimai_corpus(shared_data: Path) -> None:
    folder = shared_data / "bounces-sisimai"
    results: Counter[tuple[str, str]] = Counter()
    opened_ticket = []
    with_recipient = bounces = 0
    for path in sorted(folder.glob("*/*.eml")):
        label = _sisimai_label(path)
        parsed = parse_email(path.read_bytes())
        results[(label, parsed.kind)] += 1
        if label != "message" and parsed.kind == "message":
            opened_ticket.append(path.name)
        if label == "bounce":
            bounces += 1
            with_recipient += bool(parsed.bounced_recipients)
    print("\nsisimai label -> kind:", dict(sorted(results.items())))
    print(f"bounces with a failed recipient extracted: {with_recipient}/{bounces}")
    total = sum(results.values())
    exact = sum(
        n
        for (label, kind), n in results.items()
        if label == kind or (label == "not-a-message" and kind != "message")
    )
    print(
        f"exact class: {exact}/{total}; would open a ticket: {len(opened_ticket)} {opened_ticket}"
    )
    assert results[("message", "message")] == 2  # the two real non-bounces stay messages
    # Measured 708/712. The four "misses" are deliberate: sisimai files every lhost-* sample as
    # a bounce, but lhost-amazonses-11 is an SES complaint, -12 and -13 are SES delivery
    # (success) notices, and lhost-sendmail-14 is a person forwarding a bounce to us with
    # words of their own ("Forward the message."), which must reach an agent as a ticket.
    assert exact >= 708
    assert opened_ticket == ["lhost-sendmail-14.eml"]
    assert with_recipient >= 681  # measured 681/684 (was 623 before the vendor formats)


@pytest.mark.shared_data
def test_flufl_recipients(shared_data: Path) -> None:
    folder = shared_data / "bounces-flufl"
    cases = json.loads((folder / "expected.json").read_text())["cases"]
    hits = 0
    for case in cases:
        parsed = parse_email((folder / case["file"]).read_bytes())
        got = {r.address.lower() for r in parsed.bounced_recipients}
        hits += got == {a.lower() for a in case["expected_addresses"]} and parsed.kind == "bounce"
    print(f"\nflufl exact recipient sets: {hits}/{len(cases)}")
    # Measured 111/116. Misses: groupwise_03 and qmail_08 are a person's reply and an
    # auto-reply (flufl expects no address but counts them as bounces); groupwise_02 and
    # simple_43 name a recipient flufl's detectors do not read; yale_01's expected addresses
    # are rebuilt by flufl from a bare name and are not in the mail.
    assert hits >= 111


@pytest.mark.shared_data
def test_discourse_and_flanker_machine_mail(shared_data: Path) -> None:
    for name in (
        "auto_generated_header",
        "auto_generated_precedence",
        "auto_generated_subject",
        "auto_reply",
    ):
        assert (
            parse_email((shared_data / "eml-discourse" / f"{name}.eml").read_bytes()).kind
            == "auto_reply"
        ), name
    for name in ("bounced_email", "bounced_email_multiple_status_codes"):
        parsed = parse_email((shared_data / "eml-discourse" / f"{name}.eml").read_bytes())
        assert parsed.kind == "bounce"
        assert parsed.bounced_recipients
    for path in sorted((shared_data / "eml-flanker" / "bounce").glob("*.eml")):
        assert parse_email(path.read_bytes()).kind == "bounce", path.name
    for path in sorted((shared_data / "eml-flanker" / "complaints").glob("*.eml")):
        assert parse_email(path.read_bytes()).kind == "complaint", path.name
    for name in ("multiline_wrote", "chinese_reply", "hebrew_reply", "big5", "forwarded_email_1"):
        assert (
            parse_email((shared_data / "eml-discourse" / f"{name}.eml").read_bytes()).kind
            == "message"
        ), name


@pytest.mark.slow
@pytest.mark.shared_data
def test_ham_is_not_classified_as_bounce(shared_data: Path) -> None:
    folder = shared_data / "spam-ham-spamassassin"
    rows = [r for r in csv.DictReader((folder / "labels.csv").open()) if r["label"] == "ham"]
    sample = rows[::4]  # a fixed quarter keeps the unit run short
    flagged = [
        r["path"]
        for r in sample
        if parse_email((folder / r["path"]).read_bytes()).kind in ("bounce", "complaint")
    ]
    print(f"\nham flagged as bounce/complaint: {len(flagged)}/{len(sample)} {flagged}")
    # The few hits are real delay/failure notices that SpamAssassin filed as ham.
    assert len(flagged) <= 3


def _ses_mail(event: str) -> bytes:
    return (
        "From: SES <no-reply@sns.amazonaws.com>\nTo: ops@example.test\nSubject: AWS Notification Message\n"
        "x-amz-sns-message-id: 1\nContent-Type: text/plain; charset=UTF-8\n\n" + event + "\n\n--\nIf you wish to stop\n"
    ).encode()


def test_amazon_ses_bounce_wrapped_by_sns() -> None:
    # SNS wraps long lines with "!" + newline + space, even inside a JSON string.
    event = (
        '{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":'
        '[{"emailAddress":"gone@example.vn","action":"failed","status":"5.1.1"}]},"mail":{"source":"us@ex!\n'
        ' ample.test"}}'
    )
    parsed = parse_email(_ses_mail(event))
    assert parsed.kind == "bounce"
    assert [(r.address, r.status, r.temporary) for r in parsed.bounced_recipients] == [
        ("gone@example.vn", "5.1.1", False)
    ]


def test_amazon_ses_envelope_complaint_and_delivery() -> None:
    inner = '{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"angry@example.pl"}]}}'
    envelope = json.dumps({"Type": "Notification", "Message": inner})
    complaint = parse_email(_ses_mail(envelope))
    assert complaint.kind == "complaint"
    assert [r.address for r in complaint.bounced_recipients] == ["angry@example.pl"]
    delivered = parse_email(_ses_mail('{"notificationType":"Delivery","delivery":{"recipients":["a@example.th"]}}'))
    assert delivered.kind == "auto_reply"
    assert delivered.bounced_recipients == []


def test_a_customer_pasting_ses_json_is_still_a_message() -> None:
    body = 'Your API returned {"notificationType":"Bounce"} to me, why?'
    assert parse_email(_mail("Question", body)).kind == "message"


def test_hotmail_junk_report_and_apple_unsubscribe_are_complaints() -> None:
    jmrp = (
        b"From: staff@hotmail.com\nTo: abuse@example.test\nSubject: complaint about message from 192.0.2.1\n"
        b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822\n\n"
        b"X-HmXmrOriginalRecipient: reader@example.th\nFrom: us@example.test\nTo: reader@example.th\n"
        b"Subject: News\n\nHello\n--B--\n"
    )
    parsed = parse_email(jmrp)
    assert parsed.kind == "complaint"
    assert [r.address for r in parsed.bounced_recipients] == ["reader@example.th"]
    apple = _mail("unsubscribe", "Apple Mail sent this email to unsubscribe.", X_Apple_Unsubscribe="true",
                  From="reader@example.vn", Auto_Submitted="auto-replied")
    assert parse_email(apple).kind == "complaint"


def test_fml_refusal_is_a_bounce() -> None:
    raw = (
        b"From: list-admin@example.jp\nTo: us@example.test\nSubject: You us@example.test are not member (cats ML)\n"
        b"Message-ID: <200504292334.FMLAB0001.cats@example.jp>\n\n"
        b"You are not a member of this mailing list <cats@example.jp>.\n"
    )
    parsed = parse_email(raw)
    assert parsed.kind == "bounce"
    assert [r.address for r in parsed.bounced_recipients] == ["cats@example.jp"]


def test_dsn_enclosed_in_a_message_and_original_recipient_preferred() -> None:
    raw = (
        b"From: postmaster@relay.example.test\nTo: support@example.test\n"
        b"Subject: Delivery Status Notification (Failure)\nContent-Type: multipart/mixed; boundary=O\n\n"
        b"--O\nContent-Type: message/rfc822\n\nFrom: postmaster@relay.example.test\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=I\n\n"
        b"--I\nContent-Type: text/plain\n\nfailed\n--I\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; relay.example.test\n\nOriginal-Recipient: rfc822;alias@example.pl\n"
        b"Final-Recipient: rfc822;mailbox7@internal.example.pl\nAction: failed\nStatus: 5.2.2\n\n--I--\n--O--\n"
    )
    parsed = parse_email(raw)
    assert parsed.kind == "bounce"
    assert [r.address for r in parsed.bounced_recipients] == ["alias@example.pl"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Sendmail: the list under the dashed title, not the sender named in the preamble.
        (
            "The original message was received at Mon, 1 Jan 2024\nfrom sender@example.test\n\n"
            "   ----- The following addresses had permanent fatal errors -----\n<gone@example.vn>\n"
            "    (reason: 550 5.1.1 User unknown)\n",
            ["gone@example.vn"],
        ),
        # Exim: indented details quote our own address; "(generated from …)" names the alias.
        (
            "A message that you sent could not be delivered to one or more of its\nrecipients. "
            "This is a permanent error. The following address(es) failed:\n\n  an undisclosed address\n"
            "    (generated from alias@example.th)\n    SMTP error from remote mail server after MAIL "
            "FROM:<support@example.test>:\n    550 rejected\n",
            ["alias@example.th"],
        ),
        # A Postfix session transcript: the recipient from RCPT TO.
        (
            "Transcript of session follows.\n\n Out: 220 mx ESMTP\n In:  RCPT TO:<who@example.pl>\n"
            " Out: 250 2.1.5 Ok\n In:  DATA\n Out: 451 4.3.0 Error: queue file write error\n",
            ["who@example.pl"],
        ),
        # Labelled fields win over prose that names other addresses.
        (
            "Could not deliver message to the following recipient(s):\n\nFailed Recipient: lost@example.vn\n"
            "Reason: Remote host said: 550 unknown user; write to help@example.vn instead\n",
            ["lost@example.vn"],
        ),
        # Obfuscated addresses are not addresses.
        (
            "This message was created automatically by mail delivery software.\n\n"
            "The following address(es) failed:\n\n  david...@example.test\n",
            [],
        ),
    ],
)
def test_recipients_in_bounce_texts(body: str, expected: list[str]) -> None:
    raw = _mail("Mail delivery failed: returning message to sender", body,
                From="Mail Delivery System <MAILER-DAEMON@mx.example.test>")
    parsed = parse_email(raw)
    assert parsed.kind == "bounce"
    assert [r.address for r in parsed.bounced_recipients] == expected


def test_a_person_forwarding_a_bounce_is_a_message() -> None:
    body = (
        "Why did this bounce?\n\nBegin forwarded message:\n\n> From: Mail Delivery Subsystem <MAILER-DAEMON>\n"
        "> Subject: Returned mail: see transcript for details\n>\n"
        ">    ----- The following addresses had permanent fatal errors -----\n> <x@example.test>\n"
    )
    parsed = parse_email(_mail("Fwd: Returned mail: see transcript for details", body))
    assert parsed.kind == "message"
