"""Business calendar for SLA clocks: weekly hours, public holidays, closures.

Pure module (no Django, no database): the SLA policies store a calendar as a JSON dict and call
the arithmetic here. All arithmetic walks open *intervals* (one step per local day, whole regular
weeks skipped arithmetically); it never steps minute by minute.

Wall-clock rule. Business hours are wall-clock hours in the calendar's zone. An interval
``[a, b)`` of local day ``d`` is open from the first instant at which the local clock reads
``d a`` or later, up to the first instant at which it reads ``d b`` or later. Consequences:

* spring forward (a gap): a boundary inside the gap falls on the transition instant, so
  08:00-17:00 is 9 real hours on every day, 01:00-04:00 is 2 real hours on Warsaw's
  spring-forward day;
* fall back (a repeated hour): a boundary on a repeated wall time uses its first occurrence
  (``fold=0``), and an interval that has opened stays open through the repeat, so 01:00-04:00
  is 4 real hours on Warsaw's fall-back day.

Equivalently: an instant is open when the latest wall time the clock has shown so far lies in an
open interval. The property tests check exactly that against a brute-force reference.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from tessera.core.errors import ValidationFailed

__all__ = [
    "FORMAT_VERSION",
    "WEEKDAYS",
    "BusinessCalendar",
    "CalendarError",
    "DayInfo",
    "Hours",
    "Problem",
    "Span",
    "merge_spans",
]

FORMAT_VERSION: Final = 1
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY: Final = 24 * 60
MAX_LABEL: Final = 200
# A calendar that stays shut this long after a start is misconfigured (or closed for good);
# refusing beats looping through the year 9999.
MAX_IDLE_DAYS: Final = 3700

_ONE_DAY: Final = timedelta(days=1)
_ONE_SECOND: Final = timedelta(seconds=1)
_TINY: Final = timedelta(microseconds=1)
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")

Span = tuple[datetime, datetime]
"""A half-open time range ``[start, end)`` of aware datetimes."""


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a calendar definition; ``path`` points into the JSON dict."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class CalendarError(ValidationFailed):
    """The calendar definition is invalid; ``problems`` lists every fault found, not just one."""

    code = "invalid_calendar"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        first = self.problems[0].path if self.problems else None
        super().__init__("; ".join(str(p) for p in self.problems), field=first or None)


# --------------------------------------------------------------------------- hours


def _parse_hhmm(text: object, *, allow_24: bool) -> int:
    if not isinstance(text, str):
        raise ValueError(f"expected a time as 'HH:MM', got {text!r}")
    m = _HHMM.match(text.strip())
    if m is None:
        raise ValueError(f"expected a time as 'HH:MM', got {text!r}")
    hh, mm = int(m.group(1)), int(m.group(2))
    if mm > 59 or hh > 24 or (hh == 24 and mm != 0):
        raise ValueError(f"{text!r} is not a time of day")
    if hh == 24 and not allow_24:
        raise ValueError("24:00 can only end an interval")
    return hh * 60 + mm


def _format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True, order=True)
class Hours:
    """One opening interval of a day, in wall-clock minutes after local midnight.

    ``end`` may be 1440 (24:00), so that 24/7 and overnight shifts (Mon 20:00-24:00 followed by
    Tue 00:00-04:00) can be written.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(
                f"{_format_hhmm(self.start)}-{_format_hhmm(self.end)} is not an interval "
                "within a day (start must be before end, end at most 24:00)"
            )

    @classmethod
    def parse(cls, value: object) -> Hours:
        """From ``["08:00", "17:00"]`` (the JSON form)."""
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError(f'expected ["HH:MM", "HH:MM"], got {value!r}')
        start = _parse_hhmm(value[0], allow_24=False)
        end = _parse_hhmm(value[1], allow_24=True)
        if start >= end:
            raise ValueError(f"start {value[0]} is not before end {value[1]}")
        return cls(start, end)

    @property
    def seconds(self) -> int:
        return (self.end - self.start) * 60

    def to_json(self) -> list[str]:
        return [_format_hhmm(self.start), _format_hhmm(self.end)]

    def __str__(self) -> str:
        return f"{_format_hhmm(self.start)}-{_format_hhmm(self.end)}"


def _normalise_day(raw: Iterable[Hours], path: str, problems: list[Problem]) -> tuple[Hours, ...]:
    """Sort, reject overlaps, and join touching intervals (08-12 + 12-17 is one 08-17)."""
    out: list[Hours] = []
    for h in sorted(raw):
        if out and h.start < out[-1].end:
            problems.append(Problem(path, f"intervals {out[-1]} and {h} overlap"))
            continue
        if out and h.start == out[-1].end:
            out[-1] = Hours(out[-1].start, h.end)
        else:
            out.append(h)
    return tuple(out)


