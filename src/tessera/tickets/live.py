"""Live updates: tell connected browsers that a ticket changed, once the change is committed."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from tessera.core.effects import on_commit

log = logging.getLogger(__name__)

DESK_GROUP = "desk"
_pending: set[asyncio.Task[None]] = set()
# The event loop of the ASGI server in this process, recorded by the websocket consumer. The
# in-memory channel layer's queues belong to that loop, so pushes from other threads (request
# threads, the in-process worker) are handed to it instead of being run on a loop of their own.
_server_loop: asyncio.AbstractEventLoop | None = None


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def _log_failure(future: Future[Any]) -> None:
    if future.exception() is not None:
        log.warning("live update not delivered", exc_info=future.exception())


def publish_ticket_changed(number: int, version: int) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": "ticket.changed", "ticket": number, "version": version}
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            # Called from async code on this thread: schedule instead of blocking the loop.
            _pending.add(task := running.create_task(layer.group_send(DESK_GROUP, message)))
            task.add_done_callback(_pending.discard)
            return
        loop = _server_loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(layer.group_send(DESK_GROUP, message), loop).add_done_callback(
                _log_failure
            )
            return
        try:
            async_to_sync(layer.group_send)(DESK_GROUP, message)
        except Exception:  # a push is a courtesy; the change itself is already committed
            log.warning("live update for ticket %s not delivered", number, exc_info=True)

    on_commit(send)
