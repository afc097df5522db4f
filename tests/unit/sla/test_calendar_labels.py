"""Closures may carry labels: stored, read back exactly, and ignored by the arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tessera.sla.calendar import BusinessCalendar, CalendarError

BASE = {
    "version": 1,
    "timezone": "Asia/Ho_Chi_Minh",
    "weekly_hours": {d: [["08:00", "17:00"]] if d not in ("sat", "sun") else [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    "holidays": None,
    "open_dates": [],
}


def test_labels_round_trip_and_unlabelled_entries_keep_their_plain_form() -> None:
    data = {
        **BASE,
        "closed_dates": ["2026-02-16", {"date": "2026-02-17", "label": "Tết <Nguyên Đán>"}],
        "closed_ranges": [
            {"start": "2026-06-04T12:00:00+07:00", "end": "2026-06-04T17:00:00+07:00", "label": "Chuyển văn phòng"},
            {"start": "2026-06-05T12:00:00+07:00", "end": "2026-06-05T13:00:00+07:00"},
        ],
    }
    calendar = BusinessCalendar.from_dict(data)
    assert calendar.to_dict() == data
    assert dict(calendar.closed_date_labels) == {date(2026, 2, 17): "Tết <Nguyên Đán>"}
    assert BusinessCalendar.from_dict(calendar.to_dict()) == calendar
    hash(calendar)


def test_labels_do_not_change_business_time() -> None:
    plain = BusinessCalendar.from_dict({**BASE, "closed_dates": ["2026-02-17"]})
    labelled = BusinessCalendar.from_dict({**BASE, "closed_dates": [{"date": "2026-02-17", "label": "Tết"}]})
    start = datetime(2026, 2, 16, 3, 0, tzinfo=UTC)
    assert plain.add_business_time(start, 12 * 3600) == labelled.add_business_time(start, 12 * 3600)


def test_empty_label_is_no_label() -> None:
    calendar = BusinessCalendar.from_dict({**BASE, "closed_dates": [{"date": "2026-02-17", "label": ""}]})
    assert calendar.to_dict()["closed_dates"] == ["2026-02-17"]


@pytest.mark.parametrize(
    ("closed", "path"),
    [
        ({"closed_dates": [{"date": "2026-02-17", "colour": "red"}]}, "closed_dates[0].colour"),
        ({"closed_dates": [{"date": "2026-02-30", "label": "x"}]}, "closed_dates[0].date"),
        ({"closed_dates": [{"date": "2026-02-17", "label": 7}]}, "closed_dates[0].label"),
        ({"closed_dates": [{"date": "2026-02-17", "label": "x" * 201}]}, "closed_dates"),
        ({"closed_ranges": [{"start": "2026-06-04T12:00", "end": "2026-06-04T13:00", "note": "x"}]}, "closed_ranges[0].note"),
    ],
)
def test_bad_labels_are_reported(closed: dict[str, object], path: str) -> None:
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.from_dict({**BASE, **closed})
    assert path in {p.path for p in caught.value.problems}
