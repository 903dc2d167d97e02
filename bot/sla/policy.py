"""SLA policy: the due times of a ticket, derived from its state, and when a job is next due.

A ticket's clock (``TicketClock``) is recomputed after every change to the ticket, so it
never drifts from the ticket's status: it runs while the ticket is open or claimed, and
pauses while the ball is in the requester's court or the ticket is resolved. Due times
count only the desk's open hours; the time paused is added on top of the targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from babel.dates import format_datetime

from bot.i18n.catalogues import babel_locale
from bot.i18n.messages import pick_locale, say
from bot.records import Ticket, TicketClock
from bot.sla.business_hours import BusinessCalendar, split_week
from bot.sla.settings import SLASettings, parse_duration, zone

__all__ = ["Desk", "SlaPolicy", "Targets"]

PAUSED = frozenset({"waiting_on_user", "resolved"})
RUNNING = frozenset({"open", "claimed"})


@dataclass(frozen=True)
class Targets:
    first_response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class Desk:
    """One help desk's calendar and targets (per platform, or the ``[sla]`` defaults)."""

    calendar: BusinessCalendar
    targets: Mapping[str, Targets]

    def back_at(self, now: datetime) -> datetime | None:
        """When a person is next at work, or None when the desk is open now."""
        opens = self.calendar.next_open(now)
        return None if opens == now else opens

    def describe(self, moment: datetime, locale: str) -> str:
        """``Monday 2 March at 09:00 (Europe/Berlin)``: a moment in the desk's own time, in
        the words of ``locale`` ("segunda-feira, 2 de março às 09:00" in Portuguese)."""
        tag = pick_locale(locale, locale)
        local = moment.astimezone(self.calendar.zone)
        pattern = say("time.moment", tag)
        when = format_datetime(local, pattern, tzinfo=self.calendar.zone, locale=babel_locale(tag))
        return f"{when} ({self.calendar.zone.key})"


class SlaPolicy:
    """The SLA rules of every desk, compiled once from the settings."""

    def __init__(self, settings: SLASettings, reopen_days: int) -> None:
        self.enabled = settings.enabled
        self.reminders = tuple(settings.reminders)
        self.escalate_on_breach = settings.escalate_on_breach
        self.nudge_after = timedelta(hours=settings.nudge_after_hours)
        self.auto_resolve_after = timedelta(days=settings.auto_resolve_after_days)
        self.reopen_window = timedelta(days=reopen_days)
        self.digest = settings.digest
        hours, minutes = settings.digest_time.split(":")
        self.digest_time = time(int(hours), int(minutes))
        self._default = _desk(settings, None)
        self._desks = {name: _desk(settings, name) for name in settings.platforms}

    def desk(self, platform: str) -> Desk:
        return self._desks.get(platform, self._default)

    def desks(self) -> Mapping[str, Desk]:
        """Desks configured for particular platforms (others use the default desk)."""
        return self._desks

    def back_at(self, platform: str, now: datetime) -> datetime | None:
        return self.desk(platform).back_at(now) if self.enabled else None

    # -- the clock --------------------------------------------------------------------------

    def clock(self, ticket: Ticket, now: datetime, *, agent_replied: bool = False) -> TicketClock:
        """The ticket's clock as its current status says it should be at ``now``.

        Called after each change (``agent_replied`` restarts the wait for the requester's
        answer) and by the sweep; on an unchanged ticket it changes nothing.
        """
        clock = ticket.sla
        if ticket.status == "closed":
            return replace(clock, next_at=None)
        desk = self.desk(ticket.place.platform)
        if ticket.status in PAUSED and clock.paused_at is None:
            clock = replace(clock, paused_at=now)
        elif ticket.status in RUNNING and clock.paused_at is not None:
            paused = desk.calendar.between(clock.paused_at, now)
            clock = replace(
                clock,
                paused_at=None,
                paused_seconds=clock.paused_seconds + int(paused.total_seconds()),
            )
        if ticket.status == "waiting_on_user":
            if clock.waiting_since is None or agent_replied:
                clock = replace(clock, waiting_since=now, nudged_at=None)
        elif clock.waiting_since is not None:
            clock = replace(clock, waiting_since=None, nudged_at=None)
        targets = desk.targets.get(ticket.priority) if self.enabled else None
        if targets is not None:
            paused = timedelta(seconds=clock.paused_seconds)
            clock = replace(
                clock,
                first_response_due_at=desk.calendar.add(
                    ticket.created_at, targets.first_response + paused
                ),
                resolution_due_at=desk.calendar.add(ticket.created_at, targets.resolution + paused),
            )
        return replace(clock, next_at=self._next_at(ticket, clock))

    def reminder_times(self, ticket: Ticket) -> list[datetime]:
        """When each reminder to claim the ticket is due (fractions of first-response time)."""
        desk = self.desk(ticket.place.platform)
        targets = desk.targets.get(ticket.priority)
        if not self.enabled or targets is None:
            return []
        paused = timedelta(seconds=ticket.sla.paused_seconds)
        return [
            desk.calendar.add(ticket.created_at, targets.first_response * share + paused)
            for share in self.reminders
        ]

    def nudge_at(self, clock: TicketClock) -> datetime | None:
        return clock.waiting_since + self.nudge_after if clock.waiting_since else None

    def auto_resolve_at(self, clock: TicketClock) -> datetime | None:
        return clock.waiting_since + self.auto_resolve_after if clock.waiting_since else None

    def close_at(self, ticket: Ticket) -> datetime | None:
        return ticket.resolved_at + self.reopen_window if ticket.resolved_at else None

    def _next_at(self, ticket: Ticket, clock: TicketClock) -> datetime | None:
        moments: list[datetime | None] = []
        if ticket.status in RUNNING and self.enabled:
            if ticket.first_response_at is None and clock.first_response_breached_at is None:
                moments.append(clock.first_response_due_at)
                if ticket.status == "open":
                    with_clock = replace(ticket, sla=clock)
                    moments.extend(self.reminder_times(with_clock)[clock.reminders_sent :])
            if clock.resolution_breached_at is None:
                moments.append(clock.resolution_due_at)
        elif ticket.status == "waiting_on_user":
            if clock.nudged_at is None:
                moments.append(self.nudge_at(clock))
            moments.append(self.auto_resolve_at(clock))
        elif ticket.status == "resolved":
            moments.append(self.close_at(ticket))
        due = [moment for moment in moments if moment is not None]
        return min(due) if due else None


def _desk(settings: SLASettings, platform: str | None) -> Desk:
    override = settings.platforms.get(platform) if platform else None
    time_zone = (override.time_zone if override else None) or settings.time_zone
    hours = override.hours if override and override.hours is not None else settings.hours
    holidays = (
        override.holidays if override and override.holidays is not None else settings.holidays
    )
    targets = override.targets if override and override.targets is not None else settings.targets
    calendar = BusinessCalendar(zone(time_zone), split_week(hours), frozenset(holidays))
    return Desk(
        calendar,
        {
            priority: Targets(
                parse_duration(target.first_response, settings.hours_per_day),
                parse_duration(target.resolution, settings.hours_per_day),
            )
            for priority, target in targets.items()
        },
    )
