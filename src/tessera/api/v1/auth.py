"""Who is calling: a personal API token, or a signed-in browser session.

Tokens are for integrations: ``Authorization: Bearer tsr_...``, looked up by the SHA-256 of the
raw value (only the digest is stored). A read-scope token may only read. A session is for the
desk's own pages calling the API from the same origin; it must pass Django's CSRF check on
every write, since a browser sends the cookie whoever asked it to.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import BaseThrottle
from ninja.utils import check_csrf

from tessera.accounts.actions import touch_api_token
from tessera.accounts.actor import Actor
from tessera.accounts.models import ApiToken, ApiTokenScope, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TOKEN_PREFIX = "tsr_"  # noqa: S105 - a marker, not a secret
_MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class Principal:
    user: User
    token: ApiToken | None = None

    @property
    def key(self) -> str:
        return f"t{self.token.pk}" if self.token is not None else f"u{self.user.pk}"


class TokenAuth(HttpBearer):
    """Bearer tokens. A header that is present but wrong is an error, not "try the cookie"."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        token = token.strip()
        if not token.startswith(_TOKEN_PREFIX) or len(token) > _MAX_TOKEN_LENGTH or not token.isascii():
            raise AuthenticationError()
        try:
            found = ApiToken.objects.select_related("user").get(digest=ApiToken.hash(token))
        except ApiToken.DoesNotExist:
            raise AuthenticationError() from None
        if found.revoked_at is not None or not found.user.is_active:
            raise AuthenticationError()
        if request.method not in SAFE_METHODS and found.scope != ApiTokenScope.WRITE:
            raise HttpError(403, "This token may only read; create a write token to change data")
        touch_api_token(found)
        return Principal(user=found.user, token=found)


class SessionAuth(APIKeyCookie):
    """The browser's Django session, with CSRF enforced for anything that writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if "authorization" in request.headers:
            return None  # a token was offered; the token check alone decides
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not isinstance(user, User):
            return None
        # Checked only once we know a session is in use, so an anonymous caller gets 401
        # (sign in) rather than a CSRF complaint about a cookie it never had.
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed")
        return Principal(user=user)


def principal(request: HttpRequest) -> Principal:
    auth = getattr(request, "auth", None)
    assert isinstance(auth, Principal), "operation without authentication"
    return auth


def actor_of(request: HttpRequest) -> Actor:
    """The actor for this request; its timeline entries say they came through the API."""
    return Actor(user=principal(request).user, channel="api")


class PrincipalThrottle(BaseThrottle):
    """A fixed-window request budget per token (or per session user).

    The rate is read on every request from ``settings.TESSERA_API_RATE_LIMIT`` ("N/period",
    period one of s, min, h, day) so an operator, or a test, can change it without a restart.
    """

    _PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
    default_rate = "1200/min"

    def _rate(self) -> tuple[int, int]:
        raw = str(getattr(settings, "TESSERA_API_RATE_LIMIT", self.default_rate))
        count, _, period = raw.partition("/")
        return int(count), self._PERIODS[period]

    def allow_request(self, request: HttpRequest) -> bool:
        auth: Any = getattr(request, "auth", None)
        if not isinstance(auth, Principal):
            return True
        limit, period = self._rate()
        window = int(time.time() // period)
        key = f"tessera:api-rate:{auth.key}:{period}:{window}"
        # add() only sets a missing key, so the first request of a window starts it at 1.
        if cache.add(key, 1, timeout=period + 1):
            return limit >= 1
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=period + 1)
            used = 1
        return used <= limit

    def wait(self) -> float | None:
        _, period = self._rate()
        return float(math.ceil(period - time.time() % period))
