"""Every mail of the shared corpora goes through store_raw + processing without an unhandled error.

Each ends as a ticket message, a recorded bounce/complaint, or a quarantined/ignored row with a
reason. Set ``TESSERA_CORPUS_STRIDE=n`` to take every n-th file of a collection for a quick run.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tessera.channels.ingest import process_raw, store_raw
from tessera.channels.models import InboundStatus, Mailbox, MailboxKind

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]

COLLECTIONS = [
    "eml-cpython-test-email", "eml-discourse", "eml-django-helpdesk", "eml-django-mailbox", "eml-flanker",
    "eml-mail-parser-spamscope", "eml-mailman", "eml-mikel-mail", "eml-rt", "eml-salmon",
    "bounces-flufl", "bounces-sisimai",
    # Split, so each part fits the per-test timeout on a busy machine.
    "spam-ham-spamassassin/easy-ham-1", "spam-ham-spamassassin/easy-ham-2", "spam-ham-spamassassin/hard-ham-1",
    "spam-ham-spamassassin/spam-1", "spam-ham-spamassassin/spam-2",
]
NOT_MAIL = {".md", ".json", ".csv", ".py", ".yaml", ".yml"}
STRIDE = int(os.environ.get("TESSERA_CORPUS_STRIDE", "1"))


def mail_files(folder: Path) -> list[Path]:
    files = sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() not in NOT_MAIL and not p.name.upper().startswith(("LICENSE", "README", "SOURCE"))
    )
    return files[::STRIDE]


@pytest.mark.parametrize(
    "collection",
    [
        pytest.param(c, marks=[pytest.mark.slow, pytest.mark.timeout(1800)])
        if c.startswith(("spam-ham", "bounces-sisimai"))
        else c
        for c in COLLECTIONS
    ],
)
def test_corpus_is_ingested_without_unhandled_errors(shared_data: Path, support: Any, collection: str) -> None:
    mailboxes = [Mailbox.objects.create(name=collection, department=support, address="support@example.test", kind=MailboxKind.SMTP)]
    files = mail_files(shared_data / collection)
    assert files, f"no mail files in {collection}"
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    unhandled: list[str] = []
    for path in files:
        raw = path.read_bytes()
        row, created = store_raw(mailboxes[-1], raw)
        if not created:
            # Test corpora reuse Message-IDs between files; each file is still worth a run, so it
            # goes to a mailbox of its own (deduplication is per mailbox).
            outcomes["duplicate message-id"] += 1
            mailboxes.append(
                Mailbox.objects.create(name=f"{collection} {len(mailboxes)}", department=support, kind=MailboxKind.SMTP)
            )
            row, created = store_raw(mailboxes[-1], raw)
            assert created
        status = process_raw(row.pk)
        row.refresh_from_db()
        assert status == row.status
        outcomes[f"{row.status}:{row.kind}"] += 1
        if row.status == InboundStatus.PENDING:
            unhandled.append(f"{path.name}: still pending")
        elif row.status in {InboundStatus.QUARANTINED, InboundStatus.IGNORED}:
            reasons[row.error[:70]] += 1
            if not row.error:
                unhandled.append(f"{path.name}: {row.status} without a reason")
            elif row.error.startswith(("parser error", "internal error")):
                unhandled.append(f"{path.name}: {row.error[:300]}")
        elif row.kind in {"message", "auto_reply"} and row.message_id is None:
            unhandled.append(f"{path.name}: processed {row.kind} without a message")
    print(f"{collection}: {len(files)} files {dict(sorted(outcomes.items()))} reasons {dict(reasons)}")
    assert unhandled == []
