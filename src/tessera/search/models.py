"""One search document per ticket: the folded text its keyword search runs against."""

from __future__ import annotations

from django.db import models

from tessera.tickets.models import Ticket


class SearchDocument(models.Model):
    """Derived data, rebuilt from the ticket at any time (``tessera reindex_search``).

    Internal notes live in their own column so that a customer's search, which only reads
    ``public_text``, can never match words that only an internal note contains.
    """

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    # Subject, requester name and addresses, tags, public messages and their file names.
    public_text = models.TextField(blank=True)
    note_text = models.TextField(blank=True)
    indexed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"search document of ticket {self.ticket_id}"
