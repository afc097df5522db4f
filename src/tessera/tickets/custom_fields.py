"""Validating values of admin-defined ticket fields against their definitions."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.core.errors import PermissionDenied, ValidationFailed
from tessera.tickets.models import CustomField, FieldType


def clean_values(values: dict[str, Any], *, partial: bool = True) -> dict[str, Any]:
    definitions = {f.key: f for f in CustomField.objects.filter(is_active=True)}
    cleaned: dict[str, Any] = {}
    for key, raw in values.items():
        definition = definitions.get(key)
        if definition is None:
            raise ValidationFailed(f"Unknown custom field {key!r}", field=f"custom_fields.{key}")
        cleaned[key] = _clean_one(definition, raw)
    if not partial:
        for key, definition in definitions.items():
            if definition.required and cleaned.get(key) in (None, ""):
                raise ValidationFailed(_("%(field)s is required") % {"field": definition.label}, field=f"custom_fields.{key}")
    return cleaned


def _clean_one(definition: CustomField, raw: Any) -> Any:
    field = f"custom_fields.{definition.key}"
    if raw is None or raw == "":
        return None
    match definition.field_type:
        case FieldType.TEXT:
            text = str(raw)
            if len(text) > 10_000:
                raise ValidationFailed(_("Text is too long"), field=field)
            return text
        case FieldType.NUMBER:
            if isinstance(raw, bool):
                raise ValidationFailed(_("Must be a number"), field=field)
            try:
                number = Decimal(str(raw))
            except InvalidOperation:
                raise ValidationFailed(_("Must be a number"), field=field) from None
            if not number.is_finite():
                raise ValidationFailed(_("Must be a finite number"), field=field)
            return int(number) if number == number.to_integral_value() else float(number)
        case FieldType.DATE:
            try:
                return datetime.date.fromisoformat(str(raw)).isoformat()
            except ValueError:
                raise ValidationFailed(_("Must be a date (YYYY-MM-DD)"), field=field) from None
        case FieldType.BOOLEAN:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in {"true", "1", "yes"}:
                return True
            if str(raw).lower() in {"false", "0", "no"}:
                return False
            raise ValidationFailed(_("Must be true or false"), field=field)
        case FieldType.CHOICE:
            if str(raw) not in [str(c) for c in definition.choices]:
                raise ValidationFailed(_("Not one of the choices"), field=field)
            return str(raw)
    raise ValidationFailed(_("Unsupported field type"), field=field)


def define_field(actor: Actor, **fields: Any) -> CustomField:
    """Create or update a field definition (admins). Existing ticket values are kept as they are."""
    if not actor.is_admin:
        raise PermissionDenied("Only administrators may define custom fields")
    key = str(fields.get("key") or "").strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", key):
        raise ValidationFailed("A key is lower-case letters, digits and _ (start with a letter)", field="key")
    label = " ".join(str(fields.get("label") or "").split())[:120]
    if not label:
        raise ValidationFailed("A label is required", field="label")
    field_type = fields.get("field_type", FieldType.TEXT)
    if field_type not in FieldType.values:
        raise ValidationFailed("Unknown field type", field="field_type")
    choices = [str(c).strip() for c in fields.get("choices") or [] if str(c).strip()]
    if field_type == FieldType.CHOICE and not choices:
        raise ValidationFailed("A choice field needs choices", field="choices")
    definition, _ = CustomField.objects.update_or_create(
        key=key,
        defaults={
            "label": label,
            "field_type": field_type,
            "choices": choices,
            "required": bool(fields.get("required")),
            "visible_to_customers": bool(fields.get("visible_to_customers")),
            "is_active": bool(fields.get("is_active", True)),
            "position": int(fields.get("position") or 0),
        },
    )
    return definition
