"""Every write to people and their organisation goes through one of these functions.

Like the ticket actions, each one checks that the actor may do it, validates, and writes in
one transaction. Identities are normalised here, so that the same address typed two ways is
one identity and a lookup by either spelling finds it.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tessera.accounts.access import require_admin, require_agent, require_staff
from tessera.accounts.actor import Actor
from tessera.accounts.models import (
    ApiToken,
    ApiTokenScope,
    Contact,
    ContactIdentity,
    ContactNote,
    IdentityKind,
    Organisation,
    User,
)
from tessera.core import time
from tessera.core.errors import Conflict, NotFound, ValidationFailed

# A token is stamped at most this often: a busy integration must not turn every read into
# a write on the same row.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
_CONTACT_FIELDS = {"name", "organisation", "language", "time_zone", "attributes", "is_blocked"}
_ORGANISATION_FIELDS = {"name", "domains", "shares_tickets", "attributes", "notes"}


def _text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    cleaned = unicodedata.normalize("NFC", value.strip())
    if "\x00" in cleaned:
        raise ValidationFailed(_("Text may not contain NUL characters"), field=field)
    if required and not cleaned:
        raise ValidationFailed(_("This field is required"), field=field)
    if len(cleaned) > max_length:
        raise ValidationFailed(
            ngettext("At most %(count)d character", "At most %(count)d characters", max_length)
            % {"count": max_length},
            field=field,
        )
    return cleaned


# -- API tokens --------------------------------------------------------------------------------


def create_api_token(user: User, name: str, scope: str = ApiTokenScope.READ) -> tuple[ApiToken, str]:
    """A new personal token; the raw value is returned once and never stored."""
    if scope not in ApiTokenScope.values:
        raise ValidationFailed(_("Unknown scope %(scope)s") % {"scope": repr(scope)}, field="scope")
    if not user.is_active:
        raise ValidationFailed(_("Inactive users cannot hold tokens"), field="user")
    name = _text(name, field="name", max_length=100, required=True)
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name, scope=scope, prefix=raw[:12], digest=ApiToken.hash(raw)
    )
    return token, raw


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token does not exist for them."""
    with transaction.atomic():
        try:
            token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
        except (ApiToken.DoesNotExist, ValueError, OverflowError):
            raise NotFound(_("Token not found")) from None
        if token.revoked_at is None:
            token.revoked_at = time.now()
            token.save(update_fields=["revoked_at"])
        return token


def touch_api_token(token: ApiToken) -> None:
    """Record use, at most once per interval, with one UPDATE and no read."""
    now = time.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_INTERVAL:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


# -- identities --------------------------------------------------------------------------------


def normalise_identity(kind: str, value: str) -> str:
    """The one spelling of an address under which it is stored and looked up."""
    if kind not in IdentityKind.values:
        raise ValidationFailed(_("Unknown identity kind %(kind)s") % {"kind": repr(kind)}, field="kind")
    text = _text(value, field="value", max_length=320, required=True)
    if kind == IdentityKind.EMAIL:
        email = text.lower()
        if not _EMAIL.match(email):
            raise ValidationFailed(_("Not an email address"), field="value")
        return email
    if kind in {IdentityKind.PHONE, IdentityKind.WHATSAPP}:
        return normalise_phone(text)
    if kind in {IdentityKind.TWITTER, IdentityKind.TELEGRAM}:
        # Handles are case-insensitive on these networks and often written with an "@".
        handle = text.lstrip("@").lower()
        if not handle:
            raise ValidationFailed(_("A handle is required"), field="value")
        return handle
    return text


def normalise_phone(value: str) -> str:
    """International numbers as ``+`` and digits (E.164 shape).

    A national number ("0912 345 678") cannot be made international without knowing the
    country, so it is refused rather than stored in a form that would never match a later
    message from the same phone.
    """
    compact = _PHONE_SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    digits = compact[1:]
    if not compact.startswith("+") or not digits.isascii() or not digits.isdigit():
        raise ValidationFailed(
            _("Write the phone number in international form, e.g. +48 600 123 456"), field="value"
        )
    if not 6 <= len(digits) <= 15 or digits.startswith("0"):
        raise ValidationFailed(
            _("A phone number has 6 to 15 digits after the country code"), field="value"
        )
    return compact


