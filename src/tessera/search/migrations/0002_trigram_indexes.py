"""Trigram GIN indexes on PostgreSQL, so that ``LIKE '%term%'`` is served by an index.

SQLite has no trigram index: there the same LIKE scans the documents, which is fine at the
sizes an embedded site holds.
"""

from typing import Any

from django.db import migrations

INDEXES = {
    "search_doc_public_trgm": "public_text",
    "search_doc_note_trgm": "note_text",
}


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON search_searchdocument USING gin ({column} gin_trgm_ops)"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # The extension stays: other objects may have come to depend on it.


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
