"""Drive the django-helpdesk peer harness (../shared/peers/django_helpdesk) from the suite.

Nothing of the peer is copied into the repository. At run time the harness folder is copied to
``$BENCH_PEER_DIR/harness`` (default /tmp/tessera-bench-peer) (the shared folder is read-only, and the harness
writes its results next to itself), its own ``setup.sh`` builds its venv and database there,
and its own ``bench.py`` is run phase by phase so its runs alternate with ours.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.paths import PEER_SOURCE

# Outside the repository, so that linters and type checkers run over bench/ never see the
# peer's code, and a fresh clone carries none of it.
PEER_WORK = Path(os.environ.get("BENCH_PEER_DIR", Path(tempfile.gettempdir()) / "tessera-bench-peer"))
HARNESS = PEER_WORK / "harness"
PEER_VENV = PEER_WORK / "venv"
PEER_DATA = PEER_WORK / "data"
PEER_PORT = 8765


class PeerUnavailable(Exception):
    """The peer cannot run here; the message says why and goes into the results."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PEER_VENV=str(PEER_VENV), PEER_DATA=str(PEER_DATA), PEER_PORT=str(PEER_PORT),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    return env


def prepare(log: Any) -> str:
    """Copy the harness and run its setup once; returns the installed django-helpdesk version."""
    if not (PEER_SOURCE / "bench.py").exists():
        raise PeerUnavailable(f"peer harness not found at {PEER_SOURCE}")
    if shutil.which("wrk") is None and shutil.which("apt-get") is None:
        raise PeerUnavailable("wrk is not installed and apt-get is not available to install it")
    PEER_WORK.mkdir(parents=True, exist_ok=True)
    if HARNESS.exists():
        shutil.rmtree(HARNESS)
    shutil.copytree(PEER_SOURCE, HARNESS, ignore=shutil.ignore_patterns("results", "__pycache__"))
    for path in [HARNESS, *HARNESS.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    (HARNESS / "results").mkdir(exist_ok=True)
    python = PEER_VENV / "bin" / "python"
    if not (python.exists() and _pip_has_helpdesk()):
        log("peer: running its setup.sh (venv, pinned deps, PostgreSQL role, migrate)")
        done = subprocess.run(["bash", str(HARNESS / "setup.sh")], env=_env(), capture_output=True, text=True)
        (PEER_WORK / "setup.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            raise PeerUnavailable("peer setup.sh failed: " + " | ".join(tail))
    out = subprocess.run(
        [str(python), "-c", "from importlib.metadata import version; print(version('django-helpdesk'), version('django'))"],
        env=_env(), capture_output=True, text=True, check=True,
    ).stdout.split()
    return f"django-helpdesk {out[0]} on Django {out[1]}"


def _pip_has_helpdesk() -> bool:
    found = subprocess.run(
        [str(PEER_VENV / "bin" / "python"), "-c", "import helpdesk"], env=_env(), capture_output=True
    )
    return found.returncode == 0


def run(n: int, phases: str, extra: list[str], log: Any) -> dict[str, Any]:
    """One invocation of the peer's bench.py on PostgreSQL; returns the phases it wrote."""
    result_file = HARNESS / "results" / f"postgres-N{n}.json"
    if result_file.exists():
        result_file.unlink()  # one invocation per file, so each run's numbers stand alone
    cmd = [str(PEER_VENV / "bin" / "python"), str(HARNESS / "bench.py"), "--db", "postgres",
           "--n", str(n), "--phases", phases, *extra]
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, cwd=HARNESS)
    with open(PEER_WORK / "bench.log", "a") as fh:
        fh.write(f"$ {' '.join(cmd)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        raise PeerUnavailable(f"peer bench.py {phases} failed: " + " | ".join(tail))
    data: dict[str, Any] = json.loads(result_file.read_text())
    return data


def harness_path() -> Path:
    return HARNESS
