"""Live updates: tell connected browsers that a ticket changed, once the change is committed."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from tessera.core.effects import on_commit

log = logging.getLogger(__name__)

DESK_GROUP = "desk"


def publish_ticket_changed(number: int, version: int) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                DESK_GROUP, {"type": "ticket.changed", "ticket": number, "version": version}
            )
        except Exception:  # a push is a courtesy; the change itself is already committed
            log.warning("live update for ticket %s not delivered", number, exc_info=True)

    on_commit(send)
