"""Scoring forward extraction against forwards-crisp-forward-parser/expected.json.

Each group of the expected answers says, in words, which fields must come out (see its
``checks``); ``case_checks`` turns those words into per-field comparisons. A case is an exact
match when every field its group checks is right.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tessera.channels.email.forwards import Forwarded, extract_forward

FOLDER = "forwards-crisp-forward-parser"


@dataclass
class ForwardScore:
    cases: int = 0
    exact: int = 0
    fields: Counter[str] = field(default_factory=Counter)
    checked: Counter[str] = field(default_factory=Counter)
    per_client: dict[str, list[int]] = field(default_factory=dict)
    failures: list[tuple[str, list[str]]] = field(default_factory=list)


def _client(name: str) -> str:
    stem = name.split("_body")[0]
    return re.sub(r"_(?:cs|cz|da|de|en|es|et|fi|fr|hr|hu|it|ja|nl|no|pl|pt_br|pt|ro|ru|sk|sv|tr|uk)$", "", stem)


def _after_subject_line(text: str, subject: str, *, after_cc: bool = False, unquote: bool = False) -> str:
    lines = text.replace("\r\n", "\n").replace("\ufeff", "").split("\n")
    marker = re.compile(r"^[>\s]*(?:\*?Subject\*?:)\s*" + re.escape(subject) + r"\s*$")
    index = next(i for i, line in enumerate(lines) if marker.match(line))
    if after_cc:
        index = next(i for i in range(index, len(lines)) if re.match(r"^\s*CC:", lines[i], re.IGNORECASE))
    rest = lines[index + 1 :]
    if unquote:
        rest = [re.sub(r"^\s*>\s?", "", line) for line in rest]
    return "\n".join(rest).strip()


def case_checks(group: str, name: str, text: str, c: dict[str, str]) -> dict[str, Any]:
    """Expected value per checked field for one fixture (``None`` = must be empty)."""
    to1, to2 = (c["TO_ADDRESS_1"], ""), (c["TO_ADDRESS_2"], "")
    cc_named = [(c["CC_ADDRESS_1"], c["CC_NAME_1"]), (c["CC_ADDRESS_2"], c["CC_NAME_2"])]
    outlook_2019 = name.startswith("outlook_2019")
    ionos = name.startswith("ionos")
    expected: dict[str, Any] = {
        "subject": c["SUBJECT"],
        "body": c["BODY"],
        "date": True,
        "from": (c["FROM_ADDRESS"], c["FROM_NAME"]),
    }
    if not outlook_2019:
        expected["to0"] = to1
    if not (outlook_2019 or ionos):
        expected["cc"] = cc_named
    number = int(group.split()[1]) if group.startswith("variant") else 0
    if number in (0, 9, 10):
        expected["message"] = None if number == 0 else c["MESSAGE"]
    if number == 1:
        expected["to"] = [to1, to2]
        expected["cc"] = []
    if number == 2:
        expected["message"] = c["MESSAGE"]
        if name != "outlook_2019_en_body_variant_2.txt":
            expected["to"] = [to1, to2]
    if number == 3:
        expected["to"] = [(c["TO_ADDRESS_1"], c["TO_NAME_1"]), to2]
        expected["cc"] = [(c["CC_ADDRESS_1"], ""), (c["CC_ADDRESS_2"], c["CC_NAME_2"])]
    if number == 5:
        expected["from"] = (c["FROM_ADDRESS"], "")
    if number == 6:
        expected.pop("cc", None)
    if number == 7:
        expected["to"] = [(c["TO_ADDRESS_1"], "Bessie, Berry"), (c["TO_ADDRESS_2"], c["TO_NAME_2"])]
        expected["cc"] = [(c["CC_ADDRESS_1"], ""), (c["CC_ADDRESS_2"], "")]
    if number == 8:
        expected["body"] = _after_subject_line(text, c["SUBJECT"])
        expected["message"] = c["MESSAGE"]
    if number == 11:
        expected["from"] = (c["FROM_ADDRESS"], "John, Doe")
        expected["to"] = [(c["TO_ADDRESS_1"], "Bessie, Berry"), to2]
        expected["cc"] = [(c["CC_ADDRESS_1"], "Walter, Sheltan"), (c["CC_ADDRESS_2"], "Nicholas, Landers")]
    if number == 12:
        expected["from"] = ("", c["FROM_NAME"])
        expected["to0"] = ("", c["TO_NAME_1"])
        expected.pop("cc", None)
    if number == 13:
        expected["body"] = _after_subject_line(text, c["SUBJECT"], unquote=True)
        expected["message"] = c["MESSAGE"]
    if number in (14, 15):
        expected["body"] = _after_subject_line(text, c["SUBJECT"], after_cc=name.startswith("thunderbird"))
        expected["message"] = c["MESSAGE"]
    if "to" in expected:
        expected.pop("to0", None)
    return expected


def _actual(found: Forwarded) -> dict[str, Any]:
    def pairs(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(address.lower(), name) for name, address in items]

    return {
        "subject": found.subject,
        "body": found.body,
        "date": bool(found.date),
        "from": (found.from_address.lower(), found.from_name),
        "to0": pairs(found.to[:1])[0] if found.to else ("", ""),
        "to": pairs(found.to),
        "cc": pairs(found.cc),
        "message": found.message or None,
    }


def score_forward_corpus(root: Path) -> ForwardScore:
    folder = root / FOLDER
    data = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    constants = data["constants"]
    score = ForwardScore()
    for group in data["groups"]:
        for entry in group["entries"]:
            name = entry["body"].split("/")[-1]
            text = (folder / entry["body"]).read_text(encoding="utf-8")
            subject = (
                (folder / entry["subject"]).read_text(encoding="utf-8").strip() if "subject" in entry else None
            )
            found = extract_forward(text, subject)
            score.cases += 1
            tally = score.per_client.setdefault(_client(name), [0, 0])
            tally[1] += 1
            wrong: list[str] = []
            if group["group"].startswith("variant 4"):
                score.checked["forwarded"] += 1
                if found is None:
                    score.fields["forwarded"] += 1
                else:
                    wrong.append("forwarded")
            else:
                score.checked["forwarded"] += 1
                if found is None:
                    wrong.append("forwarded")
                else:
                    score.fields["forwarded"] += 1
                    actual = _actual(found)
                    for key, value in case_checks(group["group"], name, text, constants).items():
                        score.checked[key] += 1
                        if actual[key] == value:
                            score.fields[key] += 1
                        else:
                            wrong.append(key)
            if not wrong:
                score.exact += 1
                tally[0] += 1
            else:
                score.failures.append((name, wrong))
    return score
