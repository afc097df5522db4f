"""The period a report covers: whole days in the desk's time zone. Pure.

A period is given as two dates, both included, read in the desk's time zone (a day in Hanoi
starts at 17:00 UTC the day before), and becomes a half-open range of aware datetimes so
that no moment falls into two adjacent periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.utils.translation import gettext as _

from tessera.core.errors import ValidationFailed

# A report over more than a year is rarely what anyone wants, and it bounds the per-day series.
MAX_DAYS = 366
PRESETS = (7, 30, 90)
EARLIEST = date(1970, 1, 1)
LATEST = date(9998, 12, 31)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) as aware datetimes."""
        return _midnight(self.start, zone), _midnight(self.end + timedelta(days=1), zone)

    def previous(self) -> Period:
        """The period of equal length just before this one (for "change against")."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def _midnight(day: date, zone: tzinfo) -> datetime:
    # Where midnight does not exist (a DST jump at 00:00) fold=0 lands just after the gap:
    # the day still starts at its first real instant.
    return datetime.combine(day, time.min, tzinfo=zone)


def last_days(days: int, today: date) -> Period:
    """The ``days`` days ending today."""
    return Period(today - timedelta(days=days - 1), today)


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            _("“%(value)s” is not a date; use YYYY-MM-DD") % {"value": value[:40]}, field=field
        ) from None


def parse_period(
    start: str | None, end: str | None, *, today: date, default_days: int = 30
) -> Period:
    """A period from user input. Missing ends default to today and ``default_days`` before
    the end; anything else that is not a sensible period is a ValidationFailed naming the field."""
    end_date = parse_date(end, "to") if end else today
    start_date = parse_date(start, "from") if start else end_date - timedelta(days=default_days - 1)
    return checked(Period(start_date, end_date))


def checked(period: Period) -> Period:
    if period.start > period.end:
        raise ValidationFailed(_("The start date is after the end date"), field="from")
    if period.days > MAX_DAYS:
        raise ValidationFailed(
            _("A report covers at most %(days)d days") % {"days": MAX_DAYS}, field="from"
        )
    # Far-off years only overflow somewhere (the previous period, the conversion to UTC).
    if period.start < EARLIEST + timedelta(days=period.days):
        raise ValidationFailed(_("The start date is too early"), field="from")
    if period.end > LATEST:
        raise ValidationFailed(_("The end date is too late"), field="to")
    return period
