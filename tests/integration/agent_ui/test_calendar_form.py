"""The business-calendar editor: validation on each field, and exact round trips of stored calendars."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django import forms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessera.agent_ui.calendar_forms import CalendarForm, parse_intervals
from tessera.sla.calendar import WEEKDAYS, BusinessCalendar

FULL = {
    "version": 1,
    "timezone": "Europe/Warsaw",
    "weekly_hours": {
        "mon": [["08:00", "12:00"], ["13:00", "17:00"]],
        "tue": [["08:00", "17:00"]],
        "wed": [["00:00", "24:00"]],
        "thu": [],
        "fri": [["08:00", "15:30"]],
        "sat": [],
        "sun": [],
    },
    "holidays": {"country": "PL", "subdivision": None, "categories": []},
    "closed_dates": ["2026-12-24", {"date": "2026-12-31", "label": "Sylwester"}],
    "closed_ranges": [
        {"start": "2026-06-04T12:00:00+02:00", "end": "2026-06-04T17:00:00+02:00", "label": "Przeprowadzka"},
        {"start": "2026-07-01T00:00:00+02:00", "end": "2026-07-04T00:00:00+02:00"},
        # One whole day written as a range: must stay a range.
        {"start": "2026-08-01T00:00:00+02:00", "end": "2026-08-02T00:00:00+02:00"},
    ],
    "open_dates": [{"date": "2026-06-06", "hours": [["09:00", "13:00"]]}],
}


def as_post(form: CalendarForm) -> dict[str, Any]:
    """What a browser submits for the form as rendered, untouched."""
    post: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value in (None, "", False):
            continue
        key = form.add_prefix(name)
        if isinstance(field, forms.ChoiceField):
            post[key] = value
        elif value is True:
            post[key] = "on"
        else:
            post[key] = field.widget.format_value(value)
    return post


def submit(calendar: dict[str, Any] | None = None, **changes: str) -> CalendarForm:
    shown = CalendarForm(calendar=calendar or FULL)
    post = as_post(shown)
    post.update({f"cal-{k}": v for k, v in changes.items()})
    form = CalendarForm(post, calendar=calendar or FULL)
    form.is_valid()
    return form


@pytest.mark.parametrize(
    "calendar",
    [
        FULL,
        {"version": 1, "timezone": "UTC", "weekly_hours": {d: [] for d in WEEKDAYS}, "holidays": None,
         "closed_dates": [], "closed_ranges": [], "open_dates": [{"date": "2026-01-03", "hours": [["08:00", "12:00"]]}]},
        {"version": 1, "timezone": "Asia/Bangkok", "weekly_hours": {d: [["00:00", "24:00"]] for d in WEEKDAYS},
         "holidays": {"country": "TH", "subdivision": None, "categories": ["government", "public"]},
         "closed_dates": [], "closed_ranges": [], "open_dates": []},
        {"version": 1, "timezone": "Europe/Berlin", "weekly_hours": {d: [["09:00", "17:00"]] for d in WEEKDAYS},
         "holidays": {"country": "DE", "subdivision": "BY", "categories": []},
         "closed_dates": [], "closed_ranges": [], "open_dates": []},
        # An alpha-3 code the holidays package accepts although the select lists alpha-2 codes.
        {"version": 1, "timezone": "Asia/Ho_Chi_Minh", "weekly_hours": {d: [["08:00", "17:00"]] for d in WEEKDAYS},
         "holidays": {"country": "VNM", "subdivision": None, "categories": []},
         "closed_dates": [], "closed_ranges": [], "open_dates": []},
    ],
)
def test_an_untouched_form_saves_the_stored_calendar_exactly(calendar: dict[str, Any]) -> None:
    canonical = BusinessCalendar.from_dict(calendar).to_dict()
    assert canonical == calendar
    form = submit(calendar)
    assert form.errors == {}
    assert form.calendar == calendar
    assert BusinessCalendar.from_dict(form.calendar).to_dict() == form.calendar


def test_what_is_typed_is_saved_in_canonical_form() -> None:
    form = submit(
        hours_mon="13:00 - 17:00\n8:00\u201312:00", hours_tue="08:00-12:00, 12:00-16:00", hours_sat="",
        holiday_country="VN", timezone="Asia/Ho_Chi_Minh",
        closure_5_from="2027-02-05", closure_5_to="2027-02-09", closure_5_label="Tết Đinh Mùi",
        closure_6_from="2027-03-01", closure_6_from_time="13:00", closure_6_label="Họp toàn công ty",
        open_1_date="2027-02-13", open_1_hours="08:00-12:00",
    )
    assert form.errors == {}
    saved = form.calendar
    assert saved is not None
    assert saved["timezone"] == "Asia/Ho_Chi_Minh"
    assert saved["weekly_hours"]["mon"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert saved["weekly_hours"]["tue"] == [["08:00", "16:00"]]  # touching intervals join
    assert saved["holidays"] == {"country": "VN", "subdivision": None, "categories": []}
    assert {"start": "2027-02-05T00:00:00+07:00", "end": "2027-02-10T00:00:00+07:00", "label": "Tết Đinh Mùi"} in saved["closed_ranges"]
    assert {"start": "2027-03-01T13:00:00+07:00", "end": "2027-03-02T00:00:00+07:00", "label": "Họp toàn công ty"} in saved["closed_ranges"]
    assert {"date": "2027-02-13", "hours": [["08:00", "12:00"]]} in saved["open_dates"]
    assert BusinessCalendar.from_dict(saved).to_dict() == saved


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "not a known time zone"),
        ({"hours_mon": "08:00-13:00\n12:00-17:00"}, "hours_mon", "overlap"),
        ({"hours_tue": "17:00-08:00"}, "hours_tue", "end is not after the start"),
        ({"hours_wed": "09:00-09:00"}, "hours_wed", "end is not after the start"),
        ({"hours_thu": "8am-5pm"}, "hours_thu", "is not an interval"),
        ({"hours_fri": "08:00-25:00"}, "hours_fri", "not a time of day"),
        ({"hours_sat": "24:00-24:00"}, "hours_sat", "not a time of day"),
        ({"holiday_country": "XX"}, "holiday_country", "does not know the country"),
        ({"holiday_subdivision": "ZZ"}, "holiday_subdivision", "has no region"),
        ({"holiday_categories": "nope"}, "holiday_categories", "Unknown holiday categories"),
        ({"holiday_country": "", "holiday_subdivision": "BY"}, "holiday_subdivision", "Choose a country"),
        ({"closure_0_to": "2026-01-01"}, "closure_0_to", "ends before it starts"),
        ({"closure_9_label": "Bez daty"}, "closure_9_from", "first day"),
        ({"closure_9_from": "2026-02-30"}, "closure_9_from", "valid date"),
        ({"closure_9_from": "2026-05-05", "closure_9_from_time": "15:00", "closure_9_to_time": "09:00"}, "closure_9_to", "ends before it starts"),
        ({"open_9_hours": "08:00-12:00"}, "open_9_date", "date of the extra working day"),
        ({"open_9_date": "2026-05-09"}, "open_9_hours", "needs its opening hours"),
        ({"open_9_date": "2026-12-24", "open_9_hours": "08:00-12:00"}, "open_9_date", "also listed as closed"),
        ({"open_9_date": "2026-06-06", "open_9_hours": "08:00-12:00"}, "open_9_date", "listed twice"),
        ({"json_import": "{not json"}, "json_import", "not valid JSON"),
        ({"json_import": "[1, 2]"}, "json_import", "JSON object"),
        ({"json_import": json.dumps({"timezone": "Nowhere/City"})}, "json_import", "unknown time zone"),
    ],
)
def test_each_fault_is_reported_on_its_field(changes: dict[str, str], field: str, fragment: str) -> None:
    form = submit(**changes)
    assert not form.is_valid()
    assert form.calendar is None
    messages = " ".join(form.errors.get(field, []))
    assert fragment in messages, form.errors


def test_all_faults_are_reported_at_once() -> None:
    form = submit(timezone="Nowhere", hours_mon="9-5", hours_tue="12:00-08:00", holiday_country="XX")
    assert {"timezone", "hours_mon", "hours_tue", "holiday_country"} <= set(form.errors)


def test_json_import_replaces_the_fields_and_is_normalised() -> None:
    imported = {"timezone": "Asia/Bangkok", "weekly_hours": {"mon": [["09:00", "12:00"], ["12:00", "18:00"]]},
                "holidays": {"country": "th"}}
    form = submit(json_import=json.dumps(imported), hours_tue="garbage that the import overrides")
    # The fields are ignored when JSON is given, their faults with them.
    assert form.errors == {}
    assert form.calendar == BusinessCalendar.from_dict(imported).to_dict()
    assert form.calendar is not None
    assert form.calendar["weekly_hours"]["mon"] == [["09:00", "18:00"]]
    assert form.calendar["holidays"]["country"] == "TH"


def test_optional_calendar_switched_off_saves_nothing() -> None:
    shown = CalendarForm(calendar={}, optional_label="Only in these hours", default_timezone="Asia/Bangkok")
    assert shown["timezone"].value() == "Asia/Bangkok"
    assert shown["enabled"].value() is False
    post = as_post(shown)
    form = CalendarForm(post, calendar={}, optional_label="Only in these hours")
    assert form.is_valid(), form.errors
    assert form.calendar == {}
    post["cal-enabled"] = "on"
    form = CalendarForm(post, calendar={}, optional_label="Only in these hours")
    assert form.is_valid(), form.errors
    assert form.calendar == BusinessCalendar.uniform("Asia/Bangkok", "09:00", "17:00").to_dict()


def test_unreadable_stored_calendar_is_said_and_defaults_shown() -> None:
    form = CalendarForm(calendar={"timezone": "Nowhere/City"})
    assert form.load_problem is not None and "unknown time zone" in form.load_problem
    assert form["timezone"].value() == "UTC"


def test_country_select_puts_vietnam_thailand_poland_first() -> None:
    choices = CalendarForm(calendar=FULL).fields["holiday_country"].choices  # type: ignore[attr-defined]
    assert [c[0] for c in choices[:4]] == ["", "VN", "TH", "PL"]
    others = dict(choices[4][1])
    assert "DE" in others and "VN" not in others and len(others) > 150


def test_parse_intervals_accepts_dashes_and_separators() -> None:
    assert parse_intervals("8:00 \u2014 12:00; 13:00-17:00,\n\n18:00\u201324:00") == [
        ["08:00", "12:00"], ["13:00", "17:00"], ["18:00", "24:00"],
    ]
    assert parse_intervals("  ") == []


label_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40).map(str.strip)
minutes = st.integers(min_value=0, max_value=24 * 4).map(lambda q: q * 15)


@st.composite
def calendars(draw: st.DrawFn) -> dict[str, Any]:
    week: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        cuts = sorted(set(draw(st.lists(minutes, max_size=4))))
        pairs = [cuts[i:i + 2] for i in range(0, len(cuts) - 1, 2)]
        week[day] = [[f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}"] for a, b in pairs]
    days = draw(st.lists(st.integers(1, 28), max_size=3, unique=True))
    labels = draw(st.lists(label_text, min_size=len(days), max_size=len(days)))
    closed = [{"date": f"2026-03-{d:02d}", "label": lab} if lab else f"2026-03-{d:02d}" for d, lab in zip(days, labels, strict=True)]
    start = draw(st.integers(1, 20))
    length = draw(st.integers(1, 5))
    ranges = [{"start": f"2026-10-{start:02d}T00:00:00", "end": f"2026-10-{start + length:02d}T00:00:00",
               "label": draw(label_text)}]
    zone = draw(st.sampled_from(["Europe/Warsaw", "Asia/Bangkok", "Asia/Ho_Chi_Minh", "America/Santiago", "UTC"]))
    country = draw(st.sampled_from([None, "VN", "TH", "PL"]))
    return BusinessCalendar.from_dict({
        "timezone": zone, "weekly_hours": week, "closed_dates": closed, "closed_ranges": ranges,
        "holidays": {"country": country} if country else None,
    }).to_dict()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars())
def test_any_calendar_survives_the_form_unchanged(calendar: dict[str, Any]) -> None:
    form = submit(calendar)
    assert form.errors == {}
    assert form.calendar == calendar
