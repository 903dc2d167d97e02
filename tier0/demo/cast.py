"""Who takes part in the demo month and what they ask that the sample KB does not cover."""

from __future__ import annotations

from bot.settings import TierSettings

__all__ = ["AGENTS", "DISCORD_GAPS", "SLACK_GAPS", "TIERS", "WEAK_ARTICLES", "requester_names"]

AGENTS: dict[str, dict[int, tuple[tuple[str, str], ...]]] = {
    "slack": {
        1: (("U0ALICE", "Alice"), ("U0CAROL", "Carol"), ("U0DAVE", "Dave")),
        2: (("U0BOB", "Bob"),),
    },
    "discord": {
        1: (("500000000000000001", "Dana"), ("500000000000000002", "Eli")),
        2: (("500000000000000003", "Erin"),),
    },
}
"""platform -> tier -> (platform user id, name) of the agents working it."""

TIERS = [
    TierSettings(
        name="Service desk",
        agents=[f"{p}:{uid}" for p, tiers in AGENTS.items() for uid, _ in tiers[1]],
    ),
    TierSettings(
        name="Specialists",
        agents=[f"{p}:{uid}" for p, tiers in AGENTS.items() for uid, _ in tiers[2]],
    ),
]

WEAK_ARTICLES = frozenset(
    {"vpn-keeps-disconnecting", "printer-not-printing", "billing-update-invoice"}
)
"""Articles whose answers often do not help: the report should put them first."""

SLACK_GAPS: tuple[tuple[str, ...], ...] = (
    (
        "how do I get a figma license",
        "I need access to figma for design work",
        "can someone give me a figma seat",
        "figma says I have no license",
        "request figma editor access",
    ),
    (
        "my expense report won't submit in concur",
        "concur keeps rejecting my receipt",
        "expense claim stuck in concur",
        "concur error when submitting expenses",
    ),
    (
        "my parking badge stopped working",
        "the garage gate won't open with my badge",
        "parking access card not working anymore",
    ),
    (
        "how do I create a new jira project",
        "need a jira board for my team",
        "can I get a new jira project for marketing",
    ),
)
"""Clusters of questions the sample KB has no article for (what `kb gaps` should find)."""

DISCORD_GAPS: tuple[tuple[str, ...], ...] = (
    (
        "I was charged twice this month",
        "why was my card charged two times",
        "double charge on my credit card",
        "got billed twice for the same month",
    ),
    (
        "the app crashes on startup after the update",
        "app keeps crashing when I open it",
        "since the last update the app closes immediately",
    ),
)

_FIRST = (
    "Ana",
    "Ben",
    "Chloe",
    "Diego",
    "Emma",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Lars",
    "Maya",
    "Nico",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
)
_LAST = ("Silva", "Meyer", "Okafor", "Tanaka", "Novak", "Rossi", "Larsen", "Khan", "Dubois", "Park")


def requester_names() -> list[str]:
    return [f"{first} {last}" for last in _LAST for first in _FIRST]
