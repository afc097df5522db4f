from __future__ import annotations

from pathlib import Path

import pytest

from tessera.conf import ConfigError, read_env


def base(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"TESSERA_DATA_DIR": str(tmp_path), "TESSERA_DEBUG": "true", **extra}


def test_defaults_are_an_embedded_sqlite_site(tmp_path: Path) -> None:
    env = read_env(base(tmp_path))
    assert env.database_url == f"sqlite:///{tmp_path / 'tessera.sqlite3'}"
    assert env.ticket_prefix == "#"
    assert env.max_attachment_bytes == 25 * 1024 * 1024


def test_production_without_secret_key_gets_a_stable_generated_one(tmp_path: Path) -> None:
    first = read_env(base(tmp_path, TESSERA_DEBUG="false"))
    second = read_env(base(tmp_path, TESSERA_DEBUG="false"))
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TESSERA_DEBUG", "maybe", "true or false"),
        ("TESSERA_SECRET_KEY", "short", "at least 32"),
        ("DATABASE_URL", "mysql://x/y", "sqlite:/// or postgres://"),
        ("TESSERA_TIME_ZONE", "Mars/Olympus", "not a known time zone"),
        ("TESSERA_MAX_ATTACHMENT_BYTES", "lots", "must be an integer"),
        ("TESSERA_MAX_ATTACHMENT_BYTES", "10", "at least 1024"),
        ("TESSERA_SITE_URL", "ftp://x", "http:// or https://"),
        ("TESSERA_TICKET_PREFIX", "X" * 11, "at most 10"),
    ],
)
def test_bad_values_fail_loudly_at_start_up(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_env(base(tmp_path, **{name: value}))


def test_hosts_and_time_zone_are_read(tmp_path: Path) -> None:
    env = read_env(base(tmp_path, TESSERA_ALLOWED_HOSTS="desk.example.com, api.example.com", TESSERA_TIME_ZONE="Asia/Bangkok"))
    assert env.allowed_hosts == ["desk.example.com", "api.example.com"]
    assert env.time_zone == "Asia/Bangkok"
