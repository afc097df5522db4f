"""Building and refreshing search documents.

Documents are refreshed by the background job that follows every ticket change
(``process_ticket_events``), not inside the action: ticket creation stays one insert lighter,
and a ticket becomes findable by its words as soon as the worker has run (its number finds it
at once). ``reindex`` rebuilds everything, e.g. after a bulk load that bypassed the actions.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import Substr

from tessera.accounts.models import ContactIdentity
from tessera.core import time
from tessera.search.models import SearchDocument
from tessera.search.text import compose
from tessera.tickets.models import Attachment, EventKind, Message, MessageKind, Ticket, TicketEvent

log = logging.getLogger(__name__)

# Bounds on a document, in characters of folded text. Trigram matching rechecks the text of
# every candidate row, and a GIN index entry grows with the distinct trigrams of a text, so a
# ticket with a 2 MB log pasted into it must not cost more than a normal one. The first
# characters are kept: subject, requester and tags, then the messages oldest first.
MAX_PUBLIC_CHARS = 20_000
MAX_NOTE_CHARS = 10_000


@dataclass
class _Parts:
    """The raw text of one ticket, in document order."""

    public: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _gather(ids: Sequence[int]) -> dict[int, _Parts]:
    # Five flat queries for a whole batch, read as tuples: building model instances through
    # prefetch_related cost three times as much as the folding itself on a 50k reindex.
    tickets = list(
        Ticket.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "subject", "requester_id", "requester__name")
    )
    addresses: dict[int, list[str]] = defaultdict(list)
    requester_ids = {requester_id for _, _, requester_id, _ in tickets}
    for contact_id, value in (
        ContactIdentity.objects.filter(contact_id__in=requester_ids).order_by("pk").values_list("contact_id", "value")
    ):
        addresses[contact_id].append(value)
    tags: dict[int, list[str]] = defaultdict(list)
    for ticket_id, name in (
        Ticket.tags.through.objects.filter(ticket_id__in=ids).order_by("tag__name").values_list("ticket_id", "tag__name")
    ):
        tags[ticket_id].append(name)
    filenames: dict[int, list[str]] = defaultdict(list)
    for message_id, filename in (
        Attachment.objects.filter(message__ticket_id__in=ids).order_by("pk").values_list("message_id", "filename")
    ):
        filenames[message_id].append(filename)

    parts: dict[int, _Parts] = {}
    for pk, subject, requester_id, requester_name in tickets:
        parts[pk] = _Parts(public=[subject, requester_name, *addresses[requester_id], *tags[pk]])
    # Only the head of each body is fetched: the document never holds more than that anyway.
    messages = (
        Message.objects.filter(ticket_id__in=ids)
        .annotate(head=Substr("body_text", 1, MAX_PUBLIC_CHARS))
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "id", "kind", "head")
    )
    for ticket_id, message_id, kind, head in messages:
        into = parts[ticket_id].notes if kind == MessageKind.NOTE else parts[ticket_id].public
        into.append(head)
        into.extend(filenames[message_id])
    return parts


def build_documents(ticket_ids: Iterable[int]) -> list[SearchDocument]:
    """Fresh (unsaved) documents for these tickets, in id order; missing ids are skipped."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return []
    now = time.now()
    return [
        SearchDocument(
            ticket_id=pk,
            public_text=compose(parts.public, MAX_PUBLIC_CHARS),
            note_text=compose(parts.notes, MAX_NOTE_CHARS),
            indexed_at=now,
        )
        for pk, parts in _gather(ids).items()
    ]


def _save(documents: list[SearchDocument]) -> None:
    SearchDocument.objects.bulk_create(
        documents,
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=["public_text", "note_text", "indexed_at"],
    )


def refresh(ticket_ids: Iterable[int]) -> int:
    """Rebuild the documents of these tickets; returns how many were written."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    with transaction.atomic():
        # Lock the existing documents (in id order, so two jobs never deadlock) before reading
        # the tickets: of two jobs refreshing one ticket, the one that writes last then also
        # read last, so an older snapshot cannot overwrite a newer one. (Only two jobs writing
        # a ticket's very first document at once can race; its next change repairs that.)
        # Ticket rows are not locked: actions lock those, and search must never make an agent
        # wait.
        list(SearchDocument.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        documents = build_documents(ids)
        _save(documents)
    return len(documents)


# Timeline entries that change what a document holds (subject, requester, tags, messages
# and their attachments). A status change, an assignment or an SLA warning leaves the text
# as it was: rebuilding it for those cost seven statements a job for nothing.
TEXT_EVENTS = frozenset({
    EventKind.CREATED, EventKind.MESSAGE, EventKind.REPLY, EventKind.NOTE, EventKind.TAGGED,
    EventKind.UNTAGGED, EventKind.MERGED, EventKind.MERGED_FROM, EventKind.SPLIT,
})
TEXT_FIELDS = frozenset({"subject", "requester"})


def changes_text(event: TicketEvent) -> bool:
    return event.kind in TEXT_EVENTS or (event.kind == EventKind.FIELD and event.field in TEXT_FIELDS)


def refresh_for_events(events: Sequence[TicketEvent]) -> int:
    """The hook called by ``process_ticket_events``: refresh every ticket whose text these
    events changed.

    A failure here is logged and swallowed inside its own savepoint: the rules, assignment and
    SLA work of the same job must not be rolled back and retried because of a stale index,
    which the next change to the ticket or ``tessera reindex_search`` repairs.
    """
    ids = {e.ticket_id for e in events if changes_text(e)}
    if not ids:
        return 0
    try:
        return refresh(ids)
    except Exception:
        log.exception("search: could not refresh documents of tickets %s", sorted(ids))
        return 0


def reindex(
    *,
    batch_size: int = 500,
    missing_only: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild the documents of all tickets (or only of those without one), batch by batch.

    Each batch commits on its own, so an interrupted run keeps what it did and
    ``missing_only`` resumes it. Returns the number of documents written.
    """
    tickets = Ticket.objects.all()
    if missing_only:
        tickets = tickets.filter(search_document__isnull=True)
    total = tickets.count()
    done = 0
    last = 0
    while True:
        ids = list(tickets.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        with transaction.atomic():
            documents = build_documents(ids)
            _save(documents)
        done += len(documents)
        last = ids[-1]
        if progress is not None:
            progress(done, total)
    return done
