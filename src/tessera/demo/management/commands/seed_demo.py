"""``tessera seed_demo``: fill an empty desk with two months of multilingual demo tickets."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tessera.demo.loader import DemoConflict, DemoSummary, load_demo


class Command(BaseCommand):
    help = (
        "Create demo departments, agents, customers and tickets in English, Vietnamese, Thai and "
        "Polish. Does nothing if the demo is already loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets", type=int, default=300, help="How many tickets (default 300)."
        )
        parser.add_argument(
            "--seed", type=int, default=7, help="Random seed: same seed, same desk."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tickets"] < 1:
            raise CommandError("--tickets must be at least 1")
        try:
            summary = load_demo(tickets=options["tickets"], seed=options["seed"])
        except DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        if summary.created:
            self._settle_history()
        self._report(summary)

    def _settle_history(self) -> None:
        """The demo writes two months of history as it happened; the background work those
        old changes queued (notices, rule triggers) would act on the past, so it is dropped, and
        what is still worth having is built in bulk: the search index. Then the shipped default
        rules are installed, to act on what happens from now on."""
        from tessera.jobs.models import Job
        from tessera.rules.defaults import install_defaults

        Job.objects.filter(status="READY").delete()
        call_command("reindex_search", verbosity=0)
        install_defaults()

    def _report(self, summary: DemoSummary) -> None:
        if summary.created:
            self.stdout.write(self.style.SUCCESS(f"Demo loaded in {summary.seconds:.1f} s."))
        else:
            self.stdout.write(
                self.style.WARNING("The demo is already loaded; nothing was changed.")
            )
        self.stdout.write(
            f"  {summary.tickets} tickets, {summary.messages} messages, {summary.notes} internal notes, "
            f"{summary.contacts} contacts, {summary.organisations} organisations, {summary.agents} agents"
        )
        for title, counts in (
            ("status", summary.by_status),
            ("channel", summary.by_channel),
            ("language", summary.by_language),
        ):
            self.stdout.write(f"  by {title}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        self.stdout.write("")
        self.stdout.write("Sign in with:")
        width = max(len(login.username) for login in summary.logins)
        for login in summary.logins:
            self.stdout.write(
                f"  {login.username:<{width}}  {login.password:<6}  {login.role:<12} {login.who}"
            )
