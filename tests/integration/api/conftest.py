"""Calling the API as the people of the ``desk`` fixture, each with a personal write token."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tessera.accounts.actions import create_api_token

PERSONAS = ("anonymous", "customer_a", "customer_b", "agent", "outsider", "light", "admin")


class Api:
    """A thin JSON client for ``/api/v1``: every call returns (status, parsed body)."""

    def __init__(self, client: Client, raw_token: str | None = None) -> None:
        self.client = client
        self.raw_token = raw_token

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             raw_body: bytes | str | None = None) -> tuple[int, Any]:
        all_headers = dict(headers or {})
        if self.raw_token:
            all_headers.setdefault("Authorization", f"Bearer {self.raw_token}")
        data: Any = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"headers": all_headers}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        response = getattr(self.client, method.lower())(f"/api/v1{path}", **kwargs)
        self.last = response
        if response.status_code == 204:
            return 204, None
        assert response["Content-Type"].startswith("application/json"), (
            f"{method} {path} answered {response.status_code} with {response['Content-Type']}: "
            f"{response.content[:300]!r}"
        )
        return response.status_code, response.json()

    def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.call("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> tuple[int, Any]:
        return self.call("DELETE", path, **kw)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    # Rate-limit windows live in the cache, keyed by token id; ids repeat between tests on
    # SQLite, so one test's traffic must not count against the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_(desk: dict[str, Any]) -> Callable[[str], Api]:
    """``as_("agent")`` is an Api acting as that person with a write token."""
    made: dict[str, Api] = {}

    def make(persona: str, scope: str = "write") -> Api:
        key = f"{persona}:{scope}"
        if key not in made:
            if persona == "anonymous":
                made[key] = Api(Client())
            else:
                _, raw = create_api_token(desk[persona], f"test {scope}", scope)
                made[key] = Api(Client(), raw)
        return made[key]

    return make
