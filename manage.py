#!/usr/bin/env python
"""Development shortcut; the installed ``tessera`` command does the same."""

from tessera.cli import main

if __name__ == "__main__":
    main()
