"""Fixtures for the job tests: the effect table, a marker directory, worker subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

EFFECT_TABLE = "jobtest_effect"  # jobtasks.EFFECT_TABLE; importing it here would need Django ready

REPO_ROOT = Path(__file__).resolve().parents[3]


def _create_effect_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {EFFECT_TABLE}")
        cursor.execute(
            f"CREATE TABLE {EFFECT_TABLE} (key VARCHAR(200) NOT NULL, pid INTEGER NOT NULL)"
        )


@pytest.fixture
def effect_table(db: Any) -> str:
    """Inside the test transaction: rolled back with it."""
    _create_effect_table()
    return EFFECT_TABLE


@pytest.fixture
def committed_effect_table(transactional_db: Any) -> Iterator[str]:
    """Committed, so other connections and processes see it; dropped afterwards."""
    _create_effect_table()
    yield EFFECT_TABLE
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {EFFECT_TABLE}")


@pytest.fixture
def marker_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "markers"
    directory.mkdir()
    monkeypatch.setenv("JOBTEST_DIR", str(directory))
    return directory


def database_url() -> str:
    """The URL of the test database (pytest-django's ``test_<name>``) for a subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        # The test settings put SQLite's test database in a file, so other processes share it.
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def start_worker(tmp_path: Path, marker_dir: Path) -> Iterator[Any]:
    """Start ``python -m tessera.cli worker ...`` against the test database."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url(),
            PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "src")]),
            TESSERA_DEBUG="true",
            TESSERA_DATA_DIR=str(tmp_path / "data"),
            JOBTEST_DIR=str(marker_dir),
        )
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tessera.cli", "worker", "--poll-interval", "0.1", *args],
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
