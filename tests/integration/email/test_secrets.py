"""Mailbox secrets are encrypted at rest and still log in to a real IMAP server."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django import forms
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection

from tessera.channels import imap
from tessera.channels.imap_session import ImapSecretError
from tessera.channels.models import ImapSecurity, Mailbox, MailboxKind
from tessera.channels.secret_fields import PREFIX, UndecryptableSecret
from tests.integration.email.conftest import Dovecot

pytestmark = pytest.mark.django_db

PASSWORD = "hasło-mật-khẩu-รหัส 42"


def stored(mailbox: Mailbox) -> tuple[str, str]:
    """The column values as the database holds them, past the model field."""
    table = connection.ops.quote_name(Mailbox._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT password, oauth2_access_token FROM {table} WHERE id = %s", [mailbox.pk])  # noqa: S608
        password, token = cursor.fetchone()
    return str(password), str(token)


def make_mailbox(support: Any, name: str = "Secrets", **fields: Any) -> Mailbox:
    return Mailbox.objects.create(name=name, department=support, kind=MailboxKind.IMAP, **fields)


def test_secrets_are_not_stored_in_clear_and_read_back(support: Any) -> None:
    mailbox = make_mailbox(support, username="support", password=PASSWORD, oauth2_access_token="ya29.token")
    password, token = stored(mailbox)
    assert password.startswith(PREFIX) and token.startswith(PREFIX)
    assert PASSWORD not in password and "ya29" not in token
    again = Mailbox.objects.get(pk=mailbox.pk)
    assert (again.password, again.oauth2_access_token) == (PASSWORD, "ya29.token")
    # Saving again encrypts afresh (a new token), never twice over.
    again.save()
    assert stored(again)[0] != password
    assert Mailbox.objects.get(pk=mailbox.pk).password == PASSWORD
    # An empty secret stays empty, so "is a password set?" needs no decryption.
    assert stored(make_mailbox(support, name="Empty"))[0] == ""


def test_forms_never_show_a_secret(support: Any) -> None:
    mailbox = make_mailbox(support, username="support", password=PASSWORD)
    form_class = forms.modelform_factory(Mailbox, fields=["username", "password", "oauth2_access_token"])
    html = str(form_class(instance=mailbox))
    assert PASSWORD not in html and PREFIX not in html
    assert 'type="password"' in html


def test_rotation_to_a_new_key_keeps_every_secret(support: Any, settings: Any) -> None:
    mailbox = make_mailbox(support, username="support", password=PASSWORD)  # derived key
    new_key = Fernet.generate_key().decode()
    settings.TESSERA = {**settings.TESSERA, "FIELD_KEYS": [new_key]}
    # The derived key still decrypts what it wrote.
    assert Mailbox.objects.get(pk=mailbox.pk).password == PASSWORD
    call_command("rotate_field_keys")
    token = stored(mailbox)[0][len(PREFIX) :]
    assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == PASSWORD


def test_a_wrong_key_loses_nothing_and_says_so(support: Any, settings: Any) -> None:
    mailbox = make_mailbox(support, username="support", password=PASSWORD, imap_host="127.0.0.1")
    before = stored(mailbox)[0]
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-987654321"
    unreadable = Mailbox.objects.get(pk=mailbox.pk)
    assert isinstance(unreadable.password, UndecryptableSecret) and unreadable.password == ""
    unreadable.save()  # An admin saving the mailbox must not overwrite the secret with "".
    assert stored(mailbox)[0] == before
    with pytest.raises(ImapSecretError, match="cannot be decrypted"):
        imap.connect(unreadable)
    with pytest.raises(Exception, match="no configured key opens"):
        call_command("rotate_field_keys")


def test_the_migration_encrypts_clear_text_written_before_it(support: Any) -> None:
    mailbox = make_mailbox(support, username="support")
    table = connection.ops.quote_name(Mailbox._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET password = %s WHERE id = %s", [PASSWORD, mailbox.pk])  # noqa: S608
    assert Mailbox.objects.get(pk=mailbox.pk).password == PASSWORD  # clear text still reads
    migration = importlib.import_module("tessera.channels.migrations.0003_encrypt_mailbox_secrets")
    migration.encrypt_existing(django_apps, None)
    assert stored(mailbox)[0].startswith(PREFIX)
    assert Mailbox.objects.get(pk=mailbox.pk).password == PASSWORD


def test_imap_login_with_an_encrypted_password(dovecot: Dovecot, support: Any, mail: Any) -> None:
    user = dovecot.add_user()
    mailbox = Mailbox.objects.create(
        name="Encrypted IMAP",
        department=support,
        kind=MailboxKind.IMAP,
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_security=ImapSecurity.PLAIN,
        username=user,
        password="secret",
    )
    assert stored(mailbox)[0].startswith(PREFIX)
    dovecot.append(user, mail(subject="Through an encrypted password"))
    report = imap.fetch_once(Mailbox.objects.get(pk=mailbox.pk))
    assert (report.stored, report.errors) == (1, 0)
