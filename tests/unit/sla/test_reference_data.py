"""The calendar against the shared corpora: businesstime's vectors and the VN/TH/PL holiday list."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tessera.sla.calendar import BusinessCalendar, Hours

pytestmark = pytest.mark.shared_data

NYC = ZoneInfo("America/New_York")
ZONES = {"VN": "Asia/Ho_Chi_Minh", "TH": "Asia/Bangkok", "PL": "Europe/Warsaw"}


@pytest.fixture(scope="module")
def vectors(shared_data: Path) -> dict[str, Any]:
    folder = shared_data / "sla-businesstime-vectors"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    data: dict[str, Any] = json.loads((folder / "vectors.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def us_calendar(vectors: dict[str, Any]) -> BusinessCalendar:
    # The vectors' own calendar description, not a hand-copied one.
    spec = vectors["calendar"]
    start, end = spec["business_hours"]
    days = [d.lower() for d in spec["working_days"]]
    return BusinessCalendar.uniform("America/New_York", start, end, days=days, holiday_country="US")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NYC)


def test_every_elapsed_vector(vectors: dict[str, Any], us_calendar: BusinessCalendar) -> None:
    cases = vectors["elapsed_cases"]
    assert len(cases) == 25
    got = [us_calendar.business_seconds_between(local(c["start"]), local(c["end"])) for c in cases]
    expected = [c["expected_business_minutes"] * 60 for c in cases]
    mismatches = [
        (c["upstream_test"], g // 60, e // 60)
        for c, g, e in zip(cases, got, expected, strict=True)
        if g != e
    ]
    assert mismatches == []


def test_elapsed_vectors_invert_to_the_due_time(
    vectors: dict[str, Any], us_calendar: BusinessCalendar
) -> None:
    """start + N business minutes lands on ``end`` modulo out-of-hours ends (SOURCE.md)."""
    for c in vectors["elapsed_cases"]:
        minutes = c["expected_business_minutes"]
        start, end = local(c["start"]), local(c["end"])
        if minutes < 0:
            start, end, minutes = end, start, -minutes
        due = us_calendar.add_business_time(start, minutes * 60)
        assert due <= end, c["upstream_test"]
        assert us_calendar.business_seconds_between(due, end) == 0, c["upstream_test"]
        # When the desk was open just before ``end``, nothing earlier will do. Otherwise the due
        # moment is the earlier closing time (Tue 09:00 + 8 h is Tue 17:00, not Wed 09:00).
        if us_calendar.is_open(end - timedelta(seconds=1)):
            assert due == end, c["upstream_test"]


def test_in_hours_vectors(vectors: dict[str, Any], us_calendar: BusinessCalendar) -> None:
    for c in vectors["is_during_business_hours_cases"]:
        assert us_calendar.is_open(local(c["at"])) is c["expected"], c["why"]


def test_us_federal_holiday_vectors(vectors: dict[str, Any], us_calendar: BusinessCalendar) -> None:
    for c in vectors["is_holiday_cases_us_federal"]:
        day = date.fromisoformat(c["date"])
        assert (us_calendar.describe_day(day).reason == "holiday") is c["expected"], c["date"]
    for text in vectors["calendar"]["holidays_inside_cases"]:
        assert us_calendar.describe_day(date.fromisoformat(text)).reason == "holiday"


# --------------------------------------------------------------------------- holidays


@pytest.fixture(scope="module")
def reference_holidays(shared_data: Path) -> list[dict[str, str]]:
    path = shared_data / "holidays-vn-th-pl" / "holidays_2024_2027.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def closed_dates(cal: BusinessCalendar, year: int) -> set[date]:
    """Every date of ``year`` on which a 24/7 desk with this holiday set is shut."""
    d, out = date(year, 1, 1), set()
    while d.year == year:
        if not cal.describe_day(d).hours:
            out.add(d)
        d += timedelta(days=1)
    return out


@pytest.mark.parametrize("country", ["VN", "TH", "PL"])
def test_holidays_equal_the_snapshot(
    country: str, reference_holidays: list[dict[str, str]]
) -> None:
    rows = [r for r in reference_holidays if r["country"] == country]
    versions = {r["holidays_version"] for r in rows}
    assert versions == {"0.109"}
    # The snapshot was made with holidays 0.109, the version this checkout installs. A newer
    # package may legitimately move dates (new decrees, bridge days); then the message below
    # names both versions and the differing dates, and the snapshot needs regenerating.
    installed = version("holidays")
    by_year: dict[int, dict[date, tuple[str, str]]] = defaultdict(dict)
    for r in rows:
        d = date.fromisoformat(r["date"])
        by_year[d.year][d] = (r["name_local"], r["name_en"])
    assert sorted(by_year) == [2024, 2025, 2026, 2027]

    always = ((Hours(0, 24 * 60),),) * 7
    cal = BusinessCalendar(timezone=ZONES[country], weekly_hours=always, holiday_country=country)
    for year, expected in by_year.items():
        got = closed_dates(cal, year)
        assert got == set(expected), (
            f"{country} {year}, holidays {installed} vs snapshot 0.109: "
            f"extra {sorted(got - set(expected))}, missing {sorted(set(expected) - got)}"
        )
        for d, (name_local, name_en) in expected.items():
            assert cal.holiday_name(d) == name_local
            assert cal.holiday_name(d, "en_US") == name_en
    assert sum(len(v) for v in by_year.values()) == {"VN": 56, "TH": 103, "PL": 55}[country]
