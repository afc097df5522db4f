"""Business calendar: seed examples, DST days, closures, pauses, JSON form and validation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tessera.core.errors import ValidationFailed
from tessera.sla.calendar import BusinessCalendar, CalendarError, Hours
from tessera.sla.explain import explain_due, format_business_duration

WAW = ZoneInfo("Europe/Warsaw")
NYC = ZoneInfo("America/New_York")
HOUR = 3600


def only_on(weekday: int, *hours: Hours, tz: str) -> BusinessCalendar:
    week = tuple(tuple(hours) if i == weekday else () for i in range(7))
    return BusinessCalendar(timezone=tz, weekly_hours=week)


# --------------------------------------------------------------------------- seed example


def test_seed_friday_afternoon_to_monday_morning_is_two_hours() -> None:
    cal = BusinessCalendar.uniform("Europe/Warsaw", "08:00", "17:00")
    fri = datetime(2026, 5, 8, 16, 0, tzinfo=WAW)
    mon = datetime(2026, 5, 11, 9, 0, tzinfo=WAW)
    assert cal.business_seconds_between(fri, mon) == 2 * HOUR
    due = cal.add_business_time(fri, 2 * HOUR)
    assert due == mon
    assert due.tzinfo is UTC


def test_due_is_the_earliest_moment_not_the_next_opening() -> None:
    cal = BusinessCalendar.uniform("Europe/Warsaw", "08:00", "17:00")
    fri = datetime(2026, 5, 8, 16, 0, tzinfo=WAW)
    assert cal.add_business_time(fri, HOUR) == datetime(2026, 5, 8, 17, 0, tzinfo=WAW)
    assert cal.add_business_time(fri, 0) == fri
    # Received on Saturday: the clock starts Monday at opening.
    sat = datetime(2026, 5, 9, 11, 0, tzinfo=WAW)
    assert cal.add_business_time(sat, 1) == datetime(2026, 5, 11, 8, 0, 1, tzinfo=WAW)


def test_split_day_and_reversed_interval_is_negative() -> None:
    cal = BusinessCalendar.from_dict(
        {
            "timezone": "Asia/Bangkok",
            "weekly_hours": {d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue")},
        }
    )
    bkk = ZoneInfo("Asia/Bangkok")
    a = datetime(2026, 6, 1, 11, 0, tzinfo=bkk)  # Monday
    b = datetime(2026, 6, 1, 14, 0, tzinfo=bkk)
    assert cal.business_seconds_between(a, b) == 2 * HOUR  # lunch 12-13 is closed
    assert cal.business_seconds_between(b, a) == -2 * HOUR
    assert not cal.is_open(datetime(2026, 6, 1, 12, 30, tzinfo=bkk))
    assert cal.next_open(datetime(2026, 6, 1, 12, 30, tzinfo=bkk)) == datetime(
        2026, 6, 1, 13, 0, tzinfo=bkk
    )
    assert cal.next_close(a) == datetime(2026, 6, 1, 12, 0, tzinfo=bkk)
    # Tuesday 17:00 -> next Monday 08:00.
    tue_evening = datetime(2026, 6, 2, 17, 0, tzinfo=bkk)
    assert cal.next_open(tue_evening) == datetime(2026, 6, 8, 8, 0, tzinfo=bkk)


def test_overnight_shift_with_24_00_is_one_stretch() -> None:
    cal = BusinessCalendar.from_dict(
        {
            "timezone": "Europe/Warsaw",
            "weekly_hours": {"mon": [["20:00", "24:00"]], "tue": [["00:00", "04:00"]]},
        }
    )
    mon = datetime(2026, 6, 1, 21, 0, tzinfo=WAW)
    assert cal.next_close(mon) == datetime(2026, 6, 2, 4, 0, tzinfo=WAW)
    assert cal.add_business_time(mon, 5 * HOUR) == datetime(2026, 6, 2, 2, 0, tzinfo=WAW)
    assert cal.weekly_seconds == 8 * HOUR


def test_24_7_counts_elapsed_time_and_any_input_zone() -> None:
    cal = BusinessCalendar.always_open("Asia/Ho_Chi_Minh")
    a = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    b = datetime(2026, 1, 20, 5, 30, tzinfo=NYC)
    assert cal.business_seconds_between(a, b) == int((b - a).total_seconds())
    assert cal.is_open(a)


def test_long_durations_skip_weeks_and_still_invert() -> None:
    cal = BusinessCalendar.uniform("Europe/Warsaw", "08:00", "16:00", holiday_country="PL")
    start = datetime(2026, 1, 5, 8, 0, tzinfo=WAW)
    # 300 business days of 8 h: crosses both DST changes, Easter, May, November, Christmas.
    seconds = 300 * 8 * HOUR
    due = cal.add_business_time(start, seconds)
    assert cal.business_seconds_between(start, due) == seconds
    assert cal.business_seconds_between(start, due - timedelta(seconds=1)) == seconds - 1
    # From Mon 5 Jan to the end of 2026: 259 weekdays, less 7 weekday holidays (6 Jan, Easter
    # Monday, 1 May, Corpus Christi 4 Jun, 11 Nov, 24 Dec [a holiday since 2025], 25 Dec).
    year_end = datetime(2027, 1, 1, tzinfo=WAW)
    assert cal.business_seconds_between(start, year_end) == 252 * 8 * HOUR


def test_rejects_naive_datetimes_and_negative_durations() -> None:
    cal = BusinessCalendar.uniform("UTC")
    with pytest.raises(ValueError, match="aware"):
        cal.business_seconds_between(datetime(2026, 1, 1), datetime(2026, 1, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="negative"):
        cal.add_business_time(datetime(2026, 1, 1, tzinfo=UTC), -1)


def test_never_open_calendar_refuses_instead_of_looping() -> None:
    cal = BusinessCalendar(timezone="UTC")
    with pytest.raises(ValueError, match="no opening hours"):
        cal.add_business_time(datetime(2026, 1, 1, tzinfo=UTC), 60)
    closed_forever = BusinessCalendar.uniform(
        "UTC",
        closed_ranges=((datetime(2026, 1, 1, tzinfo=UTC), datetime(2099, 1, 1, tzinfo=UTC)),),
    )
    with pytest.raises(ValueError, match="no business time within"):
        closed_forever.next_open(datetime(2026, 1, 1, tzinfo=UTC))
    assert (
        closed_forever.business_seconds_between(
            datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
        )
        == 0
    )


# --------------------------------------------------------------------------- DST


class TestWarsawDst:
    # 2026-03-29: 02:00 CET -> 03:00 CEST. 2026-10-25: 03:00 CEST -> 02:00 CET. Both Sundays.
    SPRING = date(2026, 3, 29)
    FALL = date(2026, 10, 25)

    def day(self, d: date) -> tuple[datetime, datetime]:
        start = datetime(d.year, d.month, d.day, tzinfo=WAW)
        return start, datetime.combine(d + timedelta(days=1), datetime.min.time(), tzinfo=WAW)

    @pytest.mark.parametrize(
        ("hours", "spring", "fall"),
        [
            (Hours(60, 240), 2 * HOUR, 4 * HOUR),  # 01:00-04:00 spans the changed hour
            (Hours(120, 180), 0, 2 * HOUR),  # 02:00-03:00 does not exist / happens twice
            (Hours(150, 300), 2 * HOUR, int(3.5 * HOUR)),  # 02:30-05:00
            (Hours(480, 1020), 9 * HOUR, 9 * HOUR),  # 08:00-17:00 unaffected
            (Hours(0, 1440), 23 * HOUR, 25 * HOUR),  # the whole day
        ],
    )
    def test_day_lengths(self, hours: Hours, spring: int, fall: int) -> None:
        cal = only_on(6, hours, tz="Europe/Warsaw")
        assert cal.business_seconds_between(*self.day(self.SPRING)) == spring
        assert cal.business_seconds_between(*self.day(self.FALL)) == fall

    def test_opening_inside_the_gap_opens_at_the_jump(self) -> None:
        cal = only_on(6, Hours(150, 300), tz="Europe/Warsaw")
        start, _ = self.day(self.SPRING)
        assert cal.next_open(start) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST

    def test_repeated_hour_stays_open_and_due_uses_real_time(self) -> None:
        cal = only_on(6, Hours(60, 240), tz="Europe/Warsaw")
        start, _ = self.day(self.FALL)
        # 01:00 CEST + 3 business hours = 02:00 UTC = 03:00 CET (the wall clock says 3, not 4).
        due = cal.add_business_time(start, 3 * HOUR)
        assert due == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
        assert due.astimezone(WAW).hour == 3
        # The second 02:15 (CET, fold=1) is open: the desk opened at 01:00 and has not closed.
        assert cal.is_open(datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=WAW))
        assert cal.is_open(datetime(2026, 10, 25, 2, 15, fold=0, tzinfo=WAW))

    def test_weekday_hours_across_the_dst_weekends(self) -> None:
        cal = BusinessCalendar.uniform("Europe/Warsaw", "08:00", "17:00")
        for fri, mon in (
            (date(2026, 3, 27), date(2026, 3, 30)),
            (date(2026, 10, 23), date(2026, 10, 26)),
        ):
            a = datetime(fri.year, fri.month, fri.day, 16, tzinfo=WAW)
            b = datetime(mon.year, mon.month, mon.day, 9, tzinfo=WAW)
            assert cal.business_seconds_between(a, b) == 2 * HOUR
            assert cal.add_business_time(a, 2 * HOUR) == b


class TestNewYorkDst:
    # 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST. Both Sundays.
    def test_whole_day_is_23_and_25_hours(self) -> None:
        cal = BusinessCalendar.always_open("America/New_York")
        for d, hours in ((date(2026, 3, 8), 23), (date(2026, 11, 1), 25), (date(2026, 11, 2), 24)):
            a = datetime(d.year, d.month, d.day, tzinfo=NYC)
            b = datetime.combine(d + timedelta(days=1), datetime.min.time(), tzinfo=NYC)
            assert cal.business_seconds_between(a, b) == hours * HOUR

    def test_hours_spanning_two_to_three(self) -> None:
        cal = only_on(6, Hours(60, 240), tz="America/New_York")
        spring = datetime(2026, 3, 8, tzinfo=NYC)
        fall = datetime(2026, 11, 1, tzinfo=NYC)
        assert cal.business_seconds_between(spring, spring + timedelta(days=1)) == 2 * HOUR
        assert cal.business_seconds_between(fall, fall + timedelta(days=1)) == 4 * HOUR
        # 01:30 EST (fold=1, the second 01:30) is 1.5 h of business after opening + 1 repeated h.
        second = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NYC)
        assert cal.business_seconds_between(fall, second) == int(1.5 * HOUR)

    def test_nonexistent_input_time_is_read_by_zoneinfo_fold_rules(self) -> None:
        cal = BusinessCalendar.always_open("America/New_York")
        # 02:30 does not exist on 2026-03-08; with fold=0 zoneinfo reads it as EST -> 07:30 UTC.
        ghost = datetime(2026, 3, 8, 2, 30, tzinfo=NYC)
        assert cal.add_business_time(ghost, 0) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_a_day_that_never_happened_counts_nothing() -> None:
    # Samoa skipped 30 December 2011 when it crossed the date line.
    apia = ZoneInfo("Pacific/Apia")
    cal = BusinessCalendar.always_open("Pacific/Apia")
    a = datetime(2011, 12, 29, 12, tzinfo=apia)
    b = datetime(2011, 12, 31, 12, tzinfo=apia)
    assert cal.business_seconds_between(a, b) == 24 * HOUR
    weekdays = BusinessCalendar.uniform("Pacific/Apia", "08:00", "17:00")
    assert weekdays.business_seconds_between(a, b) == 5 * HOUR  # Thu 12-17 only; Fri vanished


# --------------------------------------------------------------------------- closures and pauses


def test_closures_open_dates_and_pauses() -> None:
    cal = BusinessCalendar.from_dict(
        {
            "timezone": "Asia/Ho_Chi_Minh",
            "weekly_hours": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"country": "VN"},
            "closed_dates": ["2024-04-26"],
            "closed_ranges": [{"start": "2024-04-25T14:00", "end": "2024-04-25T16:00"}],
            # Vietnam swapped Mon 29 April 2024 off for a working Saturday 4 May.
            "open_dates": [{"date": "2024-05-04", "hours": [["08:00", "17:00"]]}],
        }
    )
    hcm = ZoneInfo("Asia/Ho_Chi_Minh")
    thu = datetime(2024, 4, 25, 8, tzinfo=hcm)
    next_mon = datetime(2024, 5, 6, 8, tzinfo=hcm)
    # Thu 9 h - 2 h closure; Fri closed; Mon 29 Apr (day off), Tue 30 Apr, Wed 1 May holidays;
    # Thu 2, Fri 3 normal; Sat 4 May extra open day.
    assert cal.business_seconds_between(thu, next_mon) == (7 + 9 + 9 + 9) * HOUR
    assert cal.describe_day(date(2024, 4, 29)).reason == "holiday"
    assert cal.describe_day(date(2024, 5, 4)).reason == "special"
    assert not cal.is_open(datetime(2024, 4, 25, 15, tzinfo=hcm))

    pause = (datetime(2024, 5, 2, 10, tzinfo=hcm), datetime(2024, 5, 3, 10, tzinfo=hcm))
    assert cal.business_seconds_between(thu, next_mon, exclude=[pause]) == (7 + 9 + 9) * HOUR
    running = [
        (thu, datetime(2024, 5, 2, 10, tzinfo=hcm)),
        (datetime(2024, 5, 3, 10, tzinfo=hcm), next_mon),
    ]
    assert cal.business_seconds_in(running) == (7 + 9 + 9) * HOUR
    # Overlapping spans count once.
    assert cal.business_seconds_in([*running, running[0]]) == (7 + 9 + 9) * HOUR
    # 7 h on 25 Apr, 08-10 on 2 May, paused until 3 May 10:00, then 1 h more.
    due = cal.add_business_time(thu, 10 * HOUR, exclude=[pause])
    assert due == datetime(2024, 5, 3, 11, tzinfo=hcm)


def test_tet_songkran_and_polish_may_are_skipped() -> None:
    hcm, bkk = ZoneInfo("Asia/Ho_Chi_Minh"), ZoneInfo("Asia/Bangkok")
    vn = BusinessCalendar.uniform("Asia/Ho_Chi_Minh", "08:00", "17:00", holiday_country="VN")
    # Fri 24 Jan 2025 16:00; Tết holidays Mon 27 Jan - Sat 1 Feb.
    assert vn.add_business_time(datetime(2025, 1, 24, 16, tzinfo=hcm), 2 * HOUR) == datetime(
        2025, 2, 3, 9, tzinfo=hcm
    )
    th = BusinessCalendar.uniform("Asia/Bangkok", "08:30", "17:30", holiday_country="TH")
    # Fri 11 Apr 2025 17:00; Songkran 13-15 Apr plus the in-lieu day Wed 16 Apr.
    assert th.add_business_time(datetime(2025, 4, 11, 17, tzinfo=bkk), HOUR) == datetime(
        2025, 4, 14 + 3, 9, tzinfo=bkk
    )
    pl = BusinessCalendar.uniform("Europe/Warsaw", "08:00", "17:00", holiday_country="PL")
    # Thu 30 Apr 2026 16:00: Fri 1 May is a holiday, 3 May is a Sunday anyway.
    assert pl.add_business_time(datetime(2026, 4, 30, 16, tzinfo=WAW), 2 * HOUR) == datetime(
        2026, 5, 4, 9, tzinfo=WAW
    )


# --------------------------------------------------------------------------- explanation


def test_explain_due_names_what_was_skipped() -> None:
    cal = BusinessCalendar.uniform("Europe/Warsaw", "08:00", "17:00", holiday_country="PL")
    start = datetime(2026, 4, 30, 15, tzinfo=WAW)
    why = explain_due(cal, start, 4 * HOUR)
    assert why.due == datetime(2026, 5, 4, 10, tzinfo=WAW)
    assert [(s.code, s.first, s.name) for s in why.skipped] == [
        ("holiday", date(2026, 5, 1), "National Day"),
        ("weekend", date(2026, 5, 2), None),
        ("holiday", date(2026, 5, 3), "National Day of the Third of May"),
    ]
    assert why.text() == (
        "due Mon 2026-05-04 10:00 (Europe/Warsaw): 4 business hours from Thu 2026-04-30 15:00, "
        "2026-05-01 holiday (National Day) skipped, weekend skipped (Sat 2026-05-02), "
        "2026-05-03 holiday (National Day of the Third of May) skipped"
    )
    polish = explain_due(cal, start, 4 * HOUR, language="pl")
    assert polish.skipped[0].name == "Święto Państwowe"
    json.dumps(why.to_dict())


def test_explain_lists_weekend_runs_closures_and_pauses() -> None:
    cal = BusinessCalendar.uniform(
        "America/New_York",
        closed_ranges=(
            (datetime(2026, 6, 8, 9, tzinfo=NYC), datetime(2026, 6, 8, 12, tzinfo=NYC)),
        ),
    )
    pause = (datetime(2026, 6, 8, 13, tzinfo=NYC), datetime(2026, 6, 8, 14, tzinfo=NYC))
    why = explain_due(cal, datetime(2026, 6, 5, 16, tzinfo=NYC), 2 * HOUR, exclude=[pause])
    assert why.due == datetime(2026, 6, 8, 13, tzinfo=NYC)  # Fri 16-17, Mon 12-13
    assert [s.code for s in why.skipped] == ["weekend", "closure"]  # pause starts at the due
    assert "weekend skipped (Sat 2026-06-06 to Sun 2026-06-07)" in why.text()
    why2 = explain_due(cal, datetime(2026, 6, 5, 16, tzinfo=NYC), 3 * HOUR, exclude=[pause])
    assert [s.code for s in why2.skipped] == ["weekend", "closure", "pause"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (4 * HOUR, "4 business hours"),
        (HOUR + 30 * 60, "1 business hour 30 minutes"),
        (45 * 60, "45 business minutes"),
        (61, "1 business minute 1 second"),
        (0, "0 business seconds"),
    ],
)
def test_format_business_duration(seconds: int, text: str) -> None:
    assert format_business_duration(seconds) == text


# --------------------------------------------------------------------------- JSON form


def full_calendar_dict() -> dict[str, object]:
    return {
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
        "closed_dates": ["2026-12-24", "2026-12-31"],
        "closed_ranges": [
            {"start": "2026-06-04T12:00:00+02:00", "end": "2026-06-04T17:00:00+02:00"}
        ],
        "open_dates": [{"date": "2026-06-06", "hours": [["09:00", "13:00"]]}],
    }


def test_json_round_trip() -> None:
    data = full_calendar_dict()
    cal = BusinessCalendar.from_dict(data)
    assert cal.to_dict() == data
    again = BusinessCalendar.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert again == cal
    assert hash(again) == hash(cal)


def test_touching_intervals_are_joined() -> None:
    cal = BusinessCalendar.from_dict(
        {"timezone": "UTC", "weekly_hours": {"mon": [["12:00", "17:00"], ["08:00", "12:00"]]}}
    )
    assert cal.to_dict()["weekly_hours"]["mon"] == [["08:00", "17:00"]]


def test_subdivision_and_categories() -> None:
    # Epiphany is a holiday in Bavaria but not in Berlin.
    by = BusinessCalendar.uniform("Europe/Berlin", holiday_country="de", holiday_subdivision="BY")
    be = BusinessCalendar.uniform("Europe/Berlin", holiday_country="DE", holiday_subdivision="BE")
    assert by.holiday_country == "DE"
    assert date(2026, 1, 6) in by.holidays_in(2026)
    assert date(2026, 1, 6) not in be.holidays_in(2026)
    th = BusinessCalendar.uniform(
        "Asia/Bangkok", holiday_country="TH", holiday_categories=("public", "government")
    )
    plain = BusinessCalendar.uniform("Asia/Bangkok", holiday_country="TH")
    # The Royal Ploughing Ceremony is a day off for government offices only.
    assert set(th.holidays_in(2026)) - set(plain.holidays_in(2026)) == {date(2026, 5, 13)}


@pytest.mark.parametrize(
    ("patch", "path", "fragment"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        (
            {"weekly_hours": {"mon": [["08:00", "25:00"]]}},
            "weekly_hours.mon[0]",
            "not a time of day",
        ),
        ({"weekly_hours": {"mon": [["17:00", "08:00"]]}}, "weekly_hours.mon[0]", "not before end"),
        ({"weekly_hours": {"mon": [["24:00", "24:00"]]}}, "weekly_hours.mon[0]", "only end"),
        ({"weekly_hours": {"mon": [["8am", "5pm"]]}}, "weekly_hours.mon[0]", "HH:MM"),
        (
            {"weekly_hours": {"mon": [["08:00", "13:00"], ["12:00", "17:00"]]}},
            "weekly_hours.mon",
            "overlap",
        ),
        ({"weekly_hours": {"monday": []}}, "weekly_hours.monday", "unknown weekday"),
        ({"holidays": {"country": "XX"}}, "holidays.country", "does not know country"),
        (
            {"holidays": {"country": "PL", "subdivision": "ZZ"}},
            "holidays.subdivision",
            "no subdivision",
        ),
        ({"holidays": {"country": "PL", "categories": ["nope"]}}, "holidays.categories", "nope"),
        ({"holidays": {"subdivision": "BY"}}, "holidays.country", "required"),
        ({"closed_dates": ["2026-02-30"]}, "closed_dates[0]", "not a date"),
        (
            {"closed_ranges": [{"start": "2026-06-04T17:00", "end": "2026-06-04T12:00"}]},
            "closed_ranges[0]",
            "not before end",
        ),
        (
            {"open_dates": [{"date": "2026-06-06", "hours": []}]},
            "open_dates[0].hours",
            "needs opening hours",
        ),
        (
            {"open_dates": [{"date": "2026-12-24", "hours": [["08:00", "12:00"]]}]},
            "closed_dates",
            "also an extra open day",
        ),
        ({"colour": "blue"}, "colour", "unknown field"),
        ({"version": 7}, "version", "unsupported version"),
    ],
)
def test_validation_errors_say_what_and_where(
    patch: dict[str, object], path: str, fragment: str
) -> None:
    data = {**full_calendar_dict(), **patch}
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.from_dict(data)
    err = caught.value
    assert isinstance(err, ValidationFailed)
    assert any(p.path == path and fragment in p.message for p in err.problems), err.problems


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.from_dict(
            {"timezone": "Nowhere", "weekly_hours": {"mon": [["9", "5"]]}, "closed_dates": "x"}
        )
    assert {p.path for p in caught.value.problems} == {
        "timezone",
        "weekly_hours.mon[0]",
        "closed_dates",
    }
