"""Counting failures (and costly requests) per account and per client address, in the cache.

A fixed window per key is enough here: the goal is to make guessing passwords and codes,
and flooding the contact form, slow and visible, not to meter fairly. With the default
local-memory cache each web process counts on its own; a site running several processes
configures a shared cache (Redis) and the limits become global.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int
    window_seconds: int

    def _key(self, value: str) -> str:
        # Hashed so that addresses and e-mail addresses never sit in the cache in clear text
        # and any Unicode or length fits a cache key.
        digest = hashlib.sha256(f"{self.scope}\x00{value}".encode()).hexdigest()
        return f"tessera:portal:throttle:{digest}"

    def count(self, value: str) -> int:
        return int(cache.get(self._key(value), 0))

    def blocked(self, value: str) -> bool:
        return self.count(value) >= self.limit

    def hit(self, value: str) -> int:
        key = self._key(value)
        # add() starts the window only if no window is running; incr() never extends it.
        if cache.add(key, 1, self.window_seconds):
            return 1
        try:
            return int(cache.incr(key))
        except ValueError:
            # The window expired between add() and incr(): this hit opens a new one.
            cache.set(key, 1, self.window_seconds)
            return 1

    def reset(self, value: str) -> None:
        cache.delete(self._key(value))


# Sign-in failures (password or code) per account and per client address.
LOGIN_PER_ACCOUNT = Throttle("login-account", limit=5, window_seconds=15 * 60)
LOGIN_PER_IP = Throttle("login-ip", limit=30, window_seconds=15 * 60)
# Mails we send on request (codes, password resets): per address and per client.
MAIL_PER_ACCOUNT = Throttle("mail-account", limit=5, window_seconds=60 * 60)
MAIL_PER_IP = Throttle("mail-ip", limit=20, window_seconds=60 * 60)
# Contact-form posts per client address.
FORM_PER_IP = Throttle("form-ip", limit=10, window_seconds=10 * 60)


def client_ip(request: HttpRequest) -> str:
    """The peer address. Behind a proxy, the proxy must set REMOTE_ADDR (e.g. uvicorn's
    --proxy-headers with --forwarded-allow-ips); X-Forwarded-For is never trusted here,
    since any client can write it."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")
