"""Why a deadline falls where it does: structured pieces for the UI, plus an English rendering.

Pure module. The pieces carry codes and parameters, not sentences, so the agent UI can translate
them; :meth:`DueExplanation.text` is the English fallback (logs, API, tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tessera.sla.calendar import BusinessCalendar, Span, merge_spans

__all__ = ["DueExplanation", "Skipped", "explain_due", "format_business_duration"]

SkipCode = Literal["weekend", "closed_weekdays", "holiday", "closed_date", "closure", "pause"]

# Our UI language codes to the locale names the holidays package uses for holiday names.
_HOLIDAY_LANGUAGE = {"en": "en_US", "vi": "vi", "th": "th", "pl": "pl"}
_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Skipped:
    """One stretch the clock did not count: whole days (dates) or a closure/pause (instants)."""

    code: SkipCode
    first: date | datetime
    last: date | datetime
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "name": self.name,
        }


@dataclass(frozen=True, slots=True)
class DueExplanation:
    timezone: str
    start: datetime
    due: datetime
    business_seconds: int
    skipped: tuple[Skipped, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "start": self.start.isoformat(),
            "due": self.due.isoformat(),
            "business_seconds": self.business_seconds,
            "skipped": [s.to_dict() for s in self.skipped],
        }

    def text(self) -> str:
        """English, e.g. ``due Mon 2026-05-04 09:00 (Europe/Warsaw): 4 business hours from
        Thu 2026-04-30 15:00, 2026-05-01 holiday (Labour Day) skipped, weekend skipped``."""
        zone = ZoneInfo(self.timezone)
        parts = [
            f"due {_when(self.due.astimezone(zone))} ({self.timezone}): "
            f"{format_business_duration(self.business_seconds)} "
            f"from {_when(self.start.astimezone(zone))}"
        ]
        for s in self.skipped:
            parts.append(_render(s, zone))
        return ", ".join(parts)


def _when(moment: datetime) -> str:
    return f"{_DAY_ABBR[moment.weekday()]} {moment:%Y-%m-%d %H:%M}"


def _day_range(first: date, last: date) -> str:
    if first == last:
        return f"{_DAY_ABBR[first.weekday()]} {first.isoformat()}"
    return (
        f"{_DAY_ABBR[first.weekday()]} {first.isoformat()} to "
        f"{_DAY_ABBR[last.weekday()]} {last.isoformat()}"
    )


def _render(s: Skipped, zone: ZoneInfo) -> str:
    if s.code == "weekend" or s.code == "closed_weekdays":
        assert isinstance(s.first, date) and isinstance(s.last, date)
        label = "weekend" if s.code == "weekend" else "non-working days"
        return f"{label} skipped ({_day_range(s.first, s.last)})"
    if s.code == "holiday":
        assert isinstance(s.first, date)
        return f"{s.first.isoformat()} holiday ({s.name}) skipped"
    if s.code == "closed_date":
        assert isinstance(s.first, date)
        return f"{s.first.isoformat()} closed skipped"
    assert isinstance(s.first, datetime) and isinstance(s.last, datetime)
    label = "closure" if s.code == "closure" else "pause"
    return f"{label} {_when(s.first.astimezone(zone))} to {_when(s.last.astimezone(zone))} skipped"


def format_business_duration(seconds: int) -> str:
    """``4 business hours``, ``1 business hour 30 minutes``, ``45 business minutes``."""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    sign = "-" if seconds < 0 else ""
    if hours:
        out = f"{sign}{hours} business hour{'s' if hours != 1 else ''}"
        if minutes:
            out += f" {minutes} minute{'s' if minutes != 1 else ''}"
    elif minutes:
        out = f"{sign}{minutes} business minute{'s' if minutes != 1 else ''}"
    else:
        return f"{sign}{secs} business second{'s' if secs != 1 else ''}"
    if secs:
        out += f" {secs} second{'s' if secs != 1 else ''}"
    return out


def explain_due(
    calendar: BusinessCalendar,
    start: datetime,
    seconds: int,
    *,
    exclude: Iterable[Span] = (),
    language: str = "en",
) -> DueExplanation:
    """Compute the due moment of ``seconds`` business time from ``start`` and say why.

    Skipped whole days are the local dates from start to due that had no hours (weekend runs
    grouped, holidays named in ``language`` where the holidays package has it); closures and
    pauses are listed when they overlap the start-to-due stretch.
    """
    pauses = merge_spans(exclude)
    due = calendar.add_business_time(start, seconds, exclude=pauses)
    start_u = start.astimezone(due.tzinfo)
    zone = calendar.zone
    first_day = start_u.astimezone(zone).date()
    last_day = due.astimezone(zone).date()
    holiday_language = _HOLIDAY_LANGUAGE.get(language, language)

    skipped: list[Skipped] = []
    run: list[date] = []

    def flush() -> None:
        if run:
            weekend = all(d.weekday() >= 5 for d in run)
            skipped.append(Skipped("weekend" if weekend else "closed_weekdays", run[0], run[-1]))
            run.clear()

    day = first_day
    while day <= last_day:
        info = calendar.describe_day(day, holiday_language)
        if info.reason == "weekly_closed":
            run.append(day)
        else:
            flush()
            if info.reason == "holiday":
                skipped.append(Skipped("holiday", day, day, info.holiday_name))
            elif info.reason == "closed":
                skipped.append(Skipped("closed_date", day, day))
        day += timedelta(days=1)
    flush()

    groups: tuple[tuple[SkipCode, Sequence[Span]], ...] = (
        ("closure", calendar.closed_ranges),
        ("pause", pauses),
    )
    for code, spans in groups:
        for s, e in spans:
            if s < due and e > start_u:
                skipped.append(Skipped(code, s, e))

    def order(item: Skipped) -> datetime:
        if isinstance(item.first, datetime):
            return item.first
        return datetime.combine(item.first, datetime.min.time(), tzinfo=zone)

    skipped.sort(key=order)
    return DueExplanation(
        timezone=calendar.timezone,
        start=start_u,
        due=due,
        business_seconds=seconds,
        skipped=tuple(skipped),
    )
