# Subject patterns are written in the languages they match, full-width colons included.
# ruff: noqa: RUF001
"""Is this mail from a person, or from a machine answering one of ours?

A helpdesk that opens tickets for bounces and out-of-office replies, and then acknowledges
them, talks to itself forever. Four kinds come out of here:

* ``complaint``: an ARF feedback report (RFC 5965), a recipient marked our mail as spam;
* ``bounce``: a delivery status notification (RFC 3464) or one of the many home-made MTA
  formats; the failed recipients are extracted so the delivery can be marked failed;
* ``auto_reply``: RFC 3834 auto-responses, out-of-office, list and bulk mail, null senders;
* ``message``: everything else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message

from tessera.channels.email import bounce_formats as formats
from tessera.channels.email.charsets import decode_bytes
from tessera.channels.email.mime import part_bytes, raw_header


@dataclass(frozen=True)
class BouncedRecipient:
    address: str
    status: str = ""
    action: str = "failed"
    temporary: bool = False


@dataclass(frozen=True)
class Classification:
    kind: str
    reason: str = ""
    bounced_recipients: list[BouncedRecipient] = field(default_factory=list)


MAX_SCAN_PARTS = 200

_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"
)

_DAEMON_LOCAL = re.compile(
    r"^(mailer-daemon|mailerdaemon|mail-daemon|postmaster|mail\.?delivery(?:\.?system|\.?subsystem)?|bounces?|mdaemon|nobody)$",
    re.IGNORECASE,
)
_DAEMON_NAME = re.compile(
    r"mail delivery (?:sub)?system|mailer[- ]daemon|postmaster|mail administrator", re.IGNORECASE
)

_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|returned mail|return(?:ed)? to sender|delivery (?:status notification \((?:failure|delay)\)|failure|has failed|problem|failed|notification|report)|"
    r"mail delivery failed|failure notice|could not send message|non[- ]?deliver|nondeliverable|"
    r"mail system error|delivery error|permanent error|message not delivered|rejected|"
    r"unzustellbar|nicht zustellbar|non remis|non recapitabile|no se puede entregar|"
    r"不能送達|配信不能|不達|エラー|mail could not be delivered|warning: message|delayed mail|delivery delay|"
    r"delivery (?:notification|status)|delivery failure|failed delivery|error sending|message status|"
    r"returned mail|email bounce|bounce notification|NDN|NDR|"
    r"mail failure|mail failed|returning (?:message )?to sender|failed mail|delivery warning|"
    r"could not be delivered|processing error|mail delivery problem|"
    r"邮件传输失败|退信|投递失败|無法傳遞|送信できません|届きませんでした",
    re.IGNORECASE,
)
# A person forwarding a bounce to us ("Fwd: Undelivered Mail…") still wrote a message.
_FORWARD_PREFIX = re.compile(
    r"^\s*(?:fwd?|tr|wg|pd|rv|enc|vs|vl|i|doorst|fwd?\.|转发|轉寄|転送)\s*[:：]", re.IGNORECASE
)

# Sentences MTAs write and people do not. Each one alone marks the mail as a bounce.
_BOUNCE_BODY_STRONG = re.compile(
    r"This is the qmail-send program|"
    r"This message was created automatically by mail delivery software|"
    r"This is the mail system at host|"
    r"I'm sorry to have to inform you that your message could not\s+be delivered|"
    r"The following addresses had permanent fatal errors|"
    r"Delivery has failed to these recipients or groups|"
    r"Your message did(?: not|n't) reach some or all of the intended recipients|"
    r"Delivery to the following recipients? (?:failed|has been delayed)|"
    r"could not be delivered to one or more of its\s+recipients|"
    r"This is an automatically generated Delivery Status Notification|"
    r"Unable to deliver message to the following (?:address|recipient)|"
    r"Message delivery to '[^']+' failed|"
    r"Your message cannot be delivered to the following recipients|"
    r"The original message was received at .*\n.*from|"
    r"message could not be delivered to the following recipients|"
    r"I wasn't able to deliver your message|"
    r"Sorry, I (?:wasn't|was not) able to establish an SMTP connection|"
    r"your message to the following recipients? (?:has|have) been delayed|"
    r"Hi\. This is the|"
    r"A message that you sent (?:could not|has not yet) been? delivered|"
    r"Delivery to the following recipient failed permanently|"
    r"Message not delivered|"
    r"Your message was not delivered|"
    r"permanent fatal errors|"
    r"The message you sent to .* was rejected|"
    r"Mail Delivery Subsystem|"
    r"This Message was undeliverable due to the following reason|"
    r"did not reach the following recipient|"
    r"could not be delivered to the following (?:recipient|user|address)|"
    r"^\s*-+ ?Non-Delivery Report ?-+\s*$|"
    r"Could not deliver message to the following recipient|"
    r"A message that you sent contained one or more recipient addresses that were\s+incorrectly constructed|"
    r"^\s*Transcript of session follows\.?\s*$|"
    r"^\s*Error message below:\s*$|"
    r"^\s*-+ ?Failed Recipients ?-+\s*$|"
    r"^\|-+ Failed addresses follow|"
    r"This is the DragonFly Mail Agent|There was an error delivering your mail to|"
    r"^\s*Your message could not be delivered to\s*$|"
    r"Your message has encountered delivery problems|"
    r"This is a delivery failure notification message",
    re.IGNORECASE | re.MULTILINE,
)

# Weaker hints: only count together with a daemon sender or a bounce subject.
_BOUNCE_BODY_WEAK = re.compile(
    r"user unknown|unknown user|no such user|does not exist|mailbox (?:unavailable|full|not found|is full)|"
    r"over quota|quota exceeded|recipient (?:address )?rejected|address rejected|undeliverable|"
    r"could not be delivered|delivery (?:has )?failed|permanent(?:ly)? (?:error|failure)|"
    r"\b5\.\d{1,3}\.\d{1,3}\b|\b55[0-4][ -]|host unknown|not delivered|was rejected|"
    r"unrouteable|unroutable|retry time|temporary failure|delayed|delay|"
    r"account (?:is )?(?:disabled|inactive|suspended)|invalid (?:recipient|address|mailbox)|"
    r"has been returned|has not been delivered|has NOT been delivered|no longer valid|"
    r"has been postponed|not (?:exactly )?match|not accepting mail|"
    r"无法发送|无法送达|無法送達",
    re.IGNORECASE,
)

_AUTO_SUBJECT = re.compile(
    r"^(?:(?:re|aw|sv|odp|fw|tr)\s*:\s*)*\s*(?:(?:"
    r"auto(?:matic|matisk|matische|matyczna|mated)?[ -]?(?:reply|response|answer|antwort|svar|odpowied[zź])|"
    r"autoreply|auto-?respon[sd]e?r?|out of (?:the )?office|away from (?:the )?office|vacation reply|"
    r"away until|i am away|i'?m away|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|"
    r"respuesta autom[áa]tica|fuera de la oficina|risposta automatica|fuori ufficio|resposta autom[áa]tica|"
    r"automatisch antwoord|niet aanwezig|automatyczna odpowied[źz]|odpowied[źz] automatyczna|poza biurem|"
    r"t[ựu] [đd][ộo]ng tr[ảa] l[ờo]i|tr[ảa] l[ờo]i t[ựu] [đd][ộo]ng|"
    r"ตอบกลับอัตโนมัติ|การตอบกลับอัตโนมัติ|ไม่อยู่ที่สำนักงาน|ไม่อยู่ออฟฟิศ|"
    r"автоответ|автоматический ответ|自動応答|自動返信|自动回复|自動回覆|"
    r"\[auto generated\]|\[auto-?reply\]|autosvar|automaattinen vastaus"
    r")|(?:"
    # Single words that people also use in real subjects count only as Outlook's "Word: subject".
    r"absence|absent|abwesend|afwezig|on vacation|nieobecno[śs][ćc]|v[ắa]ng m[ặa]t|ngh[ỉi] ph[ée]p|"
    r"不在|poissa|ไม่อยู่"
    r")\s*[:：])",
    re.IGNORECASE,
)

_DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")
_ARF_TYPES = ("message/feedback-report",)


def classify(
    msg: Message,
    *,
    subject: str,
    from_address: str,
    text: str,
    headers: Mapping[str, str],
) -> Classification:
    """The kind of ``msg``; ``headers`` holds decoded, lower-case-keyed header values."""
    parts = list(_leaf_parts(msg))
    report_types = {str(p.get_param("report-type") or "").lower() for p in _multipart_reports(msg)}

    if "feedback-report" in report_types or any(p.get_content_type() in _ARF_TYPES for p in parts):
        return Classification("complaint", "ARF feedback report", _arf_recipients(parts))
    vendor = formats.non_arf_complaint(msg, subject, from_address) or formats.amazon_ses(
        msg, text, from_address
    )
    if vendor is not None:
        return _from_found(vendor)

    local, _, domain = from_address.partition("@")
    from_name = raw_header(msg, "from") or ""
    daemon_sender = (
        not from_address.strip()
        or bool(_DAEMON_LOCAL.match(local.strip('"')))
        or bool(_DAEMON_NAME.search(from_name))
    )
    forwarded = _FORWARD_PREFIX.match(subject) is not None
    bounce_subject = bool(_BOUNCE_SUBJECT.search(subject)) and not forwarded
    null_sender = headers.get("return-path", "").strip() in ("<>", "")
    null_sender = null_sender and "return-path" in headers
    machine_looking = daemon_sender or null_sender or bounce_subject

    status_blocks = [
        block for p in parts if p.get_content_type() in _DSN_TYPES for block in _status_blocks(p)
    ]
    if not status_blocks and "delivery-status" not in report_types and machine_looking:
        # A report returned inside a report (a relay bouncing a bounce, a gateway wrapping the
        # DSN as an attachment), or a DSN whose MIME structure was lost on the way.
        status_blocks = _nested_status_blocks(msg) or _text_status_blocks(text)
    if status_blocks or "delivery-status" in report_types:
        recipients = _dsn_recipients(status_blocks)
        if not recipients:
            recipients = _failed_header_recipients(headers) or _recipients_from_text(
                text, msg, domain
            )
        if recipients and all(r.action in ("delivered", "relayed", "expanded") for r in recipients):
            # A success DSN: nothing failed, but nobody wrote it either.
            return Classification("auto_reply", "delivery success notification")
        failed = [r for r in recipients if r.action not in ("delivered", "relayed", "expanded")]
        return Classification("bounce", "delivery status notification", failed)

    head_of_text = text[:20000]
    strong = bool(_BOUNCE_BODY_STRONG.search(head_of_text)) and not forwarded
    weak = bool(_BOUNCE_BODY_WEAK.search(head_of_text))
    failed_header = headers.get("x-failed-recipients", "")

    if (
        failed_header
        or strong
        or ((daemon_sender or null_sender) and (bounce_subject or weak))
        or (bounce_subject and weak and _has_enclosed_original(msg))
        or formats.fml_refusal(msg, subject)
    ):
        # Exim's X-Failed-Recipients names exactly the failed addresses; the text then only
        # repeats them among the sender's and relays' addresses.
        recipients = _failed_header_recipients(headers) or _recipients_from_text(
            text, msg, domain
        )
        temporary = _looks_temporary(subject, head_of_text)
        if temporary:
            recipients = [
                BouncedRecipient(r.address, r.status, "delayed", True) for r in recipients
            ]
        return Classification("bounce", "MTA bounce text", recipients)

    reason = _auto_reason(headers, subject, null_sender)
    if reason:
        return Classification("auto_reply", reason)
    return Classification("message")


def _from_found(found: formats.Found) -> Classification:
    return Classification(
        found.kind,
        found.reason,
        [
            BouncedRecipient(address, status, action, temporary)
            for address, status, action, temporary in found.recipients
            if formats.valid_address(address)
        ],
    )


def _failed_header_recipients(headers: Mapping[str, str]) -> list[BouncedRecipient]:
    value = headers.get("x-failed-recipients", "")
    return [BouncedRecipient(a) for a in dict.fromkeys(_ADDRESS.findall(value)) if formats.valid_address(a)]


def _arf_recipients(parts: list[Message]) -> list[BouncedRecipient]:
    """Who complained: ARF's Original-Rcpt-To (RFC 5965 §3.2), when the reporter kept it."""
    found: list[BouncedRecipient] = []
    for part in parts:
        if part.get_content_type() not in _ARF_TYPES:
            continue
        for block in _status_blocks(part):
            for name in ("original-rcpt-to", "removal-recipient"):
                address = _dsn_address(block.get(name, ""))
                if address and formats.valid_address(address):
                    found.append(BouncedRecipient(address, "", "complained"))
    return list({r.address.lower(): r for r in found}.values())


