from __future__ import annotations

from typing import Any

from django.urls import path

from tessera.web.consumers import DeskConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/desk/", DeskConsumer.as_asgi()),
]