# --------------------------------------------------------------------------- time zone helpers


def _as_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (got naive {value.isoformat()})")
    return value.astimezone(UTC)


def _first_instant(zone: ZoneInfo, local: datetime) -> datetime:
    """The first instant (UTC) at which the clock in ``zone`` reads ``local`` or later.

    Existing wall times map with ``fold=0`` (the first of a repeated hour); a wall time inside a
    spring-forward gap maps to the transition instant, where the clock jumps past it.
    """
    guess = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if guess.astimezone(zone).replace(tzinfo=None) == local:
        return guess
    # In a gap, fold=1 applies the later offset and lands before the transition, fold=0 after.
    lo = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = guess
    if lo >= hi:  # not a plain gap (should not happen with tzdata); the fold=0 reading is sane
        return guess
    while hi - lo > _TINY:
        mid = lo + (hi - lo) // 2
        if mid.astimezone(zone).replace(tzinfo=None) >= local:
            hi = mid
        else:
            lo = mid
    return hi


@functools.lru_cache(maxsize=256)
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


@functools.lru_cache(maxsize=256)
def _irregular_dates(zone_key: str, year: int) -> tuple[date, ...]:
    """Local dates of ``year`` that do not last exactly 24 hours (a UTC offset change).

    Measured between the first instants of consecutive local midnights, so a change *at*
    midnight (America/Santiago) marks the day that lost or gained the hour, not the one
    before. Computed once per zone and year so that week skipping can bisect.
    """
    zone = _zone(zone_key)
    d = date(year, 1, 1)
    end = date(year + 1, 1, 1)
    here = _first_instant(zone, datetime.combine(d, time()))
    out: list[date] = []
    while d < end:
        following = _first_instant(zone, datetime.combine(d + _ONE_DAY, time()))
        if following - here != _ONE_DAY:
            out.append(d)
        here = following
        d += _ONE_DAY
    return tuple(out)


# --------------------------------------------------------------------------- holidays


@functools.lru_cache(maxsize=1)
def _supported_countries() -> Mapping[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in holidays.list_supported_countries().items()}


@functools.lru_cache(maxsize=1)
def _localised_countries() -> Mapping[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in holidays.list_localized_countries().items()}


@functools.lru_cache(maxsize=512)
def _holiday_names(
    country: str,
    subdivision: str | None,
    categories: tuple[str, ...],
    year: int,
    language: str | None,
) -> Mapping[date, str]:
    """Holidays dated inside ``year``, cached per (country, subdivision, categories, year, lang).

    Neighbouring years are consulted too, because an observed day can belong to one year's
    rules and fall into another (a Saturday 1 January observed on Friday 31 December).
    """
    out: dict[date, str] = {}
    for y in (year - 1, year, year + 1):
        found = holidays.country_holidays(
            country,
            subdiv=subdivision,
            years=y,
            categories=categories or None,
            language=language,
        )
        for day, name in found.items():
            if day.year == year:
                out.setdefault(day, name)
    return dict(sorted(out.items()))


@functools.lru_cache(maxsize=512)
def _holiday_dates(
    country: str, subdivision: str | None, categories: tuple[str, ...], year: int
) -> tuple[date, ...]:
    return tuple(_holiday_names(country, subdivision, categories, year, None))


# --------------------------------------------------------------------------- blocked spans


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sort and join overlapping or touching spans (all converted to UTC); drop empty ones."""
    items = sorted((_as_utc(s, "span start"), _as_utc(e, "span end")) for s, e in spans)
    out: list[Span] = []
    for s, e in items:
        if s >= e:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


class _Blocked:
    """Merged, sorted closure and pause spans, cut out of open spans by bisecting."""

    __slots__ = ("ends", "spans")

    def __init__(self, spans: Iterable[Span]) -> None:
        self.spans = merge_spans(spans)
        self.ends = [e for _, e in self.spans]

    def first_after(self, at: datetime) -> int:
        """Index of the first blocked span ending after ``at``."""
        return bisect.bisect_right(self.ends, at)

    def cut(self, spans: Iterable[Span]) -> Iterator[Span]:
        for s, e in spans:
            i = self.first_after(s)
            while i < len(self.spans) and self.spans[i][0] < e:
                bs, be = self.spans[i]
                if bs > s:
                    yield s, bs
                s = max(s, be)
                i += 1
            if s < e:
                yield s, e


# --------------------------------------------------------------------------- the calendar


DayReason = Literal["open", "special", "holiday", "closed", "weekly_closed"]


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the calendar says about one local date (closure *ranges* and pauses aside)."""

    date: date
    hours: tuple[Hours, ...]
    reason: DayReason
    holiday_name: str | None = None


