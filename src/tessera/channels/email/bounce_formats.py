# Bounce texts are matched in the languages MTAs write them in, full-width forms included.
# ruff: noqa: RUF001
"""Machine mail that follows no standard: vendor notifications and bounce texts for people.

RFC 3464 delivery reports and RFC 5965 feedback reports are read in ``classify``; this module
knows the formats around them that real senders use instead:

* Amazon SES notifications delivered by Amazon SNS as plain-text JSON (bounce, complaint,
  delivery);
* Hotmail's junk-mail reports (JMRP) and Apple Mail's one-click unsubscribe mail;
* fml (a Japanese mailing-list manager) refusals and loop alerts;
* where the failed recipient hides in a bounce written for people: labelled fields ("Failed
  Recipient:", "Intended recipient:"), SMTP transcripts (``RCPT TO:``), a list under an intro
  line ("The following addresses had permanent fatal errors"), and the returned original.

Pure functions over decoded text and a parsed ``email.message.Message``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Any

from tessera.channels.email.mime import raw_header

ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"
)


def valid_address(address: str) -> bool:
    """Whether an address found in prose is one a mail could have been sent to.

    Obfuscated ("david...@gmail.com") and truncated addresses turn up in bounce texts; a dot
    may not start or end the local part nor be doubled (RFC 5322 dot-atom).
    """
    local, _, domain = address.rpartition("@")
    quoted = len(local) > 2 and local.startswith('"') and local.endswith('"')
    if not local or not domain:
        return False
    if not quoted and (".." in local or local.startswith(".") or local.endswith(".")):
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(labels) and labels[-1].isalpha() and len(labels[-1]) >= 2


@dataclass(frozen=True)
class Found:
    """What a vendor format said: the kind, why, and the recipients it names."""

    kind: str
    reason: str
    recipients: list[tuple[str, str, str, bool]] = field(default_factory=list)
    # (address, status, action, temporary)


# -- Amazon SES via SNS -------------------------------------------------------------------------

_SES_SENDER = re.compile(r"@(?:sns\.amazonaws\.com|[\w.-]*amazonses\.com)$", re.IGNORECASE)
# SNS hard-wraps long lines in the mail it sends by inserting "!" and a newline-space.
_SNS_WRAP = re.compile(r"!\r?\n ")


def _json_objects(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    end = text.rfind("}")
    if start < 0 or end <= start:
        return None
    body = text[start : end + 1]
    for candidate in (body, _SNS_WRAP.sub("", body)):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def amazon_ses(msg: Message, text: str, from_address: str) -> Found | None:
    """An SES event notification (Bounce, Complaint, Delivery) sent by SNS as an email."""
    from_ses = (
        _SES_SENDER.search(from_address) is not None
        or msg.get("x-amz-sns-message-id") is not None
    )
    names_event = '"notificationType"' in text.replace('\\"', '"') or '"eventType"' in text
    if not (from_ses and names_event):
        return None
    event = _json_objects(text[:200_000])
    if event is not None and isinstance(event.get("Message"), str):
        # The SNS envelope ("Type": "Notification") carries the SES event as a JSON string.
        try:
            inner = json.loads(event["Message"])
        except ValueError:
            inner = None
        event = inner if isinstance(inner, dict) else None
    if event is None:
        return _ses_by_pattern(_SNS_WRAP.sub("", text))
    kind = str(event.get("notificationType") or event.get("eventType") or "")
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        temporary = str(bounce.get("bounceType", "")).lower() == "transient"
        recipients = [
            (
                str(r.get("emailAddress", "")),
                str(r.get("status", "")),
                "delayed" if temporary else str(r.get("action") or "failed"),
                temporary,
            )
            for r in bounce.get("bouncedRecipients") or []
            if isinstance(r, dict) and r.get("emailAddress")
        ]
        return Found("bounce", "Amazon SES bounce notification", recipients)
    if kind == "Complaint":
        complaint = event.get("complaint") or {}
        recipients = [
            (str(r.get("emailAddress", "")), "", "complained", False)
            for r in complaint.get("complainedRecipients") or []
            if isinstance(r, dict) and r.get("emailAddress")
        ]
        return Found("complaint", "Amazon SES complaint notification", recipients)
    if kind == "Delivery":
        return Found("auto_reply", "Amazon SES delivery notification")
    return None


def _ses_by_pattern(text: str) -> Found | None:
    kind = re.search(r'\\?"(?:notificationType|eventType)\\?"\s*:\s*\\?"(\w+)', text)
    if kind is None:
        return None
    addresses = re.findall(r'\\?"emailAddress\\?"\s*:\s*\\?"([^"\\]+)', text)
    if kind.group(1) == "Bounce":
        temporary = re.search(r'bounceType\\?"\s*:\s*\\?"Transient', text) is not None
        action = "delayed" if temporary else "failed"
        return Found(
            "bounce",
            "Amazon SES bounce notification",
            [(a, "", action, temporary) for a in addresses],
        )
    if kind.group(1) == "Complaint":
        return Found(
            "complaint",
            "Amazon SES complaint notification",
            [(a, "", "complained", False) for a in addresses],
        )
    if kind.group(1) == "Delivery":
        return Found("auto_reply", "Amazon SES delivery notification")
    return None


# -- complaints outside ARF ---------------------------------------------------------------------


def non_arf_complaint(msg: Message, subject: str, from_address: str) -> Found | None:
    if str(msg.get("x-apple-unsubscribe", "")).strip().lower() == "true":
        # Apple Mail's "unsubscribe" button mails the List-Unsubscribe address for the user.
        return Found(
            "complaint",
            "unsubscribe request (Apple Mail)",
            [(from_address, "", "unsubscribed", False)] if from_address else [],
        )
    if not re.match(r"\s*complaint about message from\b", subject, re.IGNORECASE):
        return None
    # Hotmail/Outlook.com junk-mail reporting programme (JMRP): the reported mail is enclosed,
    # its original recipient in a header of its own.
    for part in msg.walk():
        if part.get_content_type() != "message/rfc822":
            continue
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            continue
        rcpt = str(inner.get("x-hmxmroriginalrecipient", "")).strip()
        found = ADDRESS.search(rcpt)
        return Found(
            "complaint",
            "junk-mail report (Hotmail JMRP)",
            [(found.group(0), "", "complained", False)] if found else [],
        )
    return None


# -- fml ----------------------------------------------------------------------------------------

_FML_ID = re.compile(r"\.FML[A-Z0-9]*\.", re.IGNORECASE)
_FML_SUBJECT = re.compile(
    r"are not member|not member|Loop Alert|Duplicated Message-ID|fml system error|"
    r"Message size exceeds|Rejected|reject|Traffic Over|Traffic too high|"
    r"error|could not|failed|can't|cannot",
    re.IGNORECASE,
)


def fml_refusal(msg: Message, subject: str) -> bool:
    """fml answers a post it refused (not a member, a loop, too large) from the list's admin."""
    message_id = raw_header(msg, "message-id") or ""
    names_list = re.search(r"\([\w.@-]+ ML\)\s*$", subject) is not None
    if not (_FML_ID.search(message_id) and names_list):
        return False
    return _FML_SUBJECT.search(subject) is not None


