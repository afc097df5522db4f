"""Property tests: the interval arithmetic against a brute-force minute-by-minute reference.

The reference below is deliberately naive and shares no code with the calendar: it walks UTC
minutes, reads the wall clock with ``astimezone``, keeps the latest wall time shown so far
(so a repeated hour keeps an opened desk open and a skipped hour opens it at the jump), and
asks whether that wall time lies in the day's hours.
"""

from __future__ import annotations

import bisect
import itertools
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tessera.sla.calendar import BusinessCalendar, Hours

MINUTE = timedelta(minutes=1)
ZONES = [
    "UTC",
    "Europe/Warsaw",
    "America/New_York",
    "Asia/Ho_Chi_Minh",
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # 30-minute DST
    "America/Santiago",  # DST changes at midnight
    "America/St_Johns",  # -03:30, changed at 00:01 until 2011
    "Pacific/Apia",  # skipped 30 December 2011
]
COUNTRIES = [None, "PL", "VN", "TH", "US"]
# Boundaries near the usual DST hours and midnight are over-represented on purpose.
BOUNDARIES = st.sampled_from(
    [0, 1, 30, 60, 90, 120, 150, 180, 210, 240, 480, 1020, 1410, 1439, 1440]
)
MINUTES = st.one_of(BOUNDARIES, st.integers(0, 1440))


@st.composite
def day_hours(draw: st.DrawFn) -> tuple[Hours, ...]:
    points = sorted(draw(st.lists(MINUTES, unique=True, max_size=6)))
    if len(points) % 2:
        points.pop()
    return tuple(Hours(points[i], points[i + 1]) for i in range(0, len(points), 2))


@st.composite
def starts(draw: st.DrawFn) -> datetime:
    """Minute-aligned UTC instants, half of them in DST-change months."""
    year = draw(st.integers(2010, 2030))
    if draw(st.booleans()):
        month = draw(st.sampled_from([3, 4, 9, 10, 11]))
    else:
        month = draw(st.integers(1, 12))
    base = datetime(year, month, 1, tzinfo=UTC)
    if year == 2011 and draw(st.booleans()):
        base = datetime(2011, 12, 20, tzinfo=UTC)  # around Samoa's missing day
    return base + timedelta(minutes=draw(st.integers(0, 31 * 1440)))


def spans_near(
    draw: st.DrawFn, origin: datetime, days: int, max_count: int
) -> list[tuple[datetime, datetime]]:
    out = []
    for _ in range(draw(st.integers(0, max_count))):
        s = origin + timedelta(minutes=draw(st.integers(-1440, days * 1440)))
        out.append((s, s + timedelta(minutes=draw(st.integers(1, 3 * 1440)))))
    return out


@dataclass
class Case:
    cal: BusinessCalendar
    start: datetime
    end: datetime
    exclude: list[tuple[datetime, datetime]]


@st.composite
def cases(draw: st.DrawFn, max_days: int = 21) -> Case:
    tz = draw(st.sampled_from(ZONES))
    week = tuple(draw(day_hours()) for _ in range(7))
    start = draw(starts())
    end = start + timedelta(minutes=draw(st.integers(0, max_days * 1440)))
    zone = ZoneInfo(tz)
    first_day = start.astimezone(zone).date()
    span_days = (end - start).days + 2
    some_dates = st.builds(lambda n: first_day + timedelta(days=n), st.integers(-1, span_days))
    closed = draw(st.frozensets(some_dates, max_size=4))
    opens = draw(st.dictionaries(some_dates, day_hours().filter(bool), max_size=3))
    for d in closed & set(opens):
        del opens[d]
    cal = BusinessCalendar(
        timezone=tz,
        weekly_hours=week,
        holiday_country=draw(st.sampled_from(COUNTRIES)),
        closed_dates=closed,
        closed_ranges=tuple(spans_near(draw, start, span_days, 2)),
        open_dates=tuple(opens.items()),
    )
    # The JSON form must carry everything the arithmetic depends on.
    assert BusinessCalendar.from_dict(cal.to_dict()) == cal
    return Case(cal, start, end, spans_near(draw, start, span_days, 2))


