"""Live updates: tell connected browsers that a ticket changed, once the change is committed."""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from tessera.core.effects import on_commit

log = logging.getLogger(__name__)

DESK_GROUP = "desk"
_pending: set[asyncio.Task[None]] = set()


def publish_ticket_changed(number: int, version: int) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": "ticket.changed", "ticket": number, "version": version}
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            # Called from async code on this thread: schedule instead of blocking the loop.
            _pending.add(task := loop.create_task(layer.group_send(DESK_GROUP, message)))
            task.add_done_callback(_pending.discard)
            return
        try:
            async_to_sync(layer.group_send)(DESK_GROUP, message)
        except Exception:  # a push is a courtesy; the change itself is already committed
            log.warning("live update for ticket %s not delivered", number, exc_info=True)

    on_commit(send)
