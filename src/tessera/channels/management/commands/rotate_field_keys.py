"""``tessera rotate_field_keys``: re-encrypt stored secrets under the newest key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tessera.channels.models import Mailbox


class Command(BaseCommand):
    help = (
        "Re-encrypt mailbox passwords, OAuth2 tokens and client secrets with the first key of TESSERA_FIELD_KEY "
        "(run after adding a new key in front of the old ones; then the old keys can go)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        unreadable: list[str] = []
        with transaction.atomic():
            for mailbox in Mailbox.objects.select_for_update().order_by("pk"):
                values = {name: getattr(mailbox, name) for name in Mailbox.SECRET_FIELDS}
                if mailbox.undecryptable_secrets():
                    unreadable.append(mailbox.name)
                    continue
                if any(values.values()):
                    # Read with any key, written with the newest one.
                    Mailbox.objects.filter(pk=mailbox.pk).update(**values)
                    rotated += 1
        self.stdout.write(f"re-encrypted the secrets of {rotated} mailbox(es)")
        if unreadable:
            raise CommandError(
                "no configured key opens the secrets of: " + ", ".join(unreadable)
                + " (add the key they were written with to TESSERA_FIELD_KEY and run again)"
            )
