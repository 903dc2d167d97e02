"""What scheduled jobs need besides the store and the time: the SLA rules and the ticket desk.

Its own module so that the jobs (the sweep, the digest, the weekly KB gaps) and the runner
that schedules them all depend on it, and not on one another.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings
from bot.sla.policy import SlaPolicy
from bot.tickets.agents import AgentDirectory
from bot.tickets.desk import TicketDesk

__all__ = ["JobContext"]


@dataclass(frozen=True)
class JobContext:
    """The rules and the ticket desk, built once from the settings and shared by every job."""

    policy: SlaPolicy
    desk: TicketDesk

    @classmethod
    def from_settings(cls, settings: Settings) -> JobContext:
        policy = SlaPolicy(settings.sla, settings.tickets.reopen_days)
        agents = AgentDirectory(settings.tickets.tiers)
        desk = TicketDesk(settings.tickets, agents, policy, locale=settings.default_locale)
        return cls(policy, desk)
