"""Read workloads: the agent's filtered ticket list and one ticket page.

Measured two ways. Over HTTP, sequentially on one keep-alive connection, like the peer
harness measures django-helpdesk's pages (latency of a single agent clicking). In-process,
calling ``tessera.tickets.queries.ticket_list`` directly, which isolates the query from the
server and serialisation. SQL statements per request are counted in-process with the test
client, so an N+1 shows up as a number, not only as time.
"""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

from bench.stats import latency_summary


def http_get_series(base: str, token: str, paths: list[str], *, reps: int, warmup: int = 2) -> dict[str, Any]:
    """GET the paths in order, ``reps`` times; latency of the whole sequence (one "page")."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    latencies: list[float] = []
    last: list[Any] = []
    try:
        for i in range(warmup + reps):
            t0 = time.perf_counter()
            bodies = []
            for path in paths:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.status != 200:
                    raise RuntimeError(f"GET {path}: {response.status} {data[:300]!r}")
                bodies.append(data)
            if i >= warmup:
                latencies.append((time.perf_counter() - t0) * 1000)
            last = [json.loads(b) for b in bodies]
    finally:
        conn.close()
    out = latency_summary(latencies)
    out["paths"] = paths
    out["bytes"] = sum(len(json.dumps(b)) for b in last)
    out["last"] = last
    return out


def inprocess_list(user_id: int, department_id: int, *, reps: int, warmup: int = 2) -> dict[str, Any]:
    from tessera.accounts.actor import Actor
    from tessera.accounts.models import User
    from tessera.tickets.queries import TicketFilters, ticket_list

    actor = Actor.of(User.objects.get(pk=user_id))
    filters = TicketFilters(status=["open"], department=[department_id])
    latencies: list[float] = []
    rows = 0
    for i in range(warmup + reps):
        t0 = time.perf_counter()
        page = ticket_list(actor, filters, limit=25)
        rows = len(page.items)
        if i >= warmup:
            latencies.append((time.perf_counter() - t0) * 1000)
    out = latency_summary(latencies)
    out["rows"] = rows
    return out


def query_counts(token: str, paths: dict[str, str]) -> dict[str, int]:
    """SQL statements per request, through Django's whole stack in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    out = {}
    for name, path in paths.items():
        client.get(path)  # first call warms per-process caches, as a running server has them
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        out[name] = len(ctx.captured_queries)
    return out
