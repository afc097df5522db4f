"""One editor for business calendars: SLA policies' hours and agents' working hours.

The form reads and writes the dict of ``BusinessCalendar.to_dict``; what it saves is always
``from_dict(...).to_dict()`` of what was typed, so the stored dict round-trips exactly. It
works without JavaScript: a textarea per weekday (one ``08:00-12:00`` interval per line) and
rows of closures and extra working days, with a few blank rows to fill in; more blank rows
appear after each save. Every fault is reported on its field, in the admin's language.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import holidays
from django import forms
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tessera.sla.calendar import MAX_LABEL, WEEKDAYS, BusinessCalendar, CalendarError

# Blank rows offered for new closures and extra working days, and the most rows read back.
EXTRA_ROWS = 3
MAX_ROWS = 200
# Countries our users work in come first in the holiday select.
FIRST_COUNTRIES: dict[str, Promise] = {
    "VN": gettext_lazy("Vietnam"),
    "TH": gettext_lazy("Thailand"),
    "PL": gettext_lazy("Poland"),
}

# A hyphen, an en dash or an em dash between the times: people type all three.
_INTERVAL = re.compile("^(\\d{1,2}):(\\d{2})\\s*[-\u2013\u2014]\\s*(\\d{1,2}):(\\d{2})$")
_SEPARATORS = re.compile(r"[\n,;]+")
_MIDNIGHT = time(0, 0)


@functools.cache
def timezone_names() -> tuple[str, ...]:
    # "localtime" and "Factory" are tzdata oddities, not places anybody works.
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return ("UTC", *(n for n in names if n != "UTC"))


@functools.cache
def country_names() -> dict[str, str]:
    """ISO code -> English name of every country the holidays package knows."""
    supported = holidays.list_supported_countries()
    out: dict[str, str] = {}
    for class_name, code, *_rest in holidays.registry.COUNTRIES.values():
        if code in supported:
            # The registry names countries by class ("UnitedKingdom"); space the words.
            out[code] = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)
    return dict(sorted(out.items(), key=lambda item: item[1]))


def subdivisions(country: str) -> tuple[str, ...]:
    return tuple(holidays.list_supported_countries().get(country, ()))


def _country_choices(current: str | None) -> list[Any]:
    names = country_names()
    first = [(code, f"{label} ({code})") for code, label in FIRST_COUNTRIES.items()]
    rest = [(code, f"{name} ({code})") for code, name in names.items() if code not in FIRST_COUNTRIES]
    if current and current not in names and current not in FIRST_COUNTRIES:
        # A code the package accepts but the registry lists under another name (ISO alpha-3).
        rest.insert(0, (current, current))
    return [("", _("No public holidays")), *first, (_("Other countries"), rest)]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_intervals(text: str) -> list[list[str]]:
    """``"08:00-12:00, 13:00-17:00"`` (or one per line) -> ``[["08:00", "12:00"], ...]``.

    Raises ValidationError with one translated message per faulty interval.
    """
    errors: list[forms.ValidationError] = []
    spans: list[tuple[int, int, str]] = []
    for token in (t.strip() for t in _SEPARATORS.split(text or "")):
        if not token:
            continue
        match = _INTERVAL.match(token)
        if match is None:
            errors.append(forms.ValidationError(
                _("“%(value)s” is not an interval: write it as 08:00-12:00."), params={"value": token}
            ))
            continue
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
            errors.append(forms.ValidationError(
                _("“%(value)s” has a time that is not a time of day (00:00 to 24:00)."), params={"value": token}
            ))
            continue
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= end:
            errors.append(forms.ValidationError(
                _("In “%(value)s” the end is not after the start. Split a night shift at midnight: "
                  "22:00-24:00 on one day and 00:00-06:00 on the next."),
                params={"value": token},
            ))
            continue
        spans.append((start, end, token))
    spans.sort()
    for (_s1, e1, first), (s2, _e2, second) in itertools.pairwise(spans):
        if s2 < e1:
            errors.append(forms.ValidationError(
                _("“%(first)s” and “%(second)s” overlap."), params={"first": first, "second": second}
            ))
    if errors:
        raise forms.ValidationError(errors)
    return [[_hhmm(s), _hhmm(e)] for s, e, _token in spans]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class CalendarForm(forms.Form):
    """A business calendar as form fields; ``calendar`` holds the dict once the form is valid.

    ``optional_label`` adds a switch: off saves ``{}`` (agents' working hours: always working).
    """

    timezone = forms.ChoiceField(label=gettext_lazy("Time zone"))
    holiday_country = forms.ChoiceField(required=False, label=gettext_lazy("Public holidays of"))
    holiday_subdivision = forms.CharField(
        required=False, max_length=16, label=gettext_lazy("Region (optional)"),
        help_text=gettext_lazy("A region code for regional holidays, such as BY for Bavaria."),
    )
    holiday_categories = forms.CharField(
        required=False, max_length=200, label=gettext_lazy("Holiday categories (optional)"),
        help_text=gettext_lazy("Comma separated, such as public, government. Empty: public holidays."),
    )
    json_import = forms.CharField(
        required=False, max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        label=gettext_lazy("Import a calendar as JSON (replaces everything above)"),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        calendar: Mapping[str, Any] | None = None,
        optional_label: str | None = None,
        default_timezone: str = "UTC",
        prefix: str = "cal",
    ) -> None:
        self.optional = optional_label is not None
        self.load_problem: str | None = None
        self.calendar: dict[str, Any] | None = None
        self.stored: dict[str, Any] = {}
        stored = dict(calendar or {})
        initial = self._initial_from(stored, default_timezone)
        super().__init__(data, prefix=prefix, initial=initial)
        zone_field = self.fields["timezone"]
        country_field = self.fields["holiday_country"]
        assert isinstance(zone_field, forms.ChoiceField) and isinstance(country_field, forms.ChoiceField)
        zone_field.choices = [(z, z) for z in timezone_names()]
        zone_field.error_messages["invalid_choice"] = _(
            "“%(value)s” is not a known time zone; choose one from the list."
        )
        country_field.choices = _country_choices(initial.get("holiday_country"))
        country_field.error_messages["invalid_choice"] = _(
            "The holiday calendar does not know the country “%(value)s”."
        )
        if self.optional:
            self.fields["enabled"] = forms.BooleanField(required=False, label=optional_label)
            self.order_fields(["enabled"])
        for index, name in enumerate(WEEKDAYS):
            self.fields[f"hours_{name}"] = forms.CharField(
                required=False, max_length=500, label=WEEKDAY_NAMES[index],
                # No placeholder: greyed-out hours in an empty (closed) day read as opening hours.
                widget=forms.Textarea(attrs={"rows": 2, "cols": 14, "spellcheck": "false"}),
            )
        self.closure_count = self._row_count("closure", len(initial.get("_closures", [])))
        self.open_count = self._row_count("open", len(initial.get("_opens", [])))
        self.fields["holiday_subdivision"].widget.attrs["list"] = f"{self.prefix}-subdivisions"
        row_labels = {"from": _("First day"), "from_time": _("From (time)"), "to": _("Last day"),
                      "to_time": _("Until (time)"), "label": _("Label")}
        for i in range(self.closure_count):
            for key, label in row_labels.items():
                field: forms.Field
                if key == "label":
                    field = forms.CharField(required=False, max_length=MAX_LABEL)
                elif key.endswith("time"):
                    field = forms.TimeField(required=False, widget=_time_input())
                else:
                    field = forms.DateField(required=False, widget=_date_input())
                # Rows are table cells without a <label>: name each input for screen readers.
                field.label = label
                field.widget.attrs["aria-label"] = label
                self.fields[f"closure_{i}_{key}"] = field
        for i in range(self.open_count):
            self.fields[f"open_{i}_date"] = forms.DateField(
                required=False, label=_("Date"), widget=_date_input()
            )
            self.fields[f"open_{i}_date"].widget.attrs["aria-label"] = _("Date")
            self.fields[f"open_{i}_hours"] = forms.CharField(
                required=False, max_length=500, label=_("Hours"),
                widget=forms.TextInput(attrs={"placeholder": "08:00-12:00, 13:00-17:00", "aria-label": _("Hours")}),
            )

    # ------------------------------------------------------------------ reading a stored dict

    def _initial_from(self, stored: dict[str, Any], default_timezone: str) -> dict[str, Any]:
        calendar: BusinessCalendar | None = None
        if stored:
            try:
                calendar = BusinessCalendar.from_dict(stored)
            except CalendarError as error:
                self.load_problem = str(error)
        if calendar is not None:
            self.stored = calendar.to_dict()
        else:
            zone = default_timezone if default_timezone in timezone_names() else "UTC"
            calendar = BusinessCalendar.uniform(zone, "09:00", "17:00")
        initial: dict[str, Any] = {
            "enabled": bool(stored),
            "timezone": calendar.timezone,
            "holiday_country": calendar.holiday_country or "",
            "holiday_subdivision": calendar.holiday_subdivision or "",
            "holiday_categories": ", ".join(calendar.holiday_categories),
        }
        for name, day in zip(WEEKDAYS, calendar.weekly_hours, strict=True):
            initial[f"hours_{name}"] = "\n".join(str(h) for h in day)
        closures = self._closure_rows(calendar)
        for i, row in enumerate(closures):
            for key, value in row.items():
                initial[f"closure_{i}_{key}"] = value
        for i, (extra_day, hours) in enumerate(calendar.open_dates):
            initial[f"open_{i}_date"] = extra_day
            initial[f"open_{i}_hours"] = ", ".join(str(h) for h in hours)
        initial["_closures"] = closures
        initial["_opens"] = calendar.open_dates
        return initial

    @staticmethod
    def _closure_rows(calendar: BusinessCalendar) -> list[dict[str, Any]]:
        date_labels = dict(calendar.closed_date_labels)
        range_labels = dict(calendar.closed_range_labels)
        rows: list[dict[str, Any]] = [
            {"from": d, "label": date_labels.get(d, "")} for d in sorted(calendar.closed_dates)
        ]
        for start, end in calendar.closed_ranges:
            local_start, local_end = start.astimezone(calendar.zone), end.astimezone(calendar.zone)
            label = range_labels.get((start, end), "")
            whole_days = local_start.time() == _MIDNIGHT and local_end.time() == _MIDNIGHT
            if whole_days and (local_end.date() - local_start.date()).days > 1:
                rows.append({"from": local_start.date(), "to": local_end.date() - timedelta(days=1), "label": label})
            else:
                # One whole day written as a range stays a range: shown with its times, it is
                # saved back exactly as it was.
                rows.append({
                    "from": local_start.date(), "from_time": local_start.time().replace(tzinfo=None),
                    "to": local_end.date(), "to_time": local_end.time().replace(tzinfo=None), "label": label,
                })
        rows.sort(key=lambda row: (row["from"], row.get("from_time") or _MIDNIGHT))
        return rows

    def _row_count(self, kind: str, stored: int) -> int:
        if not self.is_bound:
            return stored + EXTRA_ROWS
        # Rows are counted from the keys posted, so rows a script added are read as well.
        row = re.compile(rf"^{re.escape(self.add_prefix(kind))}_(\d+)_")
        highest = -1
        for key in self.data:
            match = row.match(key)
            if match:
                highest = max(highest, int(match.group(1)))
        return min(highest + 1, MAX_ROWS)

    # ------------------------------------------------------------------ rows for the template

    def weekday_fields(self) -> list[forms.BoundField]:
        return [self[f"hours_{name}"] for name in WEEKDAYS]

    def closure_headers(self) -> list[str]:
        return [_("First day"), _("From (time)"), _("Last day"), _("Until (time)"), _("Label")]

    def closure_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"closure_{i}_{key}"] for key in ("from", "from_time", "to", "to_time", "label")]
            for i in range(self.closure_count)
        ]

    def open_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"open_{i}_date"], self[f"open_{i}_hours"]] for i in range(self.open_count)]

    def subdivision_options(self) -> tuple[str, ...]:
        country = self["holiday_country"].value() or ""
        return subdivisions(str(country))

    def export_json(self) -> str:
        """The stored calendar as JSON, for copying to another policy or another desk."""
        return json.dumps(self.stored, indent=2, ensure_ascii=False)

    def make_read_only(self) -> None:
        for field in self.fields.values():
            field.disabled = True

    # ------------------------------------------------------------------ validation

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = (data.get("json_import") or "").strip()
        if raw:
            self._import(raw)
            return data
        if self.optional and not data.get("enabled"):
            self.calendar = {}
            return data
        try:
            self.calendar = self._build(data)
        except CalendarError as error:
            self._report(error)
        return data

    def _import(self, raw: str) -> None:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            self.add_error("json_import", _("This is not valid JSON: %(error)s") % {"error": error})
            return
        if not isinstance(value, dict):
            self.add_error("json_import", _("A calendar must be a JSON object."))
            return
        if self.optional and not value:
            self.calendar = {}
            return
        try:
            self.calendar = BusinessCalendar.from_dict(value).to_dict()
        except CalendarError as error:
            self.add_error("json_import", _("The calendar is not valid: %(problems)s") % {"problems": error})

    def _build(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The calendar dict the fields describe, normalised by a ``from_dict`` round trip.

        Faults go to their fields (translated); CalendarError is raised once all are found.
        """
        faulty = False

        def fail(field: str, message: str) -> None:
            nonlocal faulty
            faulty = True
            self.add_error(field, message)

        week: dict[str, list[list[str]]] = {}
        for name in WEEKDAYS:
            try:
                week[name] = parse_intervals(data.get(f"hours_{name}") or "")
            except forms.ValidationError as error:
                for message in error.messages:
                    fail(f"hours_{name}", message)

        country = (data.get("holiday_country") or "").strip().upper() or None
        subdivision = (data.get("holiday_subdivision") or "").strip() or None
        categories = [c.strip().lower() for c in (data.get("holiday_categories") or "").split(",") if c.strip()]
        holiday: dict[str, Any] | None = None
        if country is None:
            if subdivision:
                fail("holiday_subdivision", _("Choose a country for the regional holidays."))
            if categories:
                fail("holiday_categories", _("Choose a country for the holiday categories."))
        else:
            known = subdivisions(country)
            if subdivision and subdivision.upper() not in {s.upper() for s in known}:
                fail("holiday_subdivision", _("%(country)s has no region “%(code)s”. Known regions: %(known)s.") % {
                    "country": country, "code": subdivision, "known": ", ".join(known) or "—",
                })
            supported = _supported_categories(country)
            unknown = [c for c in categories if c not in supported]
            if unknown:
                fail("holiday_categories", _("Unknown holiday categories for %(country)s: %(unknown)s. Known: %(known)s.") % {
                    "country": country, "unknown": ", ".join(unknown), "known": ", ".join(supported),
                })
            holiday = {"country": country, "subdivision": subdivision, "categories": categories}

        closed_dates: list[Any] = []
        closed_ranges: list[dict[str, str]] = []
        for i in range(self.closure_count):
            if any(f"closure_{i}_{key}" in self.errors for key in ("from", "from_time", "to", "to_time", "label")):
                faulty = True
                continue
            entry = self._closure(data, i, fail)
            if isinstance(entry, dict) and "start" in entry:
                closed_ranges.append(entry)
            elif entry is not None:
                closed_dates.append(entry)

        open_dates: list[dict[str, Any]] = []
        seen: set[date] = set()
        closed_days = {e["date"] if isinstance(e, dict) else e for e in closed_dates}
        for i in range(self.open_count):
            if f"open_{i}_date" in self.errors or f"open_{i}_hours" in self.errors:
                faulty = True
                continue
            day, text = data.get(f"open_{i}_date"), data.get(f"open_{i}_hours") or ""
            if day is None and not text.strip():
                continue
            if day is None:
                fail(f"open_{i}_date", _("Give the date of the extra working day."))
                continue
            try:
                hours = parse_intervals(text)
            except forms.ValidationError as error:
                for message in error.messages:
                    fail(f"open_{i}_hours", message)
                continue
            if not hours:
                fail(f"open_{i}_hours", _("An extra working day needs its opening hours."))
            elif day in seen:
                fail(f"open_{i}_date", _("%(date)s is listed twice.") % {"date": day.isoformat()})
            elif day.isoformat() in closed_days:
                fail(f"open_{i}_date", _("%(date)s is also listed as closed.") % {"date": day.isoformat()})
            else:
                seen.add(day)
                open_dates.append({"date": day.isoformat(), "hours": hours})

        built = {
            "version": 1,
            "timezone": data.get("timezone") or "UTC",
            "weekly_hours": week,
            "holidays": holiday,
            "closed_dates": closed_dates,
            "closed_ranges": closed_ranges,
            "open_dates": open_dates,
        }
        if faulty or self.errors:
            raise CalendarError([])
        return BusinessCalendar.from_dict(built).to_dict()

    @staticmethod
    def _closure(data: Mapping[str, Any], i: int, fail: Callable[[str, str], None]) -> Any:
        """One closure row as a ``closed_dates`` entry, a ``closed_ranges`` entry, or None."""
        first: date | None = data.get(f"closure_{i}_from")
        first_time: time | None = data.get(f"closure_{i}_from_time")
        last: date | None = data.get(f"closure_{i}_to")
        last_time: time | None = data.get(f"closure_{i}_to_time")
        label = (data.get(f"closure_{i}_label") or "").strip()
        if first is None:
            if last or first_time or last_time or label:
                fail(f"closure_{i}_from", _("Give the first day of the closure."))
            return None
        if first_time is None and last_time is None:
            end_day = last or first
            if end_day < first:
                fail(f"closure_{i}_to", _("The closure ends before it starts."))
                return None
            if end_day == first:
                return {"date": first.isoformat(), "label": label} if label else first.isoformat()
            start = datetime.combine(first, _MIDNIGHT)
            end = datetime.combine(end_day + timedelta(days=1), _MIDNIGHT)
        else:
            start = datetime.combine(first, first_time or _MIDNIGHT)
            end_day = last or first
            end = (datetime.combine(end_day, last_time) if last_time is not None
                   else datetime.combine(end_day + timedelta(days=1), _MIDNIGHT))
            if end <= start:
                fail(f"closure_{i}_to", _("The closure ends before it starts."))
                return None
        entry = {"start": start.isoformat(), "end": end.isoformat()}
        if label:
            entry["label"] = label
        return entry

    def _report(self, error: CalendarError) -> None:
        """Faults the field checks above did not catch, worded by the calendar itself."""
        targets = {"timezone": "timezone", "holidays.country": "holiday_country",
                   "holidays.subdivision": "holiday_subdivision", "holidays.categories": "holiday_categories"}
        targets |= {f"weekly_hours.{name}": f"hours_{name}" for name in WEEKDAYS}
        for problem in error.problems:
            field = next((f for path, f in targets.items() if problem.path.startswith(path)), None)
            if field is not None and field not in self.errors:
                self.add_error(field, problem.message)
            elif field is None:
                self.add_error(None, str(problem))


@functools.cache
def _supported_categories(country: str) -> tuple[str, ...]:
    try:
        found: Sequence[str] = holidays.country_holidays(country).supported_categories
    except NotImplementedError:
        return ()
    return tuple(sorted(found))
