"""The console shows reminders, breach alerts and digests in the agents' channel."""

from __future__ import annotations

from datetime import UTC, date, datetime

from adapters.console.render import render
from bot.actions import PostDigest, RemindAgents, TicketView
from bot.events import Person, Place

VIEW = TicketView(
    key="T-7",
    status="open",
    tier=1,
    tier_name="Service desk",
    priority="high",
    subject="VPN down",
    requester=Person("console", "you"),
    place=Place("console", "main"),
    assignee=None,
    created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
)


def test_a_reminder_and_a_breach_alert_are_labelled() -> None:
    reminder = render(RemindAgents(VIEW, "T-7 is still unclaimed")).plain
    breach = render(RemindAgents(VIEW, "SLA breached on T-7", kind="breach")).plain

    assert reminder == "[agents · T-7] reminder: T-7 is still unclaimed"
    assert breach == "[agents · T-7] SLA breach: SLA breached on T-7"


def test_a_digest_is_printed_line_by_line() -> None:
    digest = PostDigest(
        platform="console",
        tier=1,
        tier_name="Service desk",
        day=date(2026, 3, 3),
        text="Daily digest\nOpen tickets: 0",
        open_by_priority=(),
        open_by_age=(),
        unclaimed=(),
        breached=(),
        deflections=0,
    )

    assert (
        render(digest).plain == "[agents · Service desk digest] Daily digest\n    Open tickets: 0"
    )