class Reference:
    """Minute-by-minute open/closed flags over ``[start, end)``, computed the slow, obvious way."""

    def __init__(self, case: Case) -> None:
        cal = case.cal
        zone = ZoneInfo(cal.timezone)
        opens = dict(cal.open_dates)
        official: set[date] = set()
        if cal.holiday_country:
            years = range(case.start.year - 1, case.end.year + 2)
            official = set(holidays.country_holidays(cal.holiday_country, years=years))
        blocked = sorted([*cal.closed_ranges, *case.exclude])

        def hours(d: date) -> tuple[Hours, ...]:
            if d in opens:
                return opens[d]
            if d in cal.closed_dates or d in official:
                return ()
            return cal.weekly_hours[d.weekday()]

        # Warm up the running maximum of the wall clock two days early.
        t = case.start - timedelta(days=2)
        latest = t.astimezone(zone).replace(tzinfo=None)
        self.start = case.start
        self.flags: list[bool] = []
        while t < case.end:
            wall = t.astimezone(zone).replace(tzinfo=None)
            latest = max(latest, wall)
            if t >= case.start:
                minute = latest.hour * 60 + latest.minute
                is_open = any(h.start <= minute < h.end for h in hours(latest.date()))
                if is_open and any(s <= t < e for s, e in blocked):
                    is_open = False
                self.flags.append(is_open)
            t += MINUTE
        self.cumulative = list(itertools.accumulate(self.flags, initial=0))

    def seconds_until(self, index: int) -> int:
        return 60 * self.cumulative[index]

    def due(self, minutes: int) -> datetime:
        """First instant with ``minutes`` business minutes elapsed (minutes <= total)."""
        if minutes == 0:
            return self.start
        i = bisect.bisect_left(self.cumulative, minutes)
        return self.start + i * MINUTE


# TESSERA_SLA_EXAMPLES=2000 for a long soak; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("TESSERA_SLA_EXAMPLES", "100"))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_matches_brute_force_reference(case: Case, data: st.DataObject) -> None:
    ref = Reference(case)
    cal, start, exclude = case.cal, case.start, case.exclude
    n = len(ref.flags)
    assert cal.business_seconds_between(start, case.end, exclude=exclude) == ref.seconds_until(n)

    # Any prefix, and is_open at a few sampled minutes (closure ranges only; pauses are per call).
    for i in data.draw(st.lists(st.integers(0, n), max_size=5)):
        assert cal.business_seconds_between(
            start, start + i * MINUTE, exclude=exclude
        ) == ref.seconds_until(i)
    if not exclude:
        for i in data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=5)):
            if n:
                assert cal.is_open(start + i * MINUTE) is ref.flags[i]

    # The due time of a reachable amount equals the reference's first such minute.
    total = ref.cumulative[-1]
    if total:
        m = data.draw(st.integers(0, total))
        assert cal.add_business_time(start, m * 60, exclude=exclude) == ref.due(m)
        assert cal.next_open(start, exclude=exclude) == ref.due(1) - MINUTE


@PROPERTY_SETTINGS
@given(case=cases(max_days=7), data=st.data())
def test_add_inverts_between_and_both_are_monotone(case: Case, data: st.DataObject) -> None:
    cal, start, exclude = case.cal, case.start, case.exclude
    assume(cal.weekly_seconds > 0)
    s1, s2 = sorted(data.draw(st.lists(st.integers(0, 3 * 7 * 86400), min_size=2, max_size=2)))
    d1 = cal.add_business_time(start, s1, exclude=exclude)
    d2 = cal.add_business_time(start, s2, exclude=exclude)
    assert start <= d1 <= d2
    assert cal.business_seconds_between(start, d1, exclude=exclude) == s1
    assert cal.business_seconds_between(start, d2, exclude=exclude) == s2
    if s1:  # earliest: one second sooner is not enough
        assert cal.business_seconds_between(start, d1 - timedelta(seconds=1), exclude=exclude) < s1
    # Additivity over a split point implies monotonicity of the running count.
    mid = start + timedelta(seconds=data.draw(st.integers(0, 10 * 86400)))
    end = mid + timedelta(seconds=data.draw(st.integers(0, 10 * 86400)))
    ab = cal.business_seconds_between(start, mid, exclude=exclude)
    bc = cal.business_seconds_between(mid, end, exclude=exclude)
    assert 0 <= ab <= ab + bc == cal.business_seconds_between(start, end, exclude=exclude)
    assert cal.business_seconds_between(end, start, exclude=exclude) == -(ab + bc)


@settings(max_examples=max(EXAMPLES // 2, 30), deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    country=st.sampled_from(COUNTRIES),
    week=st.tuples(*[day_hours()] * 7),
    start=starts(),
    weeks=st.integers(1, 80),
    extra=st.integers(0, 7 * 86400),
)
def test_long_durations_skip_weeks_exactly(
    tz: str,
    country: str | None,
    week: tuple[tuple[Hours, ...], ...],
    start: datetime,
    weeks: int,
    extra: int,
) -> None:
    """Week skipping must give the same instant the day-by-day count implies."""
    cal = BusinessCalendar(timezone=tz, weekly_hours=week, holiday_country=country)
    assume(cal.weekly_seconds > 0)
    seconds = weeks * cal.weekly_seconds + extra
    due = cal.add_business_time(start, seconds)
    assert cal.business_seconds_between(start, due) == seconds
    assert cal.business_seconds_between(start, due - timedelta(seconds=1)) < seconds
