"""Authentication-Results (RFC 8601): what a receiving MTA found out about a mail's sender.

An MTA (or its milters: OpenDKIM, OpenDMARC, rspamd; or a provider: Gmail, Amazon SES)
checks SPF, DKIM and DMARC and prepends a header such as::

    Authentication-Results: mx.example.org;
        dkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com;
        spf=pass smtp.mailfrom=agent@example.com;
        dmarc=pass (p=reject dis=none) header.from=example.com

Anyone can write such a header into a mail before sending it, so only the header added by a
server we trust counts (RFC 8601 §5 and §7.2): the one carrying *our* authserv-id (the first
token, ``mx.example.org`` above). Headers are prepended, so every header our MTA added sits
above everything the sender wrote; :func:`trusted_results` takes the topmost header with a
trusted authserv-id and ignores all others, those of other hosts and any lower one that
claims to be ours (a forgery, if the MTA failed to strip it as §5 requires).

A mail is then authenticated *for its From domain* when that header says

* ``dmarc=pass`` for that domain (``header.from``), or
* ``dkim=pass`` with a signing domain (``header.d``, else the domain of ``header.i``) aligned
  with it, or
* ``spf=pass`` with an envelope sender (``smtp.mailfrom``) aligned with it.

"Aligned" is DMARC's relaxed alignment without the Public Suffix List: the same domain, or one
a subdomain of the other (both with a dot, so a bare top-level domain never aligns). Sibling
subdomains (``a.example.com`` and ``b.example.com``) do not align here, where DMARC would
align them: stricter, never looser.

Parsing is lenient about what real servers write: comments anywhere (``pass(p=NONE)``, ``;``
inside a comment), quoted values, extension keys without a ``ptype.`` (``action=none``,
``x-bits=2048``), Amazon SES's ``; client-ip=…; envelope-from=…;`` items, and Microsoft 365's
header without an authserv-id (such a header cannot be attributed to a server, so it is never
trusted).

Pure: header text in, results out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

# A hostile or broken header must cost bounded work.
MAX_HEADER_CHARS = 16_000
MAX_RESULTS = 64


@dataclass(frozen=True)
class MethodResult:
    """One ``method=result`` with its reason and properties (keys lower-cased)."""

    method: str
    result: str
    reason: str = ""
    # "header.d" → "example.com", "smtp.mailfrom" → "bounce@example.com", "action" → "none".
    properties: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        shown = [f"{self.method}={self.result}"]
        for key in ("header.from", "header.d", "header.i", "smtp.mailfrom"):
            if key in self.properties:
                shown.append(f"{key}={self.properties[key]}")
        return " ".join(shown)


@dataclass(frozen=True)
class AuthResults:
    # Lower-cased; "" when the header names none (Microsoft 365 writes it so).
    authserv_id: str
    version: int | None
    results: tuple[MethodResult, ...]


@dataclass(frozen=True)
class SenderCheck:
    """Whether the From domain was authenticated, and the evidence or the reason it was not."""

    verified: bool
    # "dmarc=pass header.from=example.com (mx.example.org)" or why nothing counted.
    detail: str


_PAIR = re.compile(
    r"""([A-Za-z0-9][A-Za-z0-9_-]*(?:\s*/\s*[0-9]+)?(?:\s*\.\s*[A-Za-z0-9][A-Za-z0-9_-]*)?)"""
    r"""\s*=\s*("(?:[^"\\]|\\.)*"?|[^\s"]*)"""
)
_LINE_BREAKS = re.compile(r"[\r\n]+")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"?')


def _strip_comments(value: str) -> str:
    """The value with every (possibly nested) comment replaced by a space; quoted strings kept."""
    out: list[str] = []
    depth = 0
    quoted = False
    index = 0
    while index < len(value):
        char = value[index]
        if quoted:
            out.append(char)
            if char == "\\" and index + 1 < len(value):
                out.append(value[index + 1])
                index += 2
                continue
            if char == '"':
                quoted = False
        elif depth:
            if char == "\\":
                index += 2
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if not depth:
                    out.append(" ")
        elif char == '"':
            quoted = True
            out.append(char)
        elif char == "(":
            depth = 1
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _split_outside_quotes(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted and char == "\\":
            current.append(char)
            escaped = True
        elif char == '"':
            quoted = not quoted
            current.append(char)
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    if value.startswith('"'):
        value = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
        return re.sub(r"\\(.)", r"\1", value)
    return value


def _has_pair(segment: str) -> bool:
    return "=" in _QUOTED.sub("", segment)


def _resinfo(segment: str) -> MethodResult | None:
    pairs = [(re.sub(r"\s+", "", key).lower(), _unquote(value)) for key, value in _PAIR.findall(segment)]
    if not pairs:
        return None  # "none", or words without a result.
    key, result = pairs[0]
    if "." in key or key == "reason":
        return None  # Properties without a method: nothing to attribute them to.
    method = key.split("/", 1)[0]
    reason = ""
    properties: dict[str, str] = {}
    for name, value in pairs[1:]:
        if name == "reason" and not reason:
            reason = value
        else:
            properties.setdefault(name, value)
    return MethodResult(method=method, result=result.lower(), reason=reason, properties=properties)


def parse_authentication_results(value: str) -> AuthResults:
    """One ``Authentication-Results`` header value (folded or not) as data."""
    # Unfolded; a bare line break (broken folding) reads as the space it was meant to be.
    text = _LINE_BREAKS.sub(" ", value[:MAX_HEADER_CHARS])
    segments = _split_outside_quotes(_strip_comments(text))
    head = segments[0].strip()
    authserv_id = ""
    version: int | None = None
    if head and not _has_pair(head):
        words = head.split()
        authserv_id = _unquote(words[0]).strip().lower().rstrip(".")
        if len(words) > 1 and words[1].isdigit():
            version = int(words[1])
        segments = segments[1:]
    results = []
    for segment in segments:
        found = _resinfo(segment)
        if found is not None:
            results.append(found)
        if len(results) >= MAX_RESULTS:
            break
    return AuthResults(authserv_id=authserv_id, version=version, results=tuple(results))


def trusted_results(values: Sequence[str], authserv_ids: Collection[str]) -> AuthResults | None:
    """The topmost header (``values`` in header order, top first) carrying one of our
    authserv-ids; ``None`` when there is none. Lower ones are ignored even when they name us:
    only a sender can have put them there."""
    trusted = {i.strip().lower().rstrip(".") for i in authserv_ids if i.strip()}
    if not trusted:
        return None
    for value in values:
        parsed = parse_authentication_results(value)
        if parsed.authserv_id and parsed.authserv_id in trusted:
            return parsed
    return None


def normalise_domain(value: str) -> str:
    """``Agent <agent@Example.COM.>``, ``@example.com`` or ``example.com`` → ``example.com``
    (IDNs in their ASCII form, as MTAs write them)."""
    domain = value.strip().strip("<>").rpartition("@")[2].strip().rstrip(".").lower()
    if domain and not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    return domain


def aligned(one: str, other: str) -> bool:
    """Relaxed alignment approximated without the Public Suffix List (see the module notes)."""
    a, b = normalise_domain(one), normalise_domain(other)
    if not a or not b or "." not in a or "." not in b:
        return False
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _evidence(result: MethodResult, from_domain: str) -> bool:
    if result.result != "pass":
        return False
    props = result.properties
    if result.method == "dmarc":
        # DMARC passed for the domain it evaluated; it must be the From domain we read.
        return normalise_domain(props.get("header.from", "")) == from_domain
    if result.method == "dkim":
        signer = props.get("header.d") or props.get("header.i", "")
        return aligned(signer, from_domain)
    if result.method == "spf":
        return aligned(props.get("smtp.mailfrom", ""), from_domain)
    return False


def check_sender(results: AuthResults | None, from_address: str) -> SenderCheck:
    """Whether ``results`` (from :func:`trusted_results`) authenticate ``from_address``'s domain."""
    from_domain = normalise_domain(from_address)
    if results is None:
        return SenderCheck(False, "no Authentication-Results header from a trusted server")
    if not from_domain:
        return SenderCheck(False, "the From address has no domain")
    for method in ("dmarc", "dkim", "spf"):
        for result in results.results:
            if result.method == method and _evidence(result, from_domain):
                return SenderCheck(True, f"{result.describe()} ({results.authserv_id})")
    seen = ", ".join(r.describe() for r in results.results if r.method in {"dmarc", "dkim", "spf"})
    return SenderCheck(
        False,
        f"{results.authserv_id} authenticated nothing aligned with {from_domain}"
        + (f": {seen}" if seen else ""),
    )


def verify_sender(
    header_values: Sequence[str], authserv_ids: Collection[str], from_address: str
) -> SenderCheck:
    """The whole decision: our topmost header, then the From domain against it."""
    return check_sender(trusted_results(header_values, authserv_ids), from_address)