def add_identity(actor: Actor, contact: Contact, kind: str, value: str, *, is_primary: bool = False) -> ContactIdentity:
    require_agent(actor)
    normalised = normalise_identity(kind, value)
    with transaction.atomic():
        owner = ContactIdentity.objects.filter(kind=kind, value=normalised).values_list("contact_id", flat=True).first()
        if owner is not None:
            # Two whole sentences, not a phrase spliced in: translations order words their own way.
            if owner == contact.pk:
                message = _("%(value)s already belongs to this contact")
            else:
                message = _("%(value)s already belongs to another contact")
            raise Conflict(message % {"value": normalised}, field="value")
        if is_primary:
            ContactIdentity.objects.filter(contact=contact, kind=kind, is_primary=True).update(is_primary=False)
        try:
            # The unique constraint is the arbiter when two requests race past the check above.
            with transaction.atomic():
                return ContactIdentity.objects.create(
                    contact=contact, kind=kind, value=normalised, is_primary=is_primary
                )
        except IntegrityError:
            raise Conflict(
                _("%(value)s already belongs to another contact") % {"value": normalised}, field="value"
            ) from None


def remove_identity(actor: Actor, contact: Contact, identity_id: int) -> None:
    require_agent(actor)
    with transaction.atomic():
        deleted, _by_model = ContactIdentity.objects.filter(pk=identity_id, contact=contact).delete()
        if not deleted:
            raise NotFound(_("Identity not found"))


# -- contacts ----------------------------------------------------------------------------------


def _clean_contact_changes(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - _CONTACT_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(_("Unknown field %(name)s") % {"name": repr(name)}, field=name)
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "name":
            cleaned[key] = _text(value or "", field="name", max_length=200)
        elif key == "organisation":
            if value is not None and not isinstance(value, Organisation):
                raise ValidationFailed(_("Unknown organisation"), field="organisation")
            cleaned[key] = value
        elif key == "language":
            cleaned[key] = _text(value or "", field="language", max_length=8, required=True)
        elif key == "time_zone":
            cleaned[key] = _time_zone(value)
        elif key == "attributes":
            if not isinstance(value, dict):
                raise ValidationFailed(_("Attributes are an object"), field="attributes")
            cleaned[key] = value
        elif key == "is_blocked":
            cleaned[key] = bool(value)
    return cleaned


def _time_zone(value: Any) -> str:
    name = str(value or "")
    try:
        if "\x00" in name or len(name) > 64:
            raise ValueError(name)
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            _("Unknown time zone %(name)s") % {"name": repr(name[:64])}, field="time_zone"
        ) from None
    return name


def create_contact(
    actor: Actor,
    *,
    name: str = "",
    organisation: Organisation | None = None,
    language: str = "en",
    time_zone: str = "UTC",
    attributes: dict[str, Any] | None = None,
    identities: list[tuple[str, str]] | None = None,
) -> Contact:
    """A new contact with its identities; none of the identities may belong to anyone yet."""
    require_agent(actor)
    fields = _clean_contact_changes(
        {"name": name, "organisation": organisation, "language": language,
         "time_zone": time_zone, "attributes": attributes or {}}
    )
    pairs = [(kind, normalise_identity(kind, value)) for kind, value in identities or []]
    if len(set(pairs)) != len(pairs):
        raise ValidationFailed(_("The same identity is listed twice"), field="identities")
    with transaction.atomic():
        contact = Contact.objects.create(**fields)
        seen_kinds: set[str] = set()
        for kind, value in pairs:
            add_identity(actor, contact, kind, value, is_primary=kind not in seen_kinds)
            seen_kinds.add(kind)
        return contact


def update_contact(actor: Actor, contact: Contact, changes: dict[str, Any]) -> Contact:
    require_agent(actor)
    cleaned = _clean_contact_changes(changes)
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        dirty = [key for key, value in cleaned.items() if getattr(locked, key) != value]
        for key in dirty:
            setattr(locked, key, cleaned[key])
        if dirty:
            locked.save(update_fields=[*dirty, "updated_at"])
        return locked


# -- organisations -----------------------------------------------------------------------------


