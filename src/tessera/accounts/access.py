"""Fetch-and-check for people and organisations, and the role gates the accounts actions use.

Two kinds of "no": an actor whose role may never do something gets PermissionDenied, while an
object the actor may not know about is reported as NotFound, exactly like one that does not
exist (a customer guessing contact ids learns nothing).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, Department, Organisation, Role, User
from tessera.core.errors import NotFound, PermissionDenied


def require_staff(actor: Actor) -> None:
    """Admins, agents and light agents: those who work the desk."""
    if not (actor.is_system or actor.is_staff_member):
        raise PermissionDenied(_("Only agents may do this"))


def require_agent(actor: Actor) -> None:
    """Admins and full agents, not light agents."""
    if not (actor.is_system or actor.is_agent):
        raise PermissionDenied(_("Only agents may do this"))


def require_admin(actor: Actor) -> None:
    if not (actor.is_system or actor.is_admin):
        raise PermissionDenied(_("Only administrators may do this"))


def access_contact(actor: Actor, contact_id: int, *, with_identities: bool = True) -> Contact:
    """Staff see every contact; a customer sees only their own.

    ``with_identities=False`` skips loading the addresses, for callers that only need the
    contact as a reference (naming a ticket's requester): one query fewer on a hot path.
    """
    qs = Contact.objects.select_related("organisation")
    if with_identities:
        qs = qs.prefetch_related("identities")
    is_staff = actor.is_system or actor.is_staff_member
    if not is_staff and (actor.contact is None or actor.contact.pk != contact_id):
        raise NotFound(_("Contact not found"))
    try:
        return qs.get(pk=contact_id)
    except (Contact.DoesNotExist, ValueError, OverflowError):
        raise NotFound(_("Contact not found")) from None


def access_organisation(actor: Actor, organisation_id: int) -> Organisation:
    require_staff(actor)
    try:
        return Organisation.objects.get(pk=organisation_id)
    except (Organisation.DoesNotExist, ValueError, OverflowError):
        raise NotFound(_("Organisation not found")) from None


def access_department(actor: Actor, department_id: int) -> Department:
    """Everyone signed in may read departments (customers choose one when opening a ticket)."""
    qs = Department.objects.all()
    if not (actor.is_system or actor.is_staff_member):
        qs = qs.filter(is_active=True)
    try:
        return qs.get(pk=department_id)
    except (Department.DoesNotExist, ValueError, OverflowError):
        raise NotFound(_("Department not found")) from None


def access_agent(actor: Actor, user_id: int) -> User:
    """The agent directory is for agents and admins."""
    require_agent(actor)
    try:
        return (
            User.objects.filter(role__in=[Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT])
            .prefetch_related("memberships")
            .get(pk=user_id)
        )
    except (User.DoesNotExist, ValueError, OverflowError):
        raise NotFound(_("Agent not found")) from None
