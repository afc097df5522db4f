"""An away or break status whose return time has passed reads as online, for routing and UI alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tessera.routing.strategies import (
    AgentSnapshot,
    Availability,
    effective_availability,
    is_available,
)

NOW = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stored", "until", "expected"),
    [
        ("online", None, Availability.ONLINE),
        ("offline", None, Availability.OFFLINE),
        ("offline", NOW - timedelta(hours=1), Availability.OFFLINE),
        ("break", NOW + timedelta(minutes=1), Availability.BREAK),
        ("break", NOW, Availability.ONLINE),
        ("break", NOW - timedelta(minutes=1), Availability.ONLINE),
        ("away", None, Availability.AWAY),
        ("away", NOW - timedelta(days=2), Availability.ONLINE),
        ("gone fishing", None, Availability.OFFLINE),
    ],
)
def test_effective_availability(stored: str, until: datetime | None, expected: Availability) -> None:
    assert effective_availability(stored, until, NOW) is expected
    assert is_available(AgentSnapshot(id=1, availability=stored, away_until=until), NOW) == (expected is Availability.ONLINE)