# -- recipients in text written for people ------------------------------------------------------

# "Failed Recipient: a@b", "Intended recipient: a@b", "Original address: a@b": labelled fields,
# the most reliable statement in a bounce without a delivery-status part. Earlier labels win.
_LABELLED = [
    re.compile(rf"^\s*{label}\s*[:=]?\s*[\"'<(]*({ADDRESS.pattern})", re.IGNORECASE | re.MULTILINE)
    for label in (
        r"Original(?:-| )(?:address|recipient)",
        r"\(?Originally addressed to",
        r"Intended recipient",
        r"Failed[- ]Recipients?",
        r"Invalid recipient",
        r"Unknown recipient",
        r"\[?Status:\s*Error,\s*Address",
        r"There was an error delivering your mail to",
        r".{0,40}\bwhich your message was addressed,",
    )
]

_RCPT = re.compile(
    r"RCPT\s+TO\s*:\s*<?(" + ADDRESS.pattern + r")>?", re.IGNORECASE
)
_SENDMAIL_RESULT = re.compile(r"^[45]\d\d[ -]<(" + ADDRESS.pattern + r")>\.\.\.", re.MULTILINE)
_REPLY_CODE = re.compile(r"^\s*(?:Out:|<<<|<-|S:)?\s*([2-5])\d\d\b")


def labelled_recipients(text: str) -> list[str]:
    for pattern in _LABELLED:
        found = [m.group(1) for m in pattern.finditer(text)]
        if found:
            return found
    return []


def transcript_recipients(text: str) -> list[str]:
    """``RCPT TO:<a@b>`` in an SMTP session transcript: the ones refused, else all (the
    session failed after every recipient was accepted, at DATA)."""
    lines = text.split("\n")
    accepted: list[str] = []
    refused: list[str] = []
    for index, line in enumerate(lines):
        found = _RCPT.search(line)
        if not found:
            continue
        answer = next(
            (
                _REPLY_CODE.match(following)
                for following in lines[index + 1 : index + 4]
                if _REPLY_CODE.match(following)
            ),
            None,
        )
        inline = re.search(r">\s*:?\s*([45])\d\d\b", line[found.end() :])
        code = inline.group(1) if inline else (answer.group(1) if answer else "")
        (refused if code in ("4", "5") else accepted).append(found.group(1))
    # Sendmail closes each recipient's part of the transcript with "550 <a@b>... reason".
    refused += [m.group(1) for m in _SENDMAIL_RESULT.finditer(text)]
    return list(dict.fromkeys(refused or accepted))


