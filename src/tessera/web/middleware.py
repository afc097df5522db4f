"""Per-request locale: each person sees times in their zone and text in their language."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        previous: str | None = None
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.language and "django_language" not in request.COOKIES:
                previous = translation.get_language()
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
            if previous is not None:
                # Said here because the language is put back below, before LocaleMiddleware
                # (which only sets the header when absent) sees the response.
                response.headers.setdefault("Content-Language", translation.get_language())
            return response
        finally:
            timezone.deactivate()
            if previous is not None:
                # The language is the thread's, not the request's: left active, it would leak
                # into whatever this thread does next (a worker's email, another test).
                translation.activate(previous)
