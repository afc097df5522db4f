"""Ticket numbers: unique and increasing, safe under concurrent creation."""

from __future__ import annotations

from django.db import connection
from django.db.models import F

from tessera.core.models import Counter

SEQUENCE = "tessera_ticket_number_seq"


def next_ticket_number() -> int:
    if connection.vendor == "postgresql":
        # A sequence never blocks concurrent creators; a rolled-back creation leaves a gap,
        # which is the price of not serialising every new ticket on one row lock.
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE])
            row = cursor.fetchone()
            assert row is not None
            return int(row[0])
    # SQLite runs one writer at a time (IMMEDIATE transactions), so a counter row is safe.
    updated = Counter.objects.filter(name="ticket_number").update(value=F("value") + 1)
    if not updated:
        Counter.objects.create(name="ticket_number", value=1000)
        return 1000
    return int(Counter.objects.get(name="ticket_number").value)
