"""The REST API, version 1."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Tessera API", version="1.0.0", urls_namespace="api-v1")
