"""Business hours: when a help desk is open, and how much open time lies between two moments.

SLA clocks count only open time. Hours are wall-clock times in the desk's time zone, so a
desk open 09:00-17:00 in Europe/Berlin stays open 09:00-17:00 across daylight saving
changes; an interval that spans a change (say, overnight) is as long as it really is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["WEEKDAYS", "BusinessCalendar", "Span", "parse_span", "split_week"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 3 * 366
"""How far ahead to look for open time before concluding the desk never opens."""

Span = tuple[time, time | None]
"""Opening and closing time on one day; a closing time of None means midnight (24:00)."""


def parse_span(text: str) -> tuple[time, time | None]:
    """``"09:00-17:00"`` -> (09:00, 17:00); ``"22:00-06:00"`` wraps past midnight.

    ``24:00`` is midnight at the end of the day and comes back as None.
    """
    start_text, sep, end_text = text.replace(" ", "").partition("-")
    if not sep:
        raise ValueError(f"{text!r} is not a range like 09:00-17:00")
    start = _clock_time(start_text, text)
    end = None if end_text == "24:00" else _clock_time(end_text, text)
    if start is None or end == start:
        raise ValueError(f"{text!r} is empty")
    return start, end


def _clock_time(value: str, whole: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{whole!r}: {value!r} is not a time like 09:00") from None


def split_week(hours: Mapping[Any, Sequence[str]]) -> dict[int, list[Span]]:
    """Per weekday (0 = Monday) the open spans within that day, sorted.

    A span past midnight becomes two: the evening of its day and the morning of the next.
    Overlapping spans are an error: they would count the same hour twice.
    """
    week: dict[int, list[Span]] = {day: [] for day in range(7)}
    for name, spans in hours.items():
        day = WEEKDAYS.index(name)
        for text in spans:
            start, end = parse_span(text)
            if end is not None and end < start:
                week[day].append((start, None))
                week[(day + 1) % 7].append((time(0, 0), end))
            else:
                week[day].append((start, end))
    for day, day_spans in week.items():
        day_spans.sort(key=lambda span: span[0])
        for earlier, later in pairwise(day_spans):
            if earlier[1] is None or earlier[1] > later[0]:
                raise ValueError(
                    f"{WEEKDAYS[day]}: open hours overlap "
                    f"({_show(earlier)} and {_show(later)}, counting wrapped evening hours)"
                )
    return week


def _show(span: Span) -> str:
    end = span[1].strftime("%H:%M") if span[1] else "24:00"
    return f"{span[0].strftime('%H:%M')}-{end}"


@dataclass(frozen=True)
class BusinessCalendar:
    """Open hours per weekday in one time zone, closed on holidays (local dates)."""

    zone: ZoneInfo
    week: Mapping[int, Sequence[Span]]
    holidays: frozenset[date] = frozenset()

    def works_on(self, day: date) -> bool:
        """Whether the desk opens at all on this local date (not a holiday, has hours)."""
        return day not in self.holidays and bool(self.week.get(day.weekday()))

    def is_open(self, at: datetime) -> bool:
        return self.next_open(at) == at

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, else when the desk next opens."""
        at = at.astimezone(UTC)
        for start, end in self._intervals(at):
            if end > at:
                return max(start, at)
        raise ValueError("the desk has no open hours in the next three years")

    def add(self, start: datetime, work: timedelta) -> datetime:
        """The moment at which ``work`` of open time has passed since ``start``."""
        start = start.astimezone(UTC)
        left = work
        for begin, end in self._intervals(start):
            begin = max(begin, start)
            if end <= begin:
                continue
            if begin + left <= end:
                return begin + left
            left -= end - begin
        raise ValueError("the desk has no open hours in the next three years")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Open time from ``start`` to ``end`` (zero when ``end`` is not after ``start``)."""
        # In UTC: Python subtracts datetimes sharing one tzinfo by wall clock, which is
        # off by an hour across a DST change.
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = timedelta()
        if end <= start:
            return total
        for begin, finish in self._intervals(start):
            if begin >= end:
                break
            overlap = min(finish, end) - max(begin, start)
            if overlap > timedelta():
                total += overlap
        return total

    def _intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals in UTC that end after ``start``, in order.

        Starts a day early so that a span running until midnight on the previous local day
        is not missed; adjacent spans (Monday until 24:00, Tuesday from 00:00) join up.
        """
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        pending: tuple[datetime, datetime] | None = None
        for offset in range(SEARCH_DAYS):
            current = day + timedelta(days=offset)
            if current in self.holidays:
                continue
            for opens, closes in self.week.get(current.weekday(), ()):
                begin = self._utc(current, opens)
                end = (
                    self._utc(current + timedelta(days=1), time(0, 0))
                    if closes is None
                    else self._utc(current, closes)
                )
                if pending is not None and pending[1] >= begin:
                    pending = (pending[0], max(pending[1], end))
                    continue
                if pending is not None and pending[1] > start:
                    yield pending
                pending = (begin, end)
        if pending is not None and pending[1] > start:
            yield pending

    def _utc(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)
