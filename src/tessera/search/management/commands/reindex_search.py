"""``tessera reindex_search``: rebuild every ticket's search document, with progress."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from tessera.search.index import reindex


class Command(BaseCommand):
    help = (
        "Rebuild the search documents of all tickets (after a bulk load, an upgrade, or to "
        "repair the index). Safe to run while the desk is in use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="tickets per transaction")
        parser.add_argument(
            "--missing-only",
            action="store_true",
            help="only tickets that have no document yet (resumes an interrupted run)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            self.stderr.write("--batch-size must be at least 1")
            raise SystemExit(2)
        self._warn_about_locale()
        started = time.monotonic()
        last_report = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last_report
            now = time.monotonic()
            # One line every couple of seconds, and always the last one.
            if now - last_report >= 2 or done >= total:
                last_report = now
                rate = done / max(now - started, 1e-9)
                self.stdout.write(f"indexed {done}/{total} tickets ({rate:.0f}/s)")

        written = reindex(batch_size=batch_size, missing_only=options["missing_only"], progress=progress)
        self._vacuum()
        self.stdout.write(
            self.style.SUCCESS(f"{written} search documents written in {time.monotonic() - started:.1f}s")
        )

    def _vacuum(self) -> None:
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return
        # A bulk rebuild leaves the GIN indexes' pending lists full and their statistics (kept
        # in the index, refreshed by VACUUM, not ANALYZE) stale: until autovacuum gets there the
        # planner may misjudge a trigram scan and read every document instead.
        self.stdout.write("vacuuming and analysing the search documents")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) search_searchdocument")

    def _warn_about_locale(self) -> None:
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
            row = cursor.fetchone()
        # Under the plain C locale pg_trgm sees only ASCII letters as word characters, so Thai
        # text yields no trigrams: results stay correct but Thai searches scan every document.
        if row is not None and row[0] in {"C", "POSIX"}:
            self.stderr.write(
                self.style.WARNING(
                    "This database's LC_CTYPE is C: Thai searches cannot use the trigram index. "
                    "Create the database with a UTF-8 locale (e.g. C.UTF-8) for fast Thai search."
                )
            )
