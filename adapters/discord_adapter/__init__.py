"""The Discord adapter: customers ask in support channels or DMs, tickets get private
threads, staff work them from cards in per-tier triage channels.

Named ``discord_adapter`` so it can never shadow the ``discord`` library on import.
"""

from adapters.discord_adapter.adapter import DiscordAdapter, discord_secrets

__all__ = ["DiscordAdapter", "discord_secrets"]
