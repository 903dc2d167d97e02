"""Open-hours arithmetic: weekends, holidays, overnight shifts, time zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.sla.business_hours import BusinessCalendar, split_week

OFFICE = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def calendar(
    hours: dict[str, list[str]] | None = None, zone: str = "UTC", holidays: tuple[date, ...] = ()
) -> BusinessCalendar:
    return BusinessCalendar(ZoneInfo(zone), split_week(hours or OFFICE), frozenset(holidays))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def test_time_within_one_day_is_counted_as_is() -> None:
    assert calendar().add(utc("2026-03-02 09:00"), timedelta(hours=4)) == utc("2026-03-02 13:00")


def test_the_rest_carries_over_to_the_next_morning() -> None:
    # Monday 16:00 + 4 h: one hour on Monday, three on Tuesday.
    assert calendar().add(utc("2026-03-02 16:00"), timedelta(hours=4)) == utc("2026-03-03 12:00")


def test_a_weekend_is_skipped() -> None:
    friday = utc("2026-03-06 15:00")
    assert calendar().add(friday, timedelta(hours=4)) == utc("2026-03-09 11:00")
    assert calendar().between(friday, utc("2026-03-09 11:00")) == timedelta(hours=4)


def test_a_holiday_is_skipped_like_a_weekend() -> None:
    holiday = calendar(holidays=(date(2026, 3, 9),))
    # Friday 15:00 + 4 h: Friday 2 h, weekend, Monday holiday, Tuesday 2 h.
    assert holiday.add(utc("2026-03-06 15:00"), timedelta(hours=4)) == utc("2026-03-10 11:00")


def test_starting_outside_hours_starts_counting_at_opening() -> None:
    assert calendar().add(utc("2026-03-07 20:00"), timedelta(minutes=15)) == utc("2026-03-09 09:15")
    assert calendar().next_open(utc("2026-03-07 20:00")) == utc("2026-03-09 09:00")
    assert calendar().next_open(utc("2026-03-09 10:00")) == utc("2026-03-09 10:00")


def test_an_overnight_shift_runs_past_midnight_and_joins_the_next_morning() -> None:
    nights = calendar({"mon": ["22:00-06:00"], "tue": ["06:00-08:00"]})
    start = utc("2026-03-02 23:00")
    assert nights.is_open(utc("2026-03-03 03:00"))
    assert nights.add(start, timedelta(hours=8)) == utc("2026-03-03 07:00")
    assert nights.between(utc("2026-03-02 00:00"), utc("2026-03-04 00:00")) == timedelta(hours=10)


def test_hours_are_local_to_the_desks_time_zone() -> None:
    berlin = calendar(zone="Europe/Berlin")
    # 09:00 in Berlin in March (before DST) is 08:00 UTC.
    assert berlin.next_open(utc("2026-03-02 06:00")) == utc("2026-03-02 08:00")
    assert berlin.add(utc("2026-03-02 06:00"), timedelta(hours=1)) == utc("2026-03-02 09:00")


def test_a_day_counts_its_real_length_across_a_dst_change() -> None:
    always = calendar({d: ["00:00-24:00"] for d in ("sat", "sun", "mon")}, zone="Europe/Berlin")
    # Sunday 29 March 2026 has 23 hours in Berlin (clocks go from 02:00 to 03:00).
    sunday = local("2026-03-29 00:00", "Europe/Berlin")
    monday = local("2026-03-30 00:00", "Europe/Berlin")
    assert always.between(sunday, monday) == timedelta(hours=23)
    assert always.add(sunday, timedelta(hours=23)) == monday


def test_office_hours_stay_at_nine_local_after_the_clocks_change() -> None:
    berlin = calendar(zone="Europe/Berlin")
    friday_before = local("2026-03-27 16:00", "Europe/Berlin")
    # One hour on Friday (UTC+1), then Monday opens at 09:00 UTC+2 = 07:00 UTC.
    assert berlin.add(friday_before, timedelta(hours=2)) == utc("2026-03-30 08:00")
    assert berlin.next_open(utc("2026-03-28 12:00")) == utc("2026-03-30 07:00")


def test_between_is_zero_when_closed_or_backwards() -> None:
    assert calendar().between(utc("2026-03-07 09:00"), utc("2026-03-08 18:00")) == timedelta()
    assert calendar().between(utc("2026-03-03 12:00"), utc("2026-03-03 10:00")) == timedelta()


@pytest.mark.parametrize(
    ("hours", "problem"),
    [
        ({"mon": ["09:00-12:00", "11:00-13:00"]}, "overlap"),
        ({"sun": ["22:00-02:00"], "mon": ["01:00-05:00"]}, "overlap"),
        ({"mon": ["09:00-09:00"]}, "empty"),
        ({"mon": ["9-5"]}, "not a time"),
        ({"mon": ["09:00"]}, "not a range"),
    ],
)
def test_bad_hours_are_refused(hours: dict[str, list[str]], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        split_week(hours)