# A line that announces a list of failed addresses follows.
_LIST_INTRO = re.compile(
    r"(?:following|these|this)\s+(?:e-?mail\s+)?(?:address(?:es|\(es\))?|recipients?(?:\(s\))?|users?|destinations?)|"
    r"(?:failed|undeliverable|invalid)\s+(?:recipients?|addresses)|"
    r"address(?:es|\(es\))?\s+(?:had|failed)|"
    r"recipients?\s+(?:failed|could not)|"
    r"addressed to (?:e-?mail )?address|"
    r"could not be delivered to\s*:?\s*$|"
    r"not delivered to the following|"
    r"以下の(?:アドレス|宛先)|下記の(?:アドレス|宛先)|无法发送到|無法傳送",
    re.IGNORECASE,
)
_DASHED = re.compile(r"^\s*[|]?\s*[-=*~#]{3,}")
_EXPANDED_FROM = re.compile(r"^\(?(?:expanded|generated) from\b", re.IGNORECASE)
_BARE_LOCAL = re.compile(r"^\s*<?([A-Za-z0-9][A-Za-z0-9._+-]{0,63})>?\s*$")


def listed_recipients(text: str, reporting_domain: str) -> list[str]:
    """Addresses in the block under an intro line, e.g. Sendmail's
    "----- The following addresses had permanent fatal errors -----" or Exim's "The following
    address(es) failed:". A bare name there (AOL screen names) belongs to the reporting domain."""
    lines = text.split("\n")
    for index, line in enumerate(lines[:400]):
        if not _LIST_INTRO.search(line) or len(line) > 240:
            continue
        if not (line.rstrip().endswith((":", "：")) or _DASHED.match(line) or "following" in line.lower()):
            continue
        found: list[str] = []
        blank_after_entry = False
        since_entry = 0
        # Details under an entry are indented deeper (Exim, Postfix); their addresses (the
        # sender in "after MAIL FROM:<…>") only count when the entry line named nobody.
        entry_indent: int | None = None
        entry_named = False
        for following in lines[index + 1 : index + 200]:
            since_entry += 1
            if since_entry > 12:
                break
            stripped = following.strip()
            if not stripped:
                blank_after_entry = bool(found)
                continue
            addresses = ADDRESS.findall(stripped)
            if found and blank_after_entry and not addresses:
                break
            if _DASHED.match(stripped) and (found or not addresses):
                break
            indent = len(following) - len(following.lstrip())
            if entry_indent is not None and indent > entry_indent and not blank_after_entry:
                # "(expanded from: a@b)": the alias we wrote to, which our delivery names.
                if addresses and (not entry_named or _EXPANDED_FROM.search(stripped)):
                    found.append(addresses[0])
                    entry_named = True
                    since_entry = 0
                continue
            entry_indent = indent
            entry_named = bool(addresses)
            if addresses:
                found.append(addresses[0])
                blank_after_entry = False
                since_entry = 0
                continue
            bare = _BARE_LOCAL.match(stripped)
            if bare and not found and reporting_domain:
                found.append(f"{bare.group(1)}@{reporting_domain}")
                entry_named = True
        if found:
            return found
    return []


_ENCLOSED = ("message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers")
_INLINE_ORIGINAL = re.compile(
    r"^[ \t]*(?:-+ ?(?:Unsent message follows|Original message|Returned mail|"
    r"This is a copy of|Below this line is a copy|The header of the original message)[^\n]*|"
    r"Original Message:|Original message follows:?|Your message reads[^\n]*)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)


def enclosed_original_recipient(msg: Message, text: str) -> str:
    """The one To: address of the returned original, when the bounce names nobody itself.

    Only a single address counts: with several, which one failed is unknown, and flagging
    them all would stop mail to people whose delivery went through.
    """
    headers: list[Message] = []
    for count, part in enumerate(msg.walk()):
        if count > 200:
            break
        if part.get_content_type() not in _ENCLOSED:
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            headers.append(payload[0])
        elif isinstance(payload, str):
            headers.append(HeaderParser(policy=compat32).parsestr(payload.lstrip()))
    start = _INLINE_ORIGINAL.search(text)
    if start is not None:
        block = text[start.end() :].lstrip("\n")
        headers.append(HeaderParser(policy=compat32).parsestr(block[:20000]))
    for enclosed in headers:
        values = [str(v) for v in enclosed.get_all("to", [])]
        addresses = [a for _, a in getaddresses(values) if "@" in a and valid_address(a)]
        if len(addresses) == 1 and not enclosed.get_all("cc"):
            return addresses[0]
    return ""