def _empty_week() -> tuple[tuple[Hours, ...], ...]:
    return ((),) * 7


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Opening hours of a support desk, in one IANA time zone.

    Per local date, the first rule that applies decides the hours:

    1. ``open_dates`` (an extra working day, e.g. Vietnam's make-up Saturdays) gives its hours;
    2. ``closed_dates`` and public holidays (``holiday_country``/``holiday_subdivision``/
       ``holiday_categories`` via the ``holidays`` package) close the whole day;
    3. otherwise ``weekly_hours[weekday]`` (Monday first).

    ``closed_ranges`` (absolute datetime ranges, e.g. an office move on a Thursday afternoon)
    are then cut out. Closed dates and ranges may carry a label ("Year-end closure") for the
    people reading the calendar; labels never change the arithmetic. Construction validates
    and normalises; invalid input raises :class:`CalendarError` listing every problem.
    """

    timezone: str = "UTC"
    weekly_hours: tuple[tuple[Hours, ...], ...] = field(default_factory=_empty_week)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    holiday_categories: tuple[str, ...] = ()
    closed_dates: frozenset[date] = frozenset()
    closed_ranges: tuple[Span, ...] = ()
    open_dates: tuple[tuple[date, tuple[Hours, ...]], ...] = ()
    closed_date_labels: tuple[tuple[date, str], ...] = ()
    closed_range_labels: tuple[tuple[Span, str], ...] = ()

    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _open_map: dict[date, tuple[Hours, ...]] = field(init=False, repr=False, compare=False)
    _special: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _blocked: _Blocked = field(init=False, repr=False, compare=False)
    _week_total: timedelta = field(init=False, repr=False, compare=False)
    _day_cache: dict[date, tuple[Span, ...]] = field(init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ construction

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        zone: ZoneInfo | None = None
        if not isinstance(self.timezone, str) or not self.timezone:
            problems.append(
                Problem("timezone", "a time zone name such as 'Europe/Warsaw' is required")
            )
        else:
            try:
                zone = _zone(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(Problem("timezone", f"unknown time zone {self.timezone!r}"))

        week: list[tuple[Hours, ...]] = []
        if len(self.weekly_hours) != 7:
            problems.append(Problem("weekly_hours", "needs exactly 7 days, Monday first"))
        else:
            for name, day in zip(WEEKDAYS, self.weekly_hours, strict=True):
                week.append(_normalise_day(day, f"weekly_hours.{name}", problems))

        country, subdivision, categories = self._check_holidays(problems)

        ranges: list[Span] = []
        for i, (s, e) in enumerate(self.closed_ranges):
            try:
                su, eu = _as_utc(s, "start"), _as_utc(e, "end")
            except (TypeError, ValueError) as exc:
                problems.append(Problem(f"closed_ranges[{i}]", str(exc)))
                continue
            if su >= eu:
                problems.append(Problem(f"closed_ranges[{i}]", "start is not before end"))
                continue
            ranges.append((su, eu))

        opens: dict[date, tuple[Hours, ...]] = {}
        for i, (d, hours) in enumerate(self.open_dates):
            path = f"open_dates[{i}]"
            if d in opens:
                problems.append(Problem(path, f"{d.isoformat()} is listed twice"))
                continue
            day = _normalise_day(hours, f"{path}.hours", problems)
            if not day:
                problems.append(Problem(f"{path}.hours", "an extra open day needs opening hours"))
            opens[d] = day
        for d in sorted(set(opens) & self.closed_dates):
            problems.append(Problem("closed_dates", f"{d.isoformat()} is also an extra open day"))

        date_labels, range_labels = self._check_labels(ranges, problems)

        if problems:
            raise CalendarError(problems)
        assert zone is not None

        put = object.__setattr__
        put(self, "weekly_hours", tuple(week))
        put(self, "holiday_country", country)
        put(self, "holiday_subdivision", subdivision)
        put(self, "holiday_categories", categories)
        put(self, "closed_dates", frozenset(self.closed_dates))
        put(self, "closed_ranges", tuple(sorted(ranges)))
        put(self, "open_dates", tuple(sorted(opens.items())))
        put(self, "closed_date_labels", tuple(sorted(date_labels.items())))
        put(self, "closed_range_labels", tuple(sorted(range_labels.items())))
        put(self, "_zone", zone)
        put(self, "_open_map", opens)
        put(self, "_special", tuple(sorted(set(opens) | self.closed_dates)))
        put(self, "_blocked", _Blocked(ranges))
        put(self, "_week_total", timedelta(seconds=sum(h.seconds for d in week for h in d)))
        put(self, "_day_cache", {})

    def _check_labels(
        self, ranges: Sequence[Span], problems: list[Problem]
    ) -> tuple[dict[date, str], dict[Span, str]]:
        """Labels of closures that exist, stripped; the first label of a closure wins."""

        def text(label: object, path: str) -> str:
            if not isinstance(label, str) or len(label) > MAX_LABEL:
                problems.append(Problem(path, f"a label is text of at most {MAX_LABEL} characters"))
                return ""
            return label.strip()

        dates: dict[date, str] = {}
        for d, label in self.closed_date_labels:
            cleaned = text(label, "closed_dates")
            if cleaned and d in self.closed_dates:
                dates.setdefault(d, cleaned)
        known = set(ranges)
        spans: dict[Span, str] = {}
        for (s, e), label in self.closed_range_labels:
            cleaned = text(label, "closed_ranges")
            try:
                span = (_as_utc(s, "start"), _as_utc(e, "end"))
            except (TypeError, ValueError):
                continue
            if cleaned and span in known:
                spans.setdefault(span, cleaned)
        return dates, spans

    def _check_holidays(
        self, problems: list[Problem]
    ) -> tuple[str | None, str | None, tuple[str, ...]]:
        country = self.holiday_country or None
        subdivision = self.holiday_subdivision or None
        categories = tuple(sorted({c.strip().lower() for c in self.holiday_categories}))
        if country is None:
            if subdivision:
                problems.append(Problem("holidays.subdivision", "a subdivision needs a country"))
            if categories:
                problems.append(Problem("holidays.categories", "categories need a country"))
            return None, None, ()
        country = country.strip().upper()
        supported = _supported_countries()
        if country not in supported:
            problems.append(
                Problem(
                    "holidays.country", f"the holidays package does not know country {country!r}"
                )
            )
            return country, subdivision, categories
        if subdivision is not None and subdivision not in supported[country]:
            # Subdivision codes are case-sensitive in places; accept a case-insensitive match.
            matches = [s for s in supported[country] if s.upper() == subdivision.upper()]
            if matches:
                subdivision = matches[0]
            else:
                known = ", ".join(supported[country][:20]) or "none"
                problems.append(
                    Problem(
                        "holidays.subdivision",
                        f"{country} has no subdivision {subdivision!r} (known: {known})",
                    )
                )
        if categories:
            try:
                holidays.country_holidays(country, categories=categories)
            except (NotImplementedError, ValueError) as exc:
                problems.append(Problem("holidays.categories", str(exc)))
        return country, subdivision, categories

    @classmethod
    def uniform(
        cls,
        timezone: str,
        start: str = "09:00",
        end: str = "17:00",
        *,
        days: Iterable[str] = ("mon", "tue", "wed", "thu", "fri"),
        **kwargs: Any,
    ) -> BusinessCalendar:
        """The same hours on the given weekdays, e.g. ``uniform("Asia/Bangkok", "08:00", "17:00")``."""
        hours = (Hours.parse([start, end]),)
        chosen = {d.lower() for d in days}
        unknown = chosen - set(WEEKDAYS)
        if unknown:
            raise CalendarError([Problem("weekly_hours", f"unknown weekdays {sorted(unknown)}")])
        week = tuple(hours if name in chosen else () for name in WEEKDAYS)
        return cls(timezone=timezone, weekly_hours=week, **kwargs)

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> BusinessCalendar:
        """24/7: business time equals elapsed time."""
        return cls(timezone=timezone, weekly_hours=((Hours(0, MINUTES_PER_DAY),),) * 7)

    # ------------------------------------------------------------------ JSON form

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build from the JSON-able dict that :meth:`to_dict` produces (and admins edit).

        Naive datetimes in ``closed_ranges`` are read as wall time in the calendar's zone.
        """
        problems: list[Problem] = []
        if not isinstance(data, Mapping):
            raise CalendarError([Problem("", "a calendar must be a JSON object")])
        known = {"version", "timezone", "weekly_hours", "holidays", "closed_dates",
                 "closed_ranges", "open_dates"}  # fmt: skip
        for key in sorted(set(data) - known):
            problems.append(Problem(str(key), "unknown field"))
        version = data.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            problems.append(Problem("version", f"unsupported version {version!r}"))

        tz = data.get("timezone", "UTC")
        zone: ZoneInfo | None = None
        if isinstance(tz, str) and tz:
            try:
                zone = _zone(tz)
            except (ZoneInfoNotFoundError, ValueError):
                zone = None  # reported by the constructor

        week = _parse_week(data.get("weekly_hours", {}), problems)

        country = subdivision = None
        categories: tuple[str, ...] = ()
        hol = data.get("holidays")
        if hol is not None:
            if not isinstance(hol, Mapping):
                problems.append(Problem("holidays", 'expected {"country": "PL", ...} or null'))
            else:
                for key in sorted(set(hol) - {"country", "subdivision", "categories"}):
                    problems.append(Problem(f"holidays.{key}", "unknown field"))
                country = _opt_str(hol.get("country"), "holidays.country", problems)
                subdivision = _opt_str(hol.get("subdivision"), "holidays.subdivision", problems)
                cats = hol.get("categories", [])
                if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
                    problems.append(Problem("holidays.categories", "expected a list of names"))
                else:
                    categories = tuple(cats)
                if country is None:
                    problems.append(Problem("holidays.country", "a country code is required"))

        closed_dates: set[date] = set()
        date_labels: list[tuple[date, str]] = []
        raw_dates = data.get("closed_dates", [])
        if not isinstance(raw_dates, list):
            problems.append(Problem("closed_dates", "expected a list of 'YYYY-MM-DD' dates"))
            raw_dates = []
        for i, raw in enumerate(raw_dates):
            path = f"closed_dates[{i}]"
            label = None
            if isinstance(raw, Mapping):
                # A labelled date: {"date": "2026-12-24", "label": "Wigilia"}.
                for key in sorted(set(raw) - {"date", "label"}, key=str):
                    problems.append(Problem(f"{path}.{key}", "unknown field"))
                label = _opt_str(raw.get("label"), f"{path}.label", problems)
                raw, path = raw.get("date"), f"{path}.date"
            d = _parse_date(raw, path, problems)
            if d is not None:
                closed_dates.add(d)
                if label:
                    date_labels.append((d, label))

        ranges: list[Span] = []
        range_labels: list[tuple[Span, str]] = []
        raw_ranges = data.get("closed_ranges", [])
        if not isinstance(raw_ranges, list):
            problems.append(Problem("closed_ranges", "expected a list of {start, end} objects"))
            raw_ranges = []
        for i, raw in enumerate(raw_ranges):
            path = f"closed_ranges[{i}]"
            if not isinstance(raw, Mapping):
                problems.append(Problem(path, 'expected {"start": ..., "end": ...}'))
                continue
            for key in sorted(set(raw) - {"start", "end", "label"}, key=str):
                problems.append(Problem(f"{path}.{key}", "unknown field"))
            s = _parse_datetime(raw.get("start"), f"{path}.start", zone, problems)
            e = _parse_datetime(raw.get("end"), f"{path}.end", zone, problems)
            label = _opt_str(raw.get("label"), f"{path}.label", problems)
            if s is not None and e is not None:
                if s >= e:
                    problems.append(Problem(path, "start is not before end"))
                else:
                    ranges.append((s, e))
                    if label:
                        range_labels.append(((s, e), label))

        opens: list[tuple[date, tuple[Hours, ...]]] = []
        raw_opens = data.get("open_dates", [])
        if not isinstance(raw_opens, list):
            problems.append(Problem("open_dates", 'expected a list of {"date", "hours"} objects'))
            raw_opens = []
        for i, raw in enumerate(raw_opens):
            path = f"open_dates[{i}]"
            if not isinstance(raw, Mapping):
                problems.append(Problem(path, 'expected {"date": "YYYY-MM-DD", "hours": [...]}'))
                continue
            d = _parse_date(raw.get("date"), f"{path}.date", problems)
            hours = _parse_hours_list(raw.get("hours"), f"{path}.hours", problems)
            if d is not None and hours is not None:
                opens.append((d, hours))

        # Build even when parsing found faults, so that semantic faults (unknown zone or
        # country, overlaps) are reported in the same error and the admin fixes all at once.
        calendar: BusinessCalendar | None = None
        try:
            calendar = cls(
                timezone=tz,
                weekly_hours=week,
                holiday_country=country,
                holiday_subdivision=subdivision,
                holiday_categories=categories,
                closed_dates=frozenset(closed_dates),
                closed_ranges=tuple(ranges),
                open_dates=tuple(opens),
                closed_date_labels=tuple(date_labels),
                closed_range_labels=tuple(range_labels),
            )
        except CalendarError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
        if problems or calendar is None:
            raise CalendarError(problems)
        return calendar

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form; ``from_dict(c.to_dict()) == c``."""
        holiday: dict[str, Any] | None = None
        if self.holiday_country:
            holiday = {
                "country": self.holiday_country,
                "subdivision": self.holiday_subdivision,
                "categories": list(self.holiday_categories),
            }
        date_labels = dict(self.closed_date_labels)
        range_labels = dict(self.closed_range_labels)
        return {
            "version": FORMAT_VERSION,
            "timezone": self.timezone,
            "weekly_hours": {
                name: [h.to_json() for h in day]
                for name, day in zip(WEEKDAYS, self.weekly_hours, strict=True)
            },
            "holidays": holiday,
            "closed_dates": [
                {"date": d.isoformat(), "label": date_labels[d]} if d in date_labels else d.isoformat()
                for d in sorted(self.closed_dates)
            ],
            "closed_ranges": [
                {
                    "start": s.astimezone(self._zone).isoformat(),
                    "end": e.astimezone(self._zone).isoformat(),
                    **({"label": range_labels[(s, e)]} if (s, e) in range_labels else {}),
                }
                for s, e in self.closed_ranges
            ],
            "open_dates": [
                {"date": d.isoformat(), "hours": [h.to_json() for h in hours]}
                for d, hours in self.open_dates
            ],
        }

    # ------------------------------------------------------------------ days

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def weekly_seconds(self) -> int:
        """Business seconds in a regular week (no holiday, no DST change)."""
        return int(self._week_total.total_seconds())

    def holiday_name(self, day: date, language: str | None = None) -> str | None:
        """The public holiday on ``day`` (in ``language`` if the package has it), else None."""
        if self.holiday_country is None:
            return None
        if language is not None and language not in _localised_countries().get(
            self.holiday_country, ()
        ):
            language = None
        names = _holiday_names(
            self.holiday_country,
            self.holiday_subdivision,
            self.holiday_categories,
            day.year,
            language,
        )
        return names.get(day)

    def holidays_in(self, year: int) -> tuple[date, ...]:
        """Sorted public-holiday dates of ``year`` (before ``open_dates`` overrides)."""
        if self.holiday_country is None:
            return ()
        return _holiday_dates(
            self.holiday_country, self.holiday_subdivision, self.holiday_categories, year
        )

    def _is_holiday(self, day: date) -> bool:
        dates = self.holidays_in(day.year)
        i = bisect.bisect_left(dates, day)
        return i < len(dates) and dates[i] == day

    def describe_day(self, day: date, language: str | None = None) -> DayInfo:
        """Which rule decides ``day`` and the wall-clock hours it gives."""
        special = self._open_map.get(day)
        if special is not None:
            return DayInfo(day, special, "special")
        if day in self.closed_dates:
            return DayInfo(day, (), "closed")
        if self._is_holiday(day):
            return DayInfo(day, (), "holiday", self.holiday_name(day, language))
        hours = self.weekly_hours[day.weekday()]
        return DayInfo(day, hours, "open" if hours else "weekly_closed")

    def _hours_on(self, day: date) -> tuple[Hours, ...]:
        special = self._open_map.get(day)
        if special is not None:
            return special
        if day in self.closed_dates or self._is_holiday(day):
            return ()
        return self.weekly_hours[day.weekday()]

    def _day_start(self, day: date) -> datetime:
        return _first_instant(self._zone, datetime.combine(day, time()))

    def _day_spans(self, day: date) -> tuple[Span, ...]:
        """Open spans (UTC) of one local day, before closure ranges are cut out."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        midnight = datetime.combine(day, time())
        out: list[Span] = []
        for h in self._hours_on(day):
            s = _first_instant(self._zone, midnight + timedelta(minutes=h.start))
            e = _first_instant(self._zone, midnight + timedelta(minutes=h.end))
            if s < e:  # an interval wholly inside a DST gap never opens
                out.append((s, e))
        spans = tuple(out)
        if len(self._day_cache) > 4096:
            self._day_cache.clear()
        self._day_cache[day] = spans
        return spans

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self._zone).date()

    def _blocked_with(self, exclude: Iterable[Span]) -> _Blocked:
        extra = list(exclude)
        if not extra:
            return self._blocked
        return _Blocked([*self.closed_ranges, *extra])

    def _walk(self, start: datetime, blocked: _Blocked) -> Iterator[tuple[date, Span]]:
        """Open spans from ``start`` on, clipped to start, one local day at a time."""
        # A day's spans never begin before its midnight, but a fall-back across midnight can
        # put ``start`` on the previous local date; starting a day early covers that.
        day = self._local_date(start) - _ONE_DAY
        idle = 0
        while True:
            found = False
            for s, e in blocked.cut(self._day_spans(day)):
                if e <= start:
                    continue
                found = True
                yield day, (max(s, start), e)
            idle = 0 if found else idle + 1
            if idle > MAX_IDLE_DAYS:
                raise ValueError(
                    f"the calendar has no business time within {MAX_IDLE_DAYS} days "
                    f"after {start.isoformat()}"
                )
            day += _ONE_DAY

    def _never_open(self) -> bool:
        return not self._week_total and not self._open_map

    # ------------------------------------------------------------------ queries

    def open_spans(
        self, start: datetime, end: datetime, *, exclude: Iterable[Span] = ()
    ) -> list[Span]:
        """The open spans (UTC) inside ``[start, end)``, closures and ``exclude`` cut out."""
        start_u, end_u = _as_utc(start, "start"), _as_utc(end, "end")
        out: list[Span] = []
        if start_u >= end_u:
            return out
        blocked = self._blocked_with(exclude)
        day = self._local_date(start_u) - _ONE_DAY
        # The last day that can hold an open instant before ``end`` is its local date (or one
        # later after a fall-back across midnight).
        last = self._local_date(end_u) + _ONE_DAY
        while day <= last:
            for s, e in blocked.cut(self._day_spans(day)):
                s, e = max(s, start_u), min(e, end_u)
                if s < e:
                    out.append((s, e))
            day += _ONE_DAY
        return out

    def business_seconds_between(
        self, start: datetime, end: datetime, *, exclude: Iterable[Span] = ()
    ) -> int:
        """Whole business seconds in ``[start, end)`` (floored), minus ``exclude`` spans.

        ``start`` after ``end`` gives the negated count of ``[end, start)``, as businesstime
        does, so a late answer's overshoot can be measured with the same call.
        """
        start_u, end_u = _as_utc(start, "start"), _as_utc(end, "end")
        if start_u > end_u:
            return -self.business_seconds_between(end_u, start_u, exclude=exclude)
        total = sum(
            (e - s for s, e in self.open_spans(start_u, end_u, exclude=exclude)), timedelta()
        )
        return total // _ONE_SECOND

    def business_seconds_in(
        self, intervals: Iterable[Span], *, exclude: Iterable[Span] = ()
    ) -> int:
        """Business seconds covered by ``intervals`` (overlaps counted once), e.g. the spans
        during which an SLA clock was running."""
        total = timedelta()
        excluded = list(exclude)
        for s, e in merge_spans(intervals):
            for a, b in self.open_spans(s, e, exclude=excluded):
                total += b - a
        return total // _ONE_SECOND

    def is_open(self, at: datetime, *, exclude: Iterable[Span] = ()) -> bool:
        at_u = _as_utc(at, "at")
        blocked = self._blocked_with(exclude)
        day = self._local_date(at_u)
        for d in (day - _ONE_DAY, day, day + _ONE_DAY):
            for s, e in blocked.cut(self._day_spans(d)):
                if s <= at_u < e:
                    return True
        return False

    def next_open(self, at: datetime, *, exclude: Iterable[Span] = ()) -> datetime:
        """``at`` itself (in UTC) if open, else the next moment the desk opens."""
        at_u = _as_utc(at, "at")
        if self._never_open():
            raise ValueError("the calendar has no opening hours at all")
        for _, (s, _e) in self._walk(at_u, self._blocked_with(exclude)):
            return s
        raise AssertionError("unreachable: _walk either yields or raises")

    def next_close(self, at: datetime, *, exclude: Iterable[Span] = ()) -> datetime:
        """End of the open span that contains ``at``, or of the next one."""
        at_u = _as_utc(at, "at")
        if self._never_open():
            raise ValueError("the calendar has no opening hours at all")
        previous_end: datetime | None = None
        for _, (s, e) in self._walk(at_u, self._blocked_with(exclude)):
            # Spans that touch (Mon 20:00-24:00, Tue 00:00-04:00) are one stretch of opening.
            if previous_end is not None and s > previous_end:
                return previous_end
            previous_end = e
        raise AssertionError("unreachable: _walk either yields or raises")

    def add_business_time(
        self, start: datetime, seconds: float | timedelta, *, exclude: Iterable[Span] = ()
    ) -> datetime:
        """The due moment (UTC): the earliest instant by which ``seconds`` of business time
        have elapsed since ``start``.

        So ``add(Fri 16:00, 1 h)`` with 08-17 hours is Fri 17:00, not Mon 08:00, and
        ``add(t, 0) == t``. ``exclude`` spans (pauses) do not count, like closures.
        """
        start_u = _as_utc(start, "start")
        remaining = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
        if remaining < timedelta():
            raise ValueError("seconds must not be negative")
        if not remaining:
            return start_u
        if self._never_open():
            raise ValueError("the calendar has no opening hours at all")
        blocked = self._blocked_with(exclude)
        week = self._week_total
        day = self._local_date(start_u) - _ONE_DAY
        idle = 0
        while True:
            if week and remaining > week:
                weeks = self._regular_weeks(day, start_u, blocked, (remaining - _TINY) // week)
                if weeks:
                    day += timedelta(days=7 * weeks)
                    remaining -= week * weeks
                    idle = 0
                    continue
            found = False
            for s, e in blocked.cut(self._day_spans(day)):
                if e <= start_u:
                    continue
                found = True
                s = max(s, start_u)
                if e - s >= remaining:
                    return s + remaining
                remaining -= e - s
            idle = 0 if found else idle + 1
            if idle > MAX_IDLE_DAYS:
                raise ValueError(
                    f"the calendar has no business time within {MAX_IDLE_DAYS} days "
                    f"after {start_u.isoformat()}"
                )
            day += _ONE_DAY

    def _regular_weeks(self, day: date, start: datetime, blocked: _Blocked, max_weeks: int) -> int:
        """How many whole weeks from ``day`` on hold exactly the weekly total of business time.

        A day is regular when no holiday, closed or extra open date, closure or pause touches it
        and the UTC offset does not change during it; then its business time is its wall-clock
        hours. Only bisections over cached sorted lists: no per-day probing.
        """
        if max_weeks <= 0:
            return 0
        day_start = self._day_start(day)
        if day_start < start:
            return 0
        horizon = min(date(day.year + 1, 1, 1), day + timedelta(days=7 * max_weeks))
        first_irregular = horizon
        for sorted_dates in (
            self.holidays_in(day.year),
            self._special,
            _irregular_dates(self.timezone, day.year),
        ):
            i = bisect.bisect_left(sorted_dates, day)
            if i < len(sorted_dates) and sorted_dates[i] < first_irregular:
                first_irregular = sorted_dates[i]
        i = blocked.first_after(day_start)
        if i < len(blocked.spans):
            # A fall-back across midnight can blur which date an instant belongs to; counting
            # the day before as irregular too is the cheap, safe side.
            touched = self._local_date(max(blocked.spans[i][0], day_start)) - _ONE_DAY
            first_irregular = min(first_irregular, touched)
        return max(0, min((first_irregular - day).days // 7, max_weeks))


# --------------------------------------------------------------------------- JSON parsing helpers


def _opt_str(value: object, path: str, problems: list[Problem]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.append(Problem(path, f"expected text, got {value!r}"))
        return None
    return value


def _parse_date(value: object, path: str, problems: list[Problem]) -> date | None:
    if not isinstance(value, str):
        problems.append(Problem(path, f"expected a date as 'YYYY-MM-DD', got {value!r}"))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(path, f"{value!r} is not a date 'YYYY-MM-DD'"))
        return None


def _parse_datetime(
    value: object, path: str, zone: ZoneInfo | None, problems: list[Problem]
) -> datetime | None:
    if not isinstance(value, str):
        problems.append(Problem(path, f"expected a date-time as 'YYYY-MM-DDTHH:MM', got {value!r}"))
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        problems.append(Problem(path, f"{value!r} is not a date-time 'YYYY-MM-DDTHH:MM[+HH:MM]'"))
        return None
    if parsed.tzinfo is None:
        if zone is None:
            problems.append(Problem(path, "a local time needs a valid calendar time zone"))
            return None
        return _first_instant(zone, parsed)
    return parsed.astimezone(UTC)


def _parse_hours_list(
    value: object, path: str, problems: list[Problem]
) -> tuple[Hours, ...] | None:
    if not isinstance(value, list):
        problems.append(Problem(path, 'expected a list of ["HH:MM", "HH:MM"] intervals'))
        return None
    out: list[Hours] = []
    ok = True
    for i, raw in enumerate(value):
        try:
            out.append(Hours.parse(raw))
        except ValueError as exc:
            problems.append(Problem(f"{path}[{i}]", str(exc)))
            ok = False
    return tuple(out) if ok else None


def _parse_week(value: object, problems: list[Problem]) -> tuple[tuple[Hours, ...], ...]:
    if not isinstance(value, Mapping):
        problems.append(Problem("weekly_hours", 'expected {"mon": [["09:00", "17:00"]], ...}'))
        return _empty_week()
    for key in sorted(set(value) - set(WEEKDAYS), key=str):
        problems.append(
            Problem(f"weekly_hours.{key}", f"unknown weekday (use {', '.join(WEEKDAYS)})")
        )
    week: list[tuple[Hours, ...]] = []
    for name in WEEKDAYS:
        hours = _parse_hours_list(value.get(name, []), f"weekly_hours.{name}", problems)
        week.append(hours or ())
    return tuple(week)
