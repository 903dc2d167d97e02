"""Who is an agent, and of which tier, according to the configuration."""

from __future__ import annotations

from collections.abc import Sequence

from bot.events import Person
from bot.records import Role
from bot.settings import TierSettings

__all__ = ["AgentDirectory"]


class AgentDirectory:
    """Maps people to tiers (1 = first tier) from ``platform:user`` and ``platform:role`` lists.

    A person listed in several tiers works at the highest of them: an agent of tier 2 may
    also claim tier 1 tickets.
    """

    def __init__(self, tiers: Sequence[TierSettings]) -> None:
        self._tiers = list(tiers)

    def tier_of(self, person: Person) -> int | None:
        refs = {person.ref} | {f"{person.platform}:{role}" for role in person.roles}
        found = [
            number
            for number, tier in enumerate(self._tiers, start=1)
            if refs & (set(tier.agents) | set(tier.roles))
        ]
        return max(found) if found else None

    def role_of(self, person: Person) -> Role:
        """How ``person`` is stored: an agent if the configuration lists them in a tier."""
        return "agent" if self.tier_of(person) is not None else "requester"

    def tier_name(self, tier: int) -> str:
        return self._tiers[tier - 1].name

    @property
    def top_tier(self) -> int:
        return len(self._tiers)
