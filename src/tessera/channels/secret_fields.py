"""Secrets stored encrypted at rest: mailbox passwords and OAuth2 tokens.

A database dump, a replica or a backup must not hand out the credentials of every support
mailbox. Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under keys that live
outside the database:

* ``TESSERA_FIELD_KEY``: one or more Fernet keys, comma-separated, newest first. The first
  encrypts; all of them decrypt (``MultiFernet``), so a key can be rotated without downtime
  (``tessera rotate_field_keys`` re-encrypts every value under the newest key);
* without it, a key derived from ``TESSERA_SECRET_KEY`` (HKDF-SHA256). The derived key always
  stays among the decrypting keys, so setting ``TESSERA_FIELD_KEY`` later loses nothing.

Stored values read ``enc1:<Fernet token>``. A value without the prefix is clear text written
before encryption existed; it is returned as is and encrypted on its next save (the
``0003`` migration does that for every row).
"""

from __future__ import annotations

import base64
import logging
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

log = logging.getLogger(__name__)

PREFIX = "enc1:"


class UndecryptableSecret(str):
    """A stored secret no configured key opens (the keys changed without a rotation).

    It reads as an empty string, and saving the row writes the original ciphertext back
    unchanged, so a key mix-up never destroys the secret: restoring the old key recovers it.
    """

    stored: str

    def __new__(cls, stored: str) -> UndecryptableSecret:
        value = super().__new__(cls, "")
        value.stored = stored
        return value


def derived_key(secret_key: str) -> bytes:
    material = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"tessera-field-key", info=b"tessera field encryption v1"
    ).derive(secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(material)


@lru_cache(maxsize=8)
def _fernet(secret_key: str, keys: tuple[str, ...]) -> MultiFernet:
    configured = [Fernet(key.encode("ascii")) for key in keys]
    return MultiFernet([*configured, Fernet(derived_key(secret_key))])


def fernet() -> MultiFernet:
    configured = settings.TESSERA.get("FIELD_KEYS") or []
    keys = tuple(str(k) for k in configured) if isinstance(configured, list | tuple) else ()
    return _fernet(str(settings.SECRET_KEY), keys)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return PREFIX + fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored or not stored.startswith(PREFIX):
        return stored  # Empty, or clear text from before encryption.
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        log.error("a stored secret cannot be decrypted with the configured keys (TESSERA_FIELD_KEY)")
        return UndecryptableSecret(stored)


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column holding a secret: encrypted on the way in, decrypted on the way out.

    Forms get a password input that never renders the stored value: admins can replace a
    secret, not read it. Filtering on the column is meaningless (each encryption differs).
    """

    def from_db_value(self, value: Any, expression: Expression, connection: BaseDatabaseWrapper) -> Any:
        if value is None:
            return value
        return decrypt(str(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return value
        if isinstance(value, UndecryptableSecret):
            return value.stored
        text = str(value)
        if text.startswith(PREFIX):
            return text  # Already a token (a copy of a stored value): never encrypt twice.
        return encrypt(text)

    def formfield(self, **kwargs: Any) -> Any:
        defaults: dict[str, Any] = {
            "form_class": forms.CharField,
            "widget": forms.PasswordInput(render_value=False),
            "strip": False,
        }
        defaults.update(kwargs)
        return super().formfield(**defaults)

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisation (dumpdata) writes the ciphertext, never the secret.
        stored = getattr(obj, self.attname)
        return str(self.get_prep_value(stored) or "")
