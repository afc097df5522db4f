"""The spam filter's two environment settings: defaults and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessera.conf import ConfigError, read_env


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"TESSERA_DATA_DIR": str(tmp_path), "TESSERA_DEBUG": "true", **extra}


def test_defaults(tmp_path: Path) -> None:
    env = read_env(_env(tmp_path))
    assert env.spam_min_examples == 20
    assert env.spam_threshold == 0.99


def test_overrides(tmp_path: Path) -> None:
    env = read_env(_env(tmp_path, TESSERA_SPAM_MIN_EXAMPLES="50", TESSERA_SPAM_THRESHOLD="0.95"))
    assert (env.spam_min_examples, env.spam_threshold) == (50, 0.95)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TESSERA_SPAM_MIN_EXAMPLES", "0", "at least 1"),
        ("TESSERA_SPAM_MIN_EXAMPLES", "many", "integer"),
        ("TESSERA_SPAM_THRESHOLD", "0.3", "between 0.5 and 1"),
        ("TESSERA_SPAM_THRESHOLD", "1.5", "between 0.5 and 1"),
        ("TESSERA_SPAM_THRESHOLD", "high", "number between 0.5 and 1"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_env(_env(tmp_path, **{name: value}))
