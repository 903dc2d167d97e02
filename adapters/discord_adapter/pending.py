"""An interaction being handled: its answers go back through it, not into the channel."""

from __future__ import annotations

from dataclasses import dataclass

import discord

__all__ = ["Pending"]


@dataclass
class Pending:
    """An interaction whose answers go back through it rather than into the channel.

    ``ephemeral``: its answers are shown to its user alone (Discord decides that when it
    is deferred, for its first answer too). ``alone``: it came from a DM, where every
    answer is private anyway.
    """

    interaction: discord.Interaction
    ephemeral: bool
    answered: bool = False
    alone: bool = False

    @property
    def seen_by_user_alone(self) -> bool:
        return self.ephemeral or self.alone

    @property
    def can_whisper(self) -> bool:
        """Whether an answer to it can be shown to its user alone. A pressed button or a
        sent form is deferred without a message of its own, so each follow-up chooses its
        own visibility; a command's first answer replaces its deferred response, whose
        visibility was fixed when it was deferred."""
        commanded = self.interaction.type is discord.InteractionType.application_command
        return self.seen_by_user_alone or not commanded

    @property
    def user_id(self) -> str:
        return str(self.interaction.user.id)
