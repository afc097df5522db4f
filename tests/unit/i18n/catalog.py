"""A small reader for gettext ``.po`` catalogs: enough for the checks, no dependency.

The checks need entries with their context, plural forms, flags and comments; the subset of the
PO grammar GNU gettext and Django's makemessages write (``#`` comments, ``msgctxt``, ``msgid``,
``msgid_plural``, ``msgstr`` / ``msgstr[n]``, continued string lines, ``#~`` obsolete entries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')
_CONTINUATION = re.compile(r'^(".*")\s*$')


class PoSyntaxError(ValueError):
    pass


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[i] for i in sorted(self.msgstr)]

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    def describe(self) -> str:
        where = f" ({', '.join(self.references)})" if self.references else ""
        ctx = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"{ctx}{self.msgid!r}{where}"


def unquote(token: str, *, line: int) -> str:
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise PoSyntaxError(f"line {line}: expected a quoted string, got {token!r}")
    body = token[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body) or body[i + 1] not in _ESCAPES:
                raise PoSyntaxError(f"line {line}: bad escape in {token!r}")
            out.append(_ESCAPES[body[i + 1]])
            i += 2
            continue
        if ch == '"':
            raise PoSyntaxError(f"line {line}: unescaped quote in {token!r}")
        out.append(ch)
        i += 1
    return "".join(out)


def parse(text: str) -> list[Entry]:
    """Every entry of a catalog in file order, the header (empty msgid) included."""
    entries: list[Entry] = []
    current = Entry()
    # Which string a continuation line extends: ("msgid", None), ("msgstr", 2)...
    target: tuple[str, int | None] | None = None
    seen_keyword = False

    def finish() -> None:
        nonlocal current, target, seen_keyword
        if seen_keyword:
            entries.append(current)
        current = Entry()
        target = None
        seen_keyword = False

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            current.obsolete = True
        elif line.startswith("#"):
            if seen_keyword:
                # A comment after strings starts the next entry (no blank line between).
                finish()
            if line.startswith("#,"):
                current.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            elif line.startswith("#:"):
                current.references.extend(line[2:].split())
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, token = keyword.group(1), keyword.group(2), keyword.group(3)
            if name in {"msgctxt", "msgid"} and target is not None and target[0] == "msgstr":
                finish()
                current.obsolete = obsolete
            if not seen_keyword:
                current.line = number
            seen_keyword = True
            value = unquote(token, line=number)
            if name == "msgctxt":
                current.msgctxt = value
                target = ("msgctxt", None)
            elif name == "msgid":
                current.msgid = value
                target = ("msgid", None)
            elif name == "msgid_plural":
                current.msgid_plural = value
                target = ("msgid_plural", None)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot] = value
                target = ("msgstr", slot)
            continue
        continuation = _CONTINUATION.match(line)
        if continuation and target is not None:
            value = unquote(continuation.group(1), line=number)
            kind, form = target
            if kind == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + value
            elif kind == "msgid":
                current.msgid += value
            elif kind == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            else:
                assert form is not None
                current.msgstr[form] += value
            continue
        raise PoSyntaxError(f"line {number}: cannot read {raw!r}")
    finish()
    return entries


def read(path: Path) -> list[Entry]:
    return parse(path.read_text(encoding="utf-8"))


def header(entries: list[Entry]) -> dict[str, str]:
    """The ``Name: value`` fields of the header entry."""
    for entry in entries:
        if entry.is_header and not entry.obsolete:
            fields: dict[str, str] = {}
            for row in entry.msgstr.get(0, "").splitlines():
                name, sep, value = row.partition(":")
                if sep:
                    fields[name.strip()] = value.strip()
            return fields
    return {}


# %(name)s, %s, %d, %% ... as Python's % operator reads them.
_PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
# {name}, {0}, {name!r:>10}; "{{" is a literal brace.
_BRACE = re.compile(r"\{\{|\}\}|\{(?P<field>[^{}]*)\}")


def placeholders(text: str, flags: set[str]) -> list[str]:
    """The substitution fields of a string, sorted, so word order may differ between languages.

    Only strings xgettext flagged as format strings are read as such: in "100% sure" the "% s"
    is prose, not a field.
    """
    found: list[str] = []
    if "python-format" in flags:
        for m in _PERCENT.finditer(text):
            if m.group("conv") != "%":
                found.append(m.group(0))
    if "python-brace-format" in flags:
        for m in _BRACE.finditer(text):
            if m.group("field") is not None:
                found.append("{" + m.group("field") + "}")
    return sorted(found)


_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")


def tags(text: str) -> list[str]:
    """The HTML tags of a string (as written, attributes included), sorted."""
    return sorted(m.group(0) for m in _TAG.finditer(text))
