from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tessera.rules.defaults import install_defaults


class Command(BaseCommand):
    help = "Install the shipped default rules (acknowledgement, unanswered alert, closing, reopen)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--inactive", action="store_true", help="install them switched off")

    def handle(self, *args: Any, **options: Any) -> None:
        created = install_defaults(active=not options["inactive"])
        for rule in created:
            self.stdout.write(f"installed: {rule.name}")
        if not created:
            self.stdout.write("the default rules are already installed")
