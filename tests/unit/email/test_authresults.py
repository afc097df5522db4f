"""Authentication-Results parsing and the sender decision, on header shapes real servers write."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessera.channels.email.authresults import (
    aligned,
    check_sender,
    parse_authentication_results,
    trusted_results,
    verify_sender,
)
from tessera.conf import ConfigError, read_env

# Gmail (Google Workspace) receiving from another domain: folded with spaces, comments that
# themselves read "spf=pass", an arc= result, the DMARC policy in a comment.
GMAIL = (
    "mx.google.com;\r\n"
    "       dkim=pass header.i=@example.com header.s=google header.b=Xq3+d/7a;\r\n"
    "       arc=pass (i=1 spf=pass spfdomain=example.com dkim=pass dkdomain=example.com dmarc=pass fromdomain=example.com);\r\n"
    "       spf=pass (google.com: domain of agent@example.com designates 209.85.220.41 as permitted sender) smtp.mailfrom=agent@example.com;\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com"
)
# Microsoft 365 (Exchange Online Protection): no authserv-id at all, no space after some ";",
# extension keys without a ptype.
MICROSOFT_365 = (
    "spf=pass (sender IP is 40.107.22.55)\r\n"
    " smtp.mailfrom=example.com; dkim=pass (signature was verified)\r\n"
    " header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass\r\n"
    " reason=100"
)
# Fastmail: many resinfo, x- methods, a comment inside the dmarc result, a version-less id.
FASTMAIL = (
    "mx6.messagingengine.com;\r\n"
    "    dkim=pass (2048-bit rsa key sha256) header.d=example.com header.i=@example.com header.b=Fd0gdMmb header.a=rsa-sha256 header.s=fm2 x-bits=2048;\r\n"
    "    dmarc=pass policy.published-domain-policy=none policy.applied-disposition=none policy.evaluated-disposition=none (p=none,d=none,d.eval=none) policy.policy-from=p header.from=example.com;\r\n"
    "    iprev=pass smtp.remote-ip=66.111.4.25 (out1-smtp.messagingengine.com);\r\n"
    "    spf=pass smtp.mailfrom=agent@example.com smtp.helo=out1-smtp.messagingengine.com;\r\n"
    "    x-aligned-from=pass (Address match);\r\n"
    "    x-me-sender=none;\r\n"
    "    x-tls=pass smtp.version=TLSv1.3 smtp.cipher=TLS_AES_256_GCM_SHA384 smtp.bits=256/256;\r\n"
    "    x-vs=clean score=-100 state=0"
)
# Postfix with OpenDKIM (a ";" inside the comment, a quoted header.b) and, in a header of its
# own above it, OpenDMARC.
OPENDKIM = (
    "mail.desk.test;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=example.com "
    'header.i=@example.com header.a=rsa-sha256 header.s=mail header.b="AbC;dE/f+12";\r\n\tdkim-atps=neutral'
)
OPENDMARC = "mail.desk.test; dmarc=pass (p=reject dis=none) header.from=example.com"
# Older OpenDKIM: the reason as a quoted string holding a ";".
OPENDKIM_REASON = (
    'mail.desk.test; dkim=fail\r\n\treason="signature verification failed; body hash mismatch"\r\n'
    "\theader.d=example.com header.i=@example.com header.b=zzz"
)
# Amazon SES receiving: ";"-separated SPF details that are not results at all.
AMAZON_SES = (
    "amazonses.com;\r\n spf=pass (spfCheck: domain of example.com designates 54.240.1.1 as permitted sender) "
    "client-ip=54.240.1.1; envelope-from=agent@example.com; helo=a1-1.smtp-out.eu-west-1.amazonses.com;\r\n"
    " dkim=pass header.i=@example.com;\r\n dmarc=pass header.from=example.com;"
)
# Yahoo glues comments to results.
YAHOO = (
    "atlas212.free.mail.ir2.yahoo.com;\r\n dkim=pass header.i=@example.com header.s=s1;\r\n"
    " spf=pass smtp.mailfrom=example.com;\r\n dmarc=pass(p=NONE,sp=QUARANTINE) header.from=example.com;"
)
# rspamd, with a version number after the authserv-id.
RSPAMD = (
    "mx.desk.test 1;\r\n\tdkim=none;\r\n\tdmarc=fail reason=\"No valid SPF, No valid DKIM\" "
    "header.from=example.com (policy=reject);\r\n\tspf=softfail (mx.desk.test: domain of agent@example.com "
    "is not designated as permitted sender) smtp.mailfrom=agent@example.com"
)


def methods(value: str) -> list[tuple[str, str]]:
    return [(r.method, r.result) for r in parse_authentication_results(value).results]


def test_gmail() -> None:
    parsed = parse_authentication_results(GMAIL)
    assert parsed.authserv_id == "mx.google.com" and parsed.version is None
    assert methods(GMAIL) == [("dkim", "pass"), ("arc", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    dkim, arc, spf, dmarc = parsed.results
    assert dkim.properties == {"header.i": "@example.com", "header.s": "google", "header.b": "Xq3+d/7a"}
    # The comment's "spf=pass dkim=pass" are not properties of the arc result.
    assert arc.properties == {}
    assert spf.properties == {"smtp.mailfrom": "agent@example.com"}
    assert dmarc.properties == {"header.from": "example.com"}


def test_microsoft_365_has_no_authserv_id() -> None:
    parsed = parse_authentication_results(MICROSOFT_365)
    assert parsed.authserv_id == ""
    assert methods(MICROSOFT_365) == [("spf", "pass"), ("dkim", "pass"), ("dmarc", "pass"), ("compauth", "pass")]
    assert parsed.results[2].properties == {"action": "none", "header.from": "example.com"}
    assert parsed.results[3].reason == "100"
    # Nobody can be named as its author, so it is never trusted.
    assert trusted_results([MICROSOFT_365], [""]) is None
    assert trusted_results([MICROSOFT_365], ["spf=pass"]) is None


def test_fastmail_many_resinfo_and_extensions() -> None:
    parsed = parse_authentication_results(FASTMAIL)
    assert parsed.authserv_id == "mx6.messagingengine.com"
    assert [r.method for r in parsed.results] == [
        "dkim", "dmarc", "iprev", "spf", "x-aligned-from", "x-me-sender", "x-tls", "x-vs",
    ]
    dkim, dmarc = parsed.results[0], parsed.results[1]
    assert dkim.properties["header.d"] == "example.com" and dkim.properties["x-bits"] == "2048"
    assert dmarc.properties["header.from"] == "example.com"
    assert dmarc.properties["policy.published-domain-policy"] == "none"
    assert parsed.results[-1].result == "clean" and parsed.results[-1].properties == {"score": "-100", "state": "0"}


def test_opendkim_comment_with_semicolon_and_quoted_value() -> None:
    parsed = parse_authentication_results(OPENDKIM)
    assert parsed.authserv_id == "mail.desk.test"
    assert methods(OPENDKIM) == [("dkim", "pass"), ("dkim-atps", "neutral")]
    assert parsed.results[0].properties["header.b"] == "AbC;dE/f+12"
    reasoned = parse_authentication_results(OPENDKIM_REASON).results[0]
    assert (reasoned.result, reasoned.reason) == ("fail", "signature verification failed; body hash mismatch")
    assert reasoned.properties["header.d"] == "example.com"


def test_amazon_ses_details_and_yahoo_glued_comments() -> None:
    assert methods(AMAZON_SES) == [
        ("spf", "pass"), ("envelope-from", "agent@example.com"),
        ("helo", "a1-1.smtp-out.eu-west-1.amazonses.com"), ("dkim", "pass"), ("dmarc", "pass"),
    ]
    # No smtp.mailfrom: SES's SPF pass cannot be checked for alignment (its DKIM and DMARC can).
    assert parse_authentication_results(AMAZON_SES).results[0].properties == {"client-ip": "54.240.1.1"}
    assert methods(YAHOO) == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert parse_authentication_results(YAHOO).results[2].properties == {"header.from": "example.com"}


def test_version_none_and_nested_comments() -> None:
    parsed = parse_authentication_results(RSPAMD)
    assert (parsed.authserv_id, parsed.version) == ("mx.desk.test", 1)
    assert methods(RSPAMD) == [("dkim", "none"), ("dmarc", "fail"), ("spf", "softfail")]
    assert parse_authentication_results("mx.desk.test 1; none").results == ()
    nested = parse_authentication_results(
        'mx.desk.test (our (very) own \\) server); dkim = pass (good (really)) header . d = example.com'
    )
    assert nested.authserv_id == "mx.desk.test"
    assert nested.results[0].method == "dkim" and nested.results[0].properties == {"header.d": "example.com"}
    quoted = parse_authentication_results('"mx.desk.test"; spf=pass smtp.mailfrom="a;b@example.com"')
    assert quoted.authserv_id == "mx.desk.test"
    assert quoted.results[0].properties == {"smtp.mailfrom": "a;b@example.com"}


def test_broken_headers_do_not_raise() -> None:
    for value in ("", ";;;", "(unterminated", '"unterminated', "mx; =pass", "mx; dkim=", "x" * 100_000, "mx;\n dkim=pass\n"):
        parsed = parse_authentication_results(value)
        assert len(parsed.results) <= 64


def test_only_the_topmost_header_of_ours_is_trusted() -> None:
    forged = "mail.desk.test; dmarc=pass header.from=example.com"
    real = "mail.desk.test; dmarc=fail header.from=example.com; dkim=none; spf=fail smtp.mailfrom=example.com"
    other = "mx.elsewhere.test; dmarc=pass header.from=example.com"
    # Top first: an outside server's header above ours is skipped, the forged one below ours is ignored.
    chosen = trusted_results([other, real, forged], ["mail.desk.test"])
    assert chosen is not None and [r.result for r in chosen.results] == ["fail", "none", "fail"]
    assert not verify_sender([other, real, forged], ["mail.desk.test"], "agent@example.com").verified
    assert trusted_results([other], ["mail.desk.test"]) is None
    assert trusted_results([real], []) is None
    # Several trusted ids (an MTA and SES), matched without regard to case or a trailing dot.
    assert trusted_results([AMAZON_SES], ["Mail.Desk.Test", "AmazonSES.com."]) is not None


@pytest.mark.parametrize(
    ("headers", "sender", "verified", "evidence"),
    [
        ([GMAIL], "agent@example.com", True, "dmarc=pass header.from=example.com (mx.google.com)"),
        ([FASTMAIL], "Agent@Example.COM", True, "dmarc=pass header.from=example.com (mx6.messagingengine.com)"),
        ([OPENDMARC, OPENDKIM], "agent@example.com", True, "dmarc=pass header.from=example.com (mail.desk.test)"),
        # OpenDKIM's header alone (on top): DKIM aligned by header.d.
        ([OPENDKIM, OPENDMARC], "agent@example.com", True, "dkim=pass header.d=example.com header.i=@example.com (mail.desk.test)"),
        ([OPENDKIM], "agent@mail.example.com", True, "dkim=pass header.d=example.com header.i=@example.com (mail.desk.test)"),
        ([AMAZON_SES], "agent@example.com", True, "dmarc=pass header.from=example.com (amazonses.com)"),
        # A pass for another domain proves nothing about ours.
        ([GMAIL], "agent@desk.test", False, "authenticated nothing aligned with desk.test"),
        ([OPENDMARC], "agent@sub.example.com", False, "authenticated nothing aligned with sub.example.com"),
        ([RSPAMD], "agent@example.com", False, "dkim=none, dmarc=fail header.from=example.com, spf=softfail smtp.mailfrom=agent@example.com"),
        ([OPENDKIM_REASON], "agent@example.com", False, "dkim=fail"),
        ([MICROSOFT_365], "agent@example.com", False, "no Authentication-Results header from a trusted server"),
    ],
)
def test_sender_verdict(headers: list[str], sender: str, verified: bool, evidence: str) -> None:
    ids = ["mx.google.com", "mx6.messagingengine.com", "mail.desk.test", "amazonses.com", "mx.desk.test"]
    check = verify_sender(headers, ids, sender)
    assert check.verified is verified
    assert evidence in check.detail


def test_spf_and_dkim_alone_count_only_when_aligned() -> None:
    spf = parse_authentication_results("mx.desk.test; spf=pass smtp.mailfrom=bounces@mail.example.com")
    assert check_sender(spf, "agent@example.com").verified
    assert not check_sender(spf, "agent@example.org").verified
    helo_only = parse_authentication_results("mx.desk.test; spf=pass smtp.helo=mail.example.com")
    assert not check_sender(helo_only, "agent@example.com").verified
    esp = parse_authentication_results("mx.desk.test; dkim=pass header.d=sendgrid.net; spf=pass smtp.mailfrom=bounce@sendgrid.net")
    assert not check_sender(esp, "agent@example.com").verified
    no_from = parse_authentication_results("mx.desk.test; dmarc=pass")
    assert not check_sender(no_from, "agent@example.com").verified
    assert not check_sender(spf, "agent-without-domain").verified


def test_alignment() -> None:
    assert aligned("example.com", "EXAMPLE.com.")
    assert aligned("@mail.example.com", "agent@example.com")
    assert aligned("example.com", "a.b.example.com")
    assert not aligned("a.example.com", "b.example.com")
    assert not aligned("badexample.com", "example.com")
    assert not aligned("com", "example.com")
    assert not aligned("", "example.com")
    assert aligned("xn--bcher-kva.example", "agent@bücher.example")


def test_the_setting_takes_authserv_ids_and_refuses_anything_else(tmp_path: Path) -> None:
    base = {"TESSERA_DATA_DIR": str(tmp_path), "TESSERA_DEBUG": "true"}
    assert read_env(base).mail_authserv_ids == []
    env = read_env({**base, "TESSERA_MAIL_AUTHSERV_ID": " mx.desk.test , amazonses.com ,"})
    assert env.mail_authserv_ids == ["mx.desk.test", "amazonses.com"]
    for bad in ("mx.desk.test; dkim=pass", "mx desk", "(mx)"):
        with pytest.raises(ConfigError, match="TESSERA_MAIL_AUTHSERV_ID"):
            read_env({**base, "TESSERA_MAIL_AUTHSERV_ID": bad})
