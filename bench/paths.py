"""Where things live: the repo's venv, the git-ignored scratch folder, the committed results."""

from __future__ import annotations

from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = ROOT / ".venv"
WORK = BENCH / "work"
RESULTS = BENCH / "results"
PEER_SOURCE = ROOT.parent / "shared" / "peers" / "django_helpdesk"
