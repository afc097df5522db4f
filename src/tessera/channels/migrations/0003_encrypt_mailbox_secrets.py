"""Mailbox passwords and OAuth2 tokens: encrypted at rest (see tessera.channels.secret_fields)."""

from typing import Any

from django.db import migrations

import tessera.channels.secret_fields


def encrypt_existing(apps: Any, schema_editor: Any) -> None:
    mailbox = apps.get_model("tessera_channels", "Mailbox")
    # Reading through the field returns clear text as is (and decrypts anything already
    # encrypted); writing through it encrypts under the newest key.
    for pk, password, token in mailbox.objects.values_list("pk", "password", "oauth2_access_token"):
        if password or token:
            mailbox.objects.filter(pk=pk).update(password=password, oauth2_access_token=token)


def decrypt_existing(apps: Any, schema_editor: Any) -> None:
    mailbox = apps.get_model("tessera_channels", "Mailbox")
    connection = schema_editor.connection
    table = connection.ops.quote_name(mailbox._meta.db_table)
    rows = list(mailbox.objects.values_list("pk", "password", "oauth2_access_token"))
    with connection.cursor() as cursor:
        for pk, password, token in rows:
            # Raw SQL: going through the field would encrypt again.
            cursor.execute(
                f"UPDATE {table} SET password = %s, oauth2_access_token = %s WHERE id = %s",  # noqa: S608
                [str(password), str(token), pk],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tessera_channels", "0002_mailbox_rawinbound"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mailbox",
            name="oauth2_access_token",
            field=tessera.channels.secret_fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="mailbox",
            name="password",
            field=tessera.channels.secret_fields.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
