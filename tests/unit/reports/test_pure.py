"""Periods, subject words and CSV cells: the parts of reports that need no database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.core.errors import ValidationFailed
from tessera.reports.csvout import safe_cell, to_csv
from tessera.reports.period import MAX_DAYS, Period, last_days, parse_period
from tessera.reports.words import common_words, subject_words

TODAY = date(2026, 3, 8)


def test_period_bounds_are_local_midnights() -> None:
    start, end = Period(date(2026, 3, 2), date(2026, 3, 8)).bounds(ZoneInfo("Asia/Bangkok"))
    assert start.astimezone(UTC) == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 3, 8, 17, 0, tzinfo=UTC)


def test_period_across_a_dst_change_keeps_whole_days() -> None:
    # Poland moves to summer time on 29 March 2026: that week is 167 hours long.
    start, end = Period(date(2026, 3, 23), date(2026, 3, 29)).bounds(ZoneInfo("Europe/Warsaw"))
    # (Subtracting two times of one zone in Python counts wall-clock time; UTC counts real time.)
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 167 * 3600


def test_previous_period_has_the_same_length() -> None:
    p = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert p.previous() == Period(date(2026, 1, 29), date(2026, 2, 28))
    assert last_days(7, TODAY) == Period(date(2026, 3, 2), TODAY)


def test_parse_period_defaults() -> None:
    assert parse_period(None, None, today=TODAY) == Period(date(2026, 2, 7), TODAY)
    assert parse_period(None, "2026-01-31", today=TODAY, default_days=7) == Period(date(2026, 1, 25), date(2026, 1, 31))
    assert parse_period(" 2026-03-01 ", "", today=TODAY) == Period(date(2026, 3, 1), TODAY)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-02-30", None, "from"),
        ("3/1/2026", None, "from"),
        (None, "tomorrow", "to"),
        ("2026-03-09", "2026-03-08", "from"),
        ("2025-03-07", "2026-03-08", "from"),  # 367 days
        ("1970-01-02", "1970-01-03", "from"),
        ("9999-01-01", "9999-01-02", "to"),
    ],
)
def test_parse_period_refuses(start: str | None, end: str | None, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_period(start, end, today=TODAY)
    assert caught.value.field == field


def test_a_year_is_allowed() -> None:
    assert parse_period("2025-03-08", "2026-03-08", today=TODAY).days == MAX_DAYS


@given(st.text(max_size=30), st.text(max_size=30))
def test_parse_period_never_crashes(start: str, end: str) -> None:
    try:
        period = parse_period(start, end, today=TODAY)
    except ValidationFailed:
        return
    assert 1 <= period.days <= MAX_DAYS


def test_subject_words_fold_and_drop_function_words() -> None:
    assert subject_words("Re: Hoàn TIỀN cho đơn hàng") == {"hoan", "tien", "don", "hang"}
    assert subject_words("Zwrot pieniędzy \u2013 nie działa płatność") == {"zwrot", "pieniedzy", "dziala", "platnosc"}
    assert subject_words("Fwd: The printer is on fire (2nd time)") == {"printer", "fire", "2nd", "time"}
    # Thai has no spaces to split at: skipped whole, while a Latin word next to it counts.
    assert subject_words("เครื่องพิมพ์ไม่ทำงาน HP") == {"hp"}
    assert subject_words("Order 12345") == {"order"}


def test_common_words_count_tickets_not_occurrences() -> None:
    subjects = ["refund refund refund", "Refund please", "Hoàn tiền", "hoan tien gấp", "printer"]
    assert [(w.word, w.tickets) for w in common_words(subjects)] == [("hoan", 2), ("refund", 2), ("tien", 2)]
    assert [w.word for w in common_words(subjects, limit=1)] == ["hoan"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-2", "'-2"), ("@cmd", "'@cmd"), ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"), ("plain", "plain"), ("a=b", "a=b"), ("", ""), (None, ""),
        (-3, "-3"), (2.5, "2.5"), (0.66666666, "0.6667"), (7, "7"),
    ],
)
def test_safe_cell(value: str | int | float | None, expected: str) -> None:
    assert safe_cell(value) == expected


@given(st.lists(st.text(max_size=20), min_size=1, max_size=5))
def test_csv_round_trips_and_no_cell_is_a_formula(cells: list[str]) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(["h"] * len(cells), [cells]), newline="")))
    assert len(rows) == 2
    for written, original in zip(rows[1], cells, strict=True):
        assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert written in (original, "'" + original)
