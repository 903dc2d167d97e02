"""Bad SLA configuration stops start-up with a message that names the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from tier0.config import load_settings


def load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "tier0.toml"
    path.write_text(text, encoding="utf-8")
    load_settings(path, environ={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sla]\ntime_zone = "Mars/Olympus"\n', "sla.time_zone: unknown time zone 'Mars/Olympus'"),
        (
            '[sla]\nhours = { mon = ["09:00-13:00", "12:00-17:00"] }\n',
            "sla.hours: mon: open hours overlap (09:00-13:00 and 12:00-17:00",
        ),
        ("[sla]\nhours = { mon = [], sun = [] }\n", "sla.hours: the desk is never open"),
        ('[sla]\nhours = { someday = ["09:00-17:00"] }\n', "sla.hours.someday"),
        (
            '[sla.targets]\nurgent = { first_response = "-15m", resolution = "4h" }\n',
            "sla.targets.urgent.first_response: '-15m' is not a duration",
        ),
        (
            '[sla.targets]\nurgent = { first_response = "0m", resolution = "4h" }\n',
            "'0m' must be longer than zero",
        ),
        (
            "[sla]\nnudge_after_hours = -1\n",
            "sla.nudge_after_hours: Input should be greater than 0",
        ),
        ("[sla]\nreminders = [0.9, 0.5]\n", "reminders must be increasing"),
        ("[sla]\nreminders = [1.5]\n", "sla.reminders.0: Input should be less than 1"),
        (
            "[sla]\nnudge_after_hours = 96\nauto_resolve_after_days = 3\n",
            "auto_resolve_after_days must be later than nudge_after_hours",
        ),
        ('[sla]\ndigest_time = "9am"\n', "sla.digest_time: '9am' is not a time"),
        (
            '[tickets]\npriorities = ["low", "normal", "high", "urgent", "critical"]\n',
            "sla.targets has no target for priority critical",
        ),
        (
            '[sla.platforms.discord]\ntime_zone = "Nowhere"\n',
            "sla.platforms.discord.time_zone: unknown time zone",
        ),
        (
            "[sla.platforms.discord.targets]\n"
            'urgent = { first_response = "5m", resolution = "1h" }\n',
            "sla.platforms.discord.targets has no target for priority low, normal, high",
        ),
    ],
)
def test_bad_sla_settings_are_rejected_with_their_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert message in str(caught.value)


def test_sla_can_be_switched_off_without_targets_for_new_priorities(tmp_path: Path) -> None:
    load(
        tmp_path,
        '[tickets]\npriorities = ["p1", "p2"]\ndefault_priority = "p2"\n[sla]\nenabled = false\n',
    )
