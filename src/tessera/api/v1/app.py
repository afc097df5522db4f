"""The REST API, version 1: one router per resource, one error shape, token or session auth."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI

from tessera.api.v1 import (
    account,
    contacts,
    directory,
    errors,
    mailboxes,
    organisations,
    reports,
    tickets,
)
from tessera.api.v1.auth import PrincipalThrottle, SessionAuth, TokenAuth


class TesseraAPI(NinjaAPI):
    """NinjaAPI whose every answer under its prefix, even for unknown paths, is JSON."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_405(pattern.callback)
        # Last, so it only catches what no operation matched: a JSON 404, never an HTML page.
        patterns.append(re_path(r"^.*$", _unknown_path))
        return patterns, app_name, namespace


def _json_405(view: Any) -> Any:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            json = errors.error_response(405, "method_not_allowed", f"Allowed methods: {allowed}")
            json["Allow"] = allowed
            return json
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


def _unknown_path(request: HttpRequest) -> HttpResponse:
    return errors.error_response(404, "not_found", "No such endpoint")


_unknown_path.csrf_exempt = True  # type: ignore[attr-defined]


api = TesseraAPI(
    title="Tessera API",
    version="1.0.0",
    description=(
        "Tickets, conversations, contacts and organisations of a Tessera help desk. "
        "Authenticate with a personal token (`Authorization: Bearer tsr_...`) or, from the "
        "desk's own pages, the session cookie plus the CSRF header on writes. Every error is "
        '`{"error": {"code", "message", "field"}}`.'
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionAuth()],
    throttle=[PrincipalThrottle()],
)
errors.install(api)

api.add_router("", account.router)
api.add_router("", tickets.router)
api.add_router("", contacts.router)
api.add_router("", organisations.router)
api.add_router("", directory.router)
api.add_router("", mailboxes.router)
api.add_router("", reports.router)
