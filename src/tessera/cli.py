"""The ``tessera`` command: Django's management commands, with Tessera's settings preset."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tessera.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    # "tessera email parse FILE" reads better than "tessera email_parse FILE".
    if len(args) >= 3 and args[1] == "email" and args[2] == "parse":
        args = [args[0], "email_parse", *args[3:]]
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
