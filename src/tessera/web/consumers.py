"""Websocket consumer pushing live updates to agents' browsers."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tessera.tickets.live import remember_server_loop

DESK_GROUP = "desk"


class DeskConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_agent:
            await self.close(code=4403)
            return
        remember_server_loop(asyncio.get_running_loop())
        await self.channel_layer.group_add(DESK_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(DESK_GROUP, self.channel_name)

    async def ticket_changed(self, event: dict[str, Any]) -> None:
        # Only ids travel: the browser refetches through views that apply permissions.
        await self.send_json({"type": "ticket.changed", "ticket": event["ticket"], "version": event["version"]})
