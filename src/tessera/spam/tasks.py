"""Background learning from agents' spam marks."""

from __future__ import annotations

from django.tasks import task

from tessera.spam.learning import learn_ticket


@task()
def learn_from_ticket(ticket_id: int) -> str:
    """Learn (or re-learn) a ticket as spam or ham after an agent marked or unmarked it."""
    return learn_ticket(ticket_id)
