"""Narrowing a ticket queryset to what a typed query matches: the database half of search.

The query language itself is parsed by the pure :mod:`tessera.search.query`, and where a term
may match (at a word start, or anywhere for Thai) is decided by the pure
:mod:`tessera.search.words`.

It only ever adds conditions to the queryset it is given, so it composes with
``visible_tickets`` and every other filter: search can never widen what an actor sees.
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from tessera.search import words
from tessera.search.models import SearchDocument
from tessera.search.query import SearchQuery, parse
from tessera.tickets.models import Ticket

_SQL = tuple[str, tuple[Any, ...]]


class StartsWord(Lookup):  # type: ignore[type-arg]  # generic only in the stubs
    """The column has the (folded) term at the start of a word, per :mod:`tessera.search.words`.

    Used as an expression (``StartsWord(F("public_text"), term)``), not registered on a field.
    """

    lookup_name = "search_starts_word"
    prepare_rhs = False

    def _term(self) -> str:
        assert isinstance(self.rhs, str)
        return self.rhs

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _SQL:
        raise NotSupportedError(f"word search is written for PostgreSQL and SQLite, not {connection.vendor}")

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _SQL:
        # The regular expression alone, without a LIKE beside it: pg_trgm takes the same
        # trigrams from it as from LIKE for the index condition, and the planner estimates its
        # selectivity by running it on the column's histogram, which a second condition on the
        # same words would spoil (it would multiply the two as if they were independent).
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} ~ %s", (*lhs_params, words.postgres_pattern(self._term()))

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _SQL:
        # REGEXP is a Python function Django registers on each connection; the LIKE before it
        # (in C, case-insensitive for ASCII, which folded text is) spares it most documents.
        lhs, lhs_params = self.process_lhs(compiler, connection)
        like = "%" + connection.ops.prep_for_like_query(self._term()) + "%"
        sql = f"({lhs} LIKE %s ESCAPE '\\' AND {lhs} REGEXP %s)"
        return sql, (*lhs_params, like, *lhs_params, words.python_pattern(self._term()))


def _in_column(column: str, term: str) -> Q:
    if words.matches_at_word_start(term):
        return Q(StartsWord(F(column), term))
    # Both sides are already folded, so a plain (case-sensitive) LIKE is exact; on PostgreSQL
    # the trigram GIN index of the column serves it.
    return Q(**{f"{column}__contains": term})


def _contains(term: str, *, include_notes: bool) -> Q:
    # Staff search both columns: one Bitmap Index Scan each on PostgreSQL, ORed.
    condition = _in_column("public_text", term)
    if include_notes:
        condition |= _in_column("note_text", term)
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
