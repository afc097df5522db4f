"""Who may open the staff pages: one check, shared by the desk, its settings and the rules admin."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from tessera.accounts.actor import Actor
from tessera.accounts.models import User

View = Callable[..., HttpResponseBase]


def agent_required(view: View) -> View:
    """Agents only. Customers get 404: the desk's existence is not theirs to probe."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        assert isinstance(user, User)
        if not user.is_agent or not user.is_active:
            raise Http404
        request.actor = Actor.of(user)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def admin_required(view: View) -> View:
    """Administrators only; other agents get 404 as well."""

    @agent_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request_actor(request).is_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def request_actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    assert isinstance(actor, Actor)
    return actor