def _clean_organisation_changes(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - _ORGANISATION_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(_("Unknown field %(name)s") % {"name": repr(name)}, field=name)
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "name":
            cleaned[key] = _text(value or "", field="name", max_length=200, required=True)
        elif key == "domains":
            domains = []
            for raw in value or []:
                domain = _text(str(raw), field="domains", max_length=253, required=True).lower().lstrip("@")
                if "." not in domain or any(c.isspace() or c == "@" for c in domain):
                    raise ValidationFailed(
                        _("Not a domain: %(domain)s") % {"domain": repr(domain[:80])}, field="domains"
                    )
                domains.append(domain)
            cleaned[key] = sorted(set(domains))
        elif key == "shares_tickets":
            cleaned[key] = bool(value)
        elif key == "attributes":
            if not isinstance(value, dict):
                raise ValidationFailed(_("Attributes are an object"), field="attributes")
            cleaned[key] = value
        elif key == "notes":
            # Free text is kept exactly as written; only names are normalised.
            notes = value or ""
            if "\x00" in notes or len(notes) > 100_000:
                raise ValidationFailed(
                    _("Notes hold up to 100,000 characters and no NUL"), field="notes"
                )
            cleaned[key] = notes
    return cleaned


def _name_taken(name: str, exclude: int | None = None) -> bool:
    """Names are unique ignoring case, in every script ("Ánh Dương" is "ánh dương")."""
    qs = Organisation.objects.all()
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if connection.vendor == "postgresql":
        return qs.filter(name__iexact=name).exists()
    # SQLite folds only ASCII case, so compare in Python; creating organisations is rare.
    wanted = name.casefold()
    return any(other.casefold() == wanted for other in qs.values_list("name", flat=True).iterator())


def create_organisation(actor: Actor, **fields: Any) -> Organisation:
    require_admin(actor)
    cleaned = _clean_organisation_changes(fields)
    if "name" not in cleaned:
        raise ValidationFailed(_("A name is required"), field="name")
    with transaction.atomic():
        if _name_taken(cleaned["name"]):
            raise Conflict(_("An organisation with this name exists"), field="name")
        try:
            with transaction.atomic():
                return Organisation.objects.create(**cleaned)
        except IntegrityError:
            raise Conflict(_("An organisation with this name exists"), field="name") from None


def update_organisation(actor: Actor, organisation: Organisation, changes: dict[str, Any]) -> Organisation:
    require_admin(actor)
    cleaned = _clean_organisation_changes(changes)
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if "name" in cleaned and _name_taken(cleaned["name"], exclude=locked.pk):
            raise Conflict(_("An organisation with this name exists"), field="name")
        dirty = [key for key, value in cleaned.items() if getattr(locked, key) != value]
        for key in dirty:
            setattr(locked, key, cleaned[key])
        if dirty:
            try:
                with transaction.atomic():
                    locked.save(update_fields=dirty)
            except IntegrityError:
                raise Conflict(_("An organisation with this name exists"), field="name") from None
        return locked


# -- contact notes -----------------------------------------------------------------------------


def add_contact_note(actor: Actor, contact: Contact, body: str) -> ContactNote:
    require_staff(actor)
    text = (body or "").strip()
    if not text:
        raise ValidationFailed(_("A note needs text"), field="body")
    if len(text) > 20_000:
        raise ValidationFailed(_("A note is at most 20,000 characters"), field="body")
    return ContactNote.objects.create(contact=contact, author=actor.user, body=text)


# -- who owns an address -----------------------------------------------------------------------


def contact_for_identity(kind: str, value: str) -> Contact | None:
    """The contact reached at this address (normalised), following merges to the survivor."""
    identity = (
        ContactIdentity.objects.select_related("contact")
        .filter(kind=kind, value=normalise_identity(kind, value))
        .first()
    )
    if identity is None:
        return None
    contact = identity.contact
    seen = {contact.pk}
    while contact.merged_into_id is not None and contact.merged_into_id not in seen:
        seen.add(contact.merged_into_id)
        contact = Contact.objects.get(pk=contact.merged_into_id)
    return contact


def find_or_create_contact(
    actor: Actor,
    kind: str,
    value: str,
    *,
    name: str = "",
    language: str = "en",
    time_zone: str = "UTC",
) -> Contact:
    """The contact owning this address, created on first contact (channels, portal, desk)."""
    existing = contact_for_identity(kind, value)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return create_contact(
                actor,
                name=(name or "").strip()[:200],
                language=language,
                time_zone=time_zone,
                identities=[(kind, value)],
            )
    except Conflict:
        # Another request (a mail, a form) created this contact a moment ago.
        found = contact_for_identity(kind, value)
        if found is None:
            raise
        return found
