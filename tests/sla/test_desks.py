"""A platform's help desk may keep its own hours and time zone."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from tests.sla.conftest import Desk, utc


@pytest.fixture
def settings() -> Settings:
    """The console desk works in New York; everyone else keeps the UTC defaults."""
    return Settings.model_validate(
        {"sla": {"platforms": {"console": {"time_zone": "America/New_York"}}}}
    )


def test_each_platform_can_have_its_own_desk(desk: Desk) -> None:
    desk.at("2026-03-02 13:00")  # 08:00 in New York: not open yet

    bot = desk.chat.command("new the printer on floor 3 is on fire")

    assert "from Monday 2 March at 09:00 (America/New_York)" in bot.text()
    assert bot.card().ticket.first_response_due_at == utc("2026-03-02 18:00")


def test_due_times_follow_the_desks_clock_across_a_dst_change(desk: Desk) -> None:
    desk.at("2026-03-06 21:00")  # Friday 16:00 in New York (EST, UTC-5)

    bot = desk.chat.command("new the printer on floor 3 is on fire")

    # One hour on Friday; New York moves to EDT (UTC-4) on Sunday 8 March, so Monday
    # opens at 13:00 UTC and the other three hours run until 16:00 UTC.
    assert bot.card().ticket.first_response_due_at == utc("2026-03-09 16:00")
