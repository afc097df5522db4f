"""Saved views of the ticket list."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.db.models import Q, QuerySet

from tessera.accounts.actor import Actor
from tessera.agent_ui.models import SavedView
from tessera.core.errors import NotFound, PermissionDenied, ValidationFailed

_KEYS = {"q", "status", "department", "assignee", "priority", "type", "tag", "channel", "sort"}


def visible_views(actor: Actor) -> QuerySet[SavedView]:
    assert actor.user is not None
    return SavedView.objects.filter(Q(owner=actor.user) | Q(shared=True))


def save_view(actor: Actor, *, name: str, query: str, shared: bool = False) -> SavedView:
    if not actor.is_staff_member or actor.user is None:
        raise PermissionDenied("Only agents have saved views")
    if shared and not actor.is_admin:
        raise PermissionDenied("Only administrators share views with everyone")
    name = " ".join(name.split())[:100]
    if not name:
        raise ValidationFailed("A view needs a name", field="name")
    # Keep only the list's own filters, so a saved view cannot smuggle other parameters.
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k in _KEYS][:50]
    return SavedView.objects.create(owner=actor.user, name=name, query=urlencode(kept), shared=shared)


def delete_view(actor: Actor, view_id: int) -> None:
    views = SavedView.objects.all() if actor.is_admin else visible_views(actor)
    view = views.filter(pk=view_id).first()
    if view is None:
        raise NotFound("View not found")
    if view.owner_id != getattr(actor.user, "pk", None) and not actor.is_admin:
        raise PermissionDenied("This view belongs to someone else")
    view.delete()