def _nested_status_blocks(msg: Message, depth: int = 0) -> list[dict[str, str]]:
    if depth > 3:
        return []
    for part in _leaf_parts(msg):
        if part.get_content_type() not in ("message/rfc822", "message/global"):
            continue
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            continue
        blocks = [
            block
            for p in _leaf_parts(inner)
            if p.get_content_type() in _DSN_TYPES
            for block in _status_blocks(p)
        ]
        if blocks:
            return blocks
        deeper = _nested_status_blocks(inner, depth + 1)
        if deeper:
            return deeper
    return []


_TEXT_DSN = re.compile(r"^(?:Final|Original)-Recipient:\s*\S", re.IGNORECASE | re.MULTILINE)


def _text_status_blocks(text: str) -> list[dict[str, str]]:
    if not _TEXT_DSN.search(text[:50000]):
        return []
    blocks = _parse_blocks(text[:50000])
    return [b for b in blocks if "final-recipient" in b or "original-recipient" in b]


def _auto_reason(headers: Mapping[str, str], subject: str, null_sender: bool) -> str:
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autogenerated", "x-auto-generated"):
        if name in headers:
            return name
    suppress = headers.get("x-auto-response-suppress", "").lower()
    if any(token in suppress for token in ("all", "oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing list"
    if _AUTO_SUBJECT.search(subject.strip()):
        return "auto-reply subject"
    if null_sender:
        return "null sender"
    return ""


def _looks_temporary(subject: str, text: str) -> bool:
    probe = subject + "\n" + text[:3000]
    return bool(
        re.search(
            r"delay|will (?:continue|keep) (?:trying|to try)|still trying|not yet been delivered|warning: could not send|temporar(?:y|ily) (?:failure|unable)",
            probe,
            re.IGNORECASE,
        )
    ) and not re.search(
        r"permanent|fatal|giving up|failed permanently|could not be delivered|gave up",
        probe,
        re.IGNORECASE,
    )


def _leaf_parts(msg: Message) -> Iterator[Message]:
    stack = [msg]
    seen = 0
    while stack and seen < MAX_SCAN_PARTS:
        part = stack.pop(0)
        seen += 1
        yield part
        payload = part.get_payload()
        if (
            isinstance(payload, list)
            and part.get_content_type() not in _DSN_TYPES
            and part.get_content_type() not in ("message/rfc822", "message/global")
        ):
            stack.extend(p for p in payload if isinstance(p, Message))


def _multipart_reports(msg: Message) -> Iterator[Message]:
    for part in _leaf_parts(msg):
        if part.get_content_type() == "multipart/report":
            yield part


def _has_enclosed_original(msg: Message) -> bool:
    return any(
        p.get_content_type() in ("message/rfc822", "text/rfc822-headers") for p in _leaf_parts(msg)
    )


def _status_blocks(part: Message) -> list[dict[str, str]]:
    """The field blocks of a delivery-status part, whether the stdlib parsed them or not."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                blocks.append({k.lower(): str(v) for k, v in block.items()})
        if any("final-recipient" in b or "original-recipient" in b for b in blocks):
            return blocks
        # The stdlib sometimes swallows everything after a malformed first block as its body.
        text = "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in b.items()) + "\n\n" + str(b.get_payload())
            for b in payload
            if isinstance(b, Message) and isinstance(b.get_payload(), str)
        )
    else:
        text = decode_bytes(part_bytes(part), "utf-8")[0]
    return _parse_blocks(text)


def _parse_blocks(text: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current, last = {}, ""
            continue
        if line[0] in " \t" and last:
            current[last] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep and re.fullmatch(r"[A-Za-z0-9-]+", name.strip()):
            last = name.strip().lower()
            current.setdefault(last, value.strip())
    if current:
        blocks.append(current)
    return blocks


_QUOTED_ADDRESS = re.compile(r'"[^"\\\r\n]{1,64}"@[A-Za-z0-9.-]+\.[A-Za-z]{2,}')


def _dsn_address(value: str) -> str:
    _type, _, address = value.partition(";")
    address = (address or _type).strip().strip("<>").strip()
    quoted = _QUOTED_ADDRESS.search(address)
    if quoted:
        return quoted.group(0)
    found = _ADDRESS.search(address)
    return _clean_address(found.group(0)) if found else ""


def _clean_address(address: str) -> str:
    # Exchange writes "smtp=user@host"; quotes and dots cling from the surrounding prose.
    address = address.strip(".'\"`")
    prefix, sep, rest = address.partition("=")
    if sep and prefix.isalpha() and len(prefix) <= 6 and "@" in rest:
        address = rest
    return address


def _dsn_recipients(blocks: list[dict[str, str]]) -> list[BouncedRecipient]:
    result: list[BouncedRecipient] = []
    seen: set[str] = set()
    for block in blocks:
        # Original-Recipient is the address as we wrote it (RFC 3464 §2.3.1); Final-Recipient
        # may be an alias the remote side expanded it to, which no delivery of ours names.
        address = ""
        for name in ("original-recipient", "final-recipient", "x-actual-recipient"):
            candidate = _dsn_address(block.get(name, ""))
            if candidate and formats.valid_address(candidate):
                address = candidate
                break
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        status = re.sub(r"\s.*", "", block.get("status", "").strip())
        action = (
            block.get("action", "").strip().lower().split()[0]
            if block.get("action", "").strip()
            else ""
        )
        if not action:
            action = "delayed" if status.startswith("4") else "failed"
        temporary = action == "delayed" or (status.startswith("4") and action != "failed")
        result.append(BouncedRecipient(address, status, action, temporary))
    return result


# Where the returned copy of the original message starts in home-made bounce texts. Addresses
# below this line belong to the original mail, not to the failed delivery.
_ORIGINAL_STARTS = re.compile(
    r"^(?:-+ ?(?:original message|this is a copy of the message|below this line is a copy|"
    r"the original message|original message follows|undelivered message|returned message|"
    r"message headers follow|start of returned message|unsent message follows|"
    r"the header of the original message)|"
    r"--- Below this line is a copy of the message|"
    r"------ This is a copy of the message|"
    r"\s*-+\s*Original message\s*-+|"
    r"Original message follows|Original Message:|"
    r"Received: from |Return-Path: <|Message-ID: <)",
    re.IGNORECASE | re.MULTILINE,
)
# Sendmail's preamble names the sender of the original, which is not a failed recipient.
_RECEIVED_AT = re.compile(
    r"^[ \t]*The original message was received at[^\n]*\n[ \t]*from [^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)

_FAILURE_LINE = re.compile(
    r"unknown|does not exist|no such|mailbox|rejected|refused|undeliver|not delivered|failed|"
    r"\b5\d\d\b|\b[45]\.\d{1,3}\.\d{1,3}\b|quota|full|not found|unavailable|invalid|disabled|"
    r"expired|inactive|denied|couldn't|could not|unable|error|delay|blocked|recipient|failure|"
    r"not known|problem|no longer|not (?:exactly )?match|postponed|wrong|not (?:a )?member|duplicated",
    re.IGNORECASE,
)


def _own_addresses(msg: Message) -> set[str]:
    """The addresses a bounce is sent from and to: ours and the bouncer's, never the failure."""
    return {
        a.lower()
        for a in _ADDRESS.findall(
            " ".join(
                raw_header(msg, h) or ""
                for h in ("to", "from", "reply-to", "sender", "return-path", "delivered-to")
            )
        )
    }


def _recipients_from_text(text: str, msg: Message, reporting_domain: str) -> list[BouncedRecipient]:
    """Failed addresses in a bounce written for people, not machines.

    Most specific first: labelled fields, an SMTP transcript, a list under an intro line, then
    addresses in sentences about a failure, and last the returned original's single To:.
    """
    cut = _ORIGINAL_STARTS.search(text, 1)
    human = text[: cut.start()] if cut else text
    human = _RECEIVED_AT.sub("", human[:20000].replace("\r\n", "\n"))
    bouncer = {a.lower() for a in _ADDRESS.findall(raw_header(msg, "from") or "")}

    def keep(addresses: list[str], exclude: set[str]) -> list[BouncedRecipient]:
        result: dict[str, BouncedRecipient] = {}
        for address in addresses:
            address = _clean_address(address)
            lowered = address.lower()
            if lowered in exclude or not formats.valid_address(address):
                continue
            result.setdefault(lowered, BouncedRecipient(address))
        return list(result.values())

    for structured in (
        formats.labelled_recipients(human),
        formats.transcript_recipients(human),
        formats.listed_recipients(human, reporting_domain.lower()),
    ):
        if structured:
            # A list the bouncer announced may name our own address (a mailbox bouncing mail
            # to itself), but when it also names others, ours is the sender quoted in passing.
            listed = keep(structured, bouncer)
            own = _own_addresses(msg)
            others = [r for r in listed if r.address.lower() not in own]
            return others or listed
    prose = keep(_addresses_in_failure_sentences(human), _own_addresses(msg))
    prose = [r for r in prose if not _DAEMON_LOCAL.match(r.address.split("@", 1)[0])]
    if prose:
        return prose
    original = formats.enclosed_original_recipient(msg, text)
    return keep([original], bouncer) if original else []


def _addresses_in_failure_sentences(human: str) -> list[str]:
    lines = human.split("\n")
    found: list[str] = []
    for index, line in enumerate(lines):
        addresses = _ADDRESS.findall(line)
        if not addresses:
            continue
        stripped = line.strip().strip("<>:;,.'\"()[] ")
        context = " ".join(lines[max(0, index - 2) : index + 3])
        bare = stripped.lower() in {a.lower() for a in addresses}
        led = re.match(r"^\s*<?([^\s<>]+@[^\s<>:]+)>?\s*[:.]", line) is not None
        if bare or led or _FAILURE_LINE.search(line) or _FAILURE_LINE.search(context):
            found.extend(addresses)
    return found
