"""Administration of the desk itself: departments and agents. Admins only."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.accounts.models import ClosingPolicy, Department, Membership, Role, User
from tessera.core.errors import Conflict, PermissionDenied, ValidationFailed

STAFF_ROLES = {Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT}
LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators may change the desk's settings"))


def _department_fields(fields: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "name" in fields:
        name = " ".join(str(fields["name"] or "").split())
        if not name or len(name) > 120:
            raise ValidationFailed(_("A department name is 1 to 120 characters"), field="name")
        clean["name"] = name
    if "email_address" in fields:
        clean["email_address"] = str(fields["email_address"] or "").strip().lower()[:254]
    if "closing_policy" in fields:
        if fields["closing_policy"] not in ClosingPolicy.values:
            raise ValidationFailed(_("Unknown closing policy"), field="closing_policy")
        clean["closing_policy"] = fields["closing_policy"]
    if "is_active" in fields:
        clean["is_active"] = bool(fields["is_active"])
    return clean


def create_department(actor: Actor, **fields: Any) -> Department:
    _require_admin(actor)
    clean = _department_fields(fields)
    if "name" not in clean:
        raise ValidationFailed(_("A department needs a name"), field="name")
    try:
        with transaction.atomic():
            return Department.objects.create(**clean)
    except IntegrityError:
        raise Conflict(_("A department with that name exists"), field="name") from None


def update_department(actor: Actor, department: Department, changes: dict[str, Any]) -> Department:
    _require_admin(actor)
    clean = _department_fields(changes)
    for key, value in clean.items():
        setattr(department, key, value)
    try:
        with transaction.atomic():
            department.save(update_fields=list(clean) or None)
    except IntegrityError:
        raise Conflict(_("A department with that name exists"), field="name") from None
    return department


def _agent_fields(fields: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "role" in fields:
        if fields["role"] not in STAFF_ROLES:
            raise ValidationFailed(_("Role must be admin, agent or light agent"), field="role")
        clean["role"] = fields["role"]
    if "display_name" in fields:
        clean["display_name"] = " ".join(str(fields["display_name"] or "").split())[:200]
    if "email" in fields:
        clean["email"] = str(fields["email"] or "").strip().lower()[:254]
    if "time_zone" in fields:
        try:
            zoneinfo.ZoneInfo(str(fields["time_zone"]))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(_("Unknown time zone"), field="time_zone") from None
        clean["time_zone"] = str(fields["time_zone"])
    if "language" in fields:
        if fields["language"] not in LANGUAGE_CODES:
            raise ValidationFailed(_("Unsupported language"), field="language")
        clean["language"] = fields["language"]
    if "is_active" in fields:
        clean["is_active"] = bool(fields["is_active"])
    if "max_open_tickets" in fields:
        clean["max_open_tickets"] = max(0, int(fields["max_open_tickets"] or 0))
    return clean


def create_agent(
    actor: Actor, *, username: str, password: str, departments: Iterable[Department] = (), **fields: Any
) -> User:
    _require_admin(actor)
    clean = _agent_fields({"role": Role.AGENT, **fields})
    username = username.strip()
    if not username or len(username) > 150:
        raise ValidationFailed(_("A username is 1 to 150 characters"), field="username")
    if len(password) < 8:
        raise ValidationFailed(_("A password has at least 8 characters"), field="password")
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password, **clean)
            Membership.objects.bulk_create([Membership(user=user, department=d) for d in departments])
    except IntegrityError:
        raise Conflict(_("That username or email is taken"), field="username") from None
    return user


def update_agent(
    actor: Actor, agent: User, changes: dict[str, Any], *, departments: Iterable[Department] | None = None
) -> User:
    _require_admin(actor)
    if agent.role not in STAFF_ROLES:
        raise ValidationFailed(_("That user is not an agent"), field="agent")
    clean = _agent_fields(changes)
    if agent.pk == getattr(actor.user, "pk", None) and (
        clean.get("role", Role.ADMIN) != Role.ADMIN or clean.get("is_active") is False
    ):
        # The last door out of the settings pages must not lock its own holder out.
        raise ValidationFailed(_("You cannot remove your own administrator access"), field="role")
    with transaction.atomic():
        for key, value in clean.items():
            setattr(agent, key, value)
        if clean:
            try:
                agent.save(update_fields=list(clean))
            except IntegrityError:
                raise Conflict(_("That email is taken"), field="email") from None
        if departments is not None:
            wanted = {d.pk for d in departments}
            Membership.objects.filter(user=agent).exclude(department_id__in=wanted).delete()
            have = set(Membership.objects.filter(user=agent).values_list("department_id", flat=True))
            Membership.objects.bulk_create([Membership(user=agent, department_id=pk) for pk in wanted - have])
    return agent
