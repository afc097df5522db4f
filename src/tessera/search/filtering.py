"""Narrowing a ticket queryset to what a typed query matches: the database half of search.

The query language itself is parsed by the pure :mod:`tessera.search.query`.

It only ever adds conditions to the queryset it is given, so it composes with
``visible_tickets`` and every other filter: search can never widen what an actor sees.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from tessera.search.models import SearchDocument
from tessera.search.query import SearchQuery, parse
from tessera.tickets.models import Ticket


def _contains(term: str, *, include_notes: bool) -> Q:
    # Both sides are already folded, so a plain (case-sensitive) LIKE is exact; on PostgreSQL
    # the trigram GIN indexes of the two columns serve it (one Bitmap Index Scan each, ORed).
    condition = Q(public_text__contains=term)
    if include_notes:
        condition |= Q(note_text__contains=term)
    return condition


def search_filter(query: SearchQuery, *, include_notes: bool) -> Q:
    """The condition on tickets for a parsed query (``Q()`` when it asks for nothing)."""
    if query.is_empty:
        return Q()
    exclude = Q()
    for term in query.exclude:
        exclude |= _contains(term, include_notes=include_notes)
    if not query.include:
        # Exclusions alone: every ticket but those whose document has one of the words.
        return ~Q(Exists(SearchDocument.objects.filter(exclude, ticket_id=OuterRef("pk"))))
    documents = SearchDocument.objects.all()
    for term in query.include:
        documents = documents.filter(_contains(term, include_notes=include_notes))
    if exclude:
        documents = documents.exclude(exclude)
    if query.number is None:
        return Q(Exists(documents.filter(ticket_id=OuterRef("pk"))))
    # "1234" is a ticket number or a word. One id list of both (a UNION) keeps the plan a
    # semi-join on a handful of ids; an OR of the two conditions would test every ticket.
    by_number = Ticket.objects.filter(number=query.number).values("pk")
    return Q(pk__in=by_number.union(documents.values("ticket_id")))


def matching(qs: QuerySet[Ticket], text: str, *, include_notes: bool) -> QuerySet[Ticket]:
    """``qs`` narrowed to the tickets whose text matches ``text``.

    ``include_notes`` is for staff only: a customer's search reads the public text alone.
    """
    query = parse(text)
    if query.is_empty:
        return qs
    return qs.filter(search_filter(query, include_notes=include_notes))
