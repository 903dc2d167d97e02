"""SLA settings: targets per priority, business hours and holidays, reminders, auto-close.

Everything is checked at start-up (unknown time zone, overlapping hours, durations that
are not positive), so a mistake stops ``tier0 run`` with the key at fault instead of
quietly miscounting a clock weeks later.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bot.sla.business_hours import split_week

__all__ = ["DeskSettings", "SLASettings", "SLATarget", "parse_duration", "zone"]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_duration(text: str, hours_per_day: float) -> timedelta:
    """``"15m"``, ``"4h"``, ``"1d"``, ``"1d4h"``: open time; a day is ``hours_per_day`` hours."""
    found = _DURATION.match(text.replace(" ", ""))
    if not text.strip() or found is None:
        raise ValueError(f"{text!r} is not a duration like 15m, 4h, 3d or 1d4h")
    days, hours, minutes = (int(part or 0) for part in found.groups())
    duration = timedelta(hours=days * hours_per_day + hours, minutes=minutes)
    if duration <= timedelta():
        raise ValueError(f"{text!r} must be longer than zero")
    return duration


def _duration(text: str) -> str:
    parse_duration(text, 8)
    return text


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin or UTC)"
        ) from None


def _zone_name(name: str) -> str:
    zone(name)
    return name


def _clock(text: str) -> str:
    try:
        hours, minutes = text.split(":")
        time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 09:00") from None
    return text


Duration = Annotated[str, AfterValidator(_duration)]
ZoneName = Annotated[str, AfterValidator(_zone_name)]
Hours = dict[Weekday, list[str]]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SLATarget(_Section):
    """Open time allowed until the first response and until the ticket is resolved."""

    first_response: Duration
    resolution: Duration


def _default_targets() -> dict[str, SLATarget]:
    return {
        "urgent": SLATarget(first_response="15m", resolution="4h"),
        "high": SLATarget(first_response="1h", resolution="1d"),
        "normal": SLATarget(first_response="4h", resolution="3d"),
        "low": SLATarget(first_response="1d", resolution="5d"),
    }


def _default_hours() -> Hours:
    weekdays: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    hours: Hours = {day: ["09:00-17:00"] for day in weekdays}
    hours.update({"sat": [], "sun": []})
    return hours


def _check_hours(hours: Hours) -> Hours:
    split_week(hours)
    if not any(hours.values()):
        raise ValueError("the desk is never open: give at least one day some hours")
    return hours


CheckedHours = Annotated[Hours, AfterValidator(_check_hours)]


class DeskSettings(_Section):
    """One platform's help desk where it differs from ``[sla]`` (say, customers on Discord
    served around the clock); what is left out is taken from ``[sla]``."""

    time_zone: ZoneName | None = None
    hours: CheckedHours | None = None
    holidays: list[date] | None = None
    targets: dict[str, SLATarget] | None = None


class SLASettings(_Section):
    enabled: bool = True
    time_zone: ZoneName = "UTC"
    hours: CheckedHours = Field(default_factory=_default_hours)
    holidays: list[date] = Field(default_factory=list)
    hours_per_day: float = Field(default=8.0, gt=0, le=24)
    targets: dict[str, SLATarget] = Field(default_factory=_default_targets)
    reminders: list[Annotated[float, Field(gt=0, lt=1)]] = Field(default_factory=lambda: [0.5, 0.9])
    escalate_on_breach: bool = True
    nudge_after_hours: float = Field(default=24.0, gt=0)
    auto_resolve_after_days: float = Field(default=3.0, gt=0)
    sweep_seconds: int = Field(default=60, ge=5, le=3600)
    digest: bool = True
    digest_time: Annotated[str, AfterValidator(_clock)] = "09:00"
    platforms: dict[str, DeskSettings] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.reminders != sorted(set(self.reminders)):
            raise ValueError("reminders must be increasing fractions, e.g. [0.5, 0.9]")
        if timedelta(days=self.auto_resolve_after_days) <= timedelta(hours=self.nudge_after_hours):
            raise ValueError("auto_resolve_after_days must be later than nudge_after_hours")
        return self

    def check_priorities(self, priorities: list[str]) -> None:
        """Every ticket priority needs a target, on every desk; unknown ones are typos."""
        if not self.enabled:
            return
        desks = {"sla.targets": self.targets} | {
            f"sla.platforms.{name}.targets": desk.targets
            for name, desk in self.platforms.items()
            if desk.targets is not None
        }
        for key, targets in desks.items():
            missing = [p for p in priorities if p not in targets]
            unknown = sorted(set(targets) - set(priorities))
            if missing:
                raise ValueError(f"{key} has no target for priority {', '.join(missing)}")
            if unknown:
                raise ValueError(f"{key} names unknown priorities {unknown}")
