"""The application commands Discord shows people, made from the core's declaration.

Names, options and which options are required come from :mod:`bot.commands`; this module
adds only how Discord shows them: descriptions (requesters' in every shipped language,
through the catalogues; staff's in English), option types and choices. The support
command and the admin's panel command are Discord's own. The tree never runs them: every
interaction goes through ``on_interaction`` (:mod:`client`).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, Final

import discord
from discord import app_commands

from bot.commands import COMMANDS, ArgumentKind, Command
from bot.i18n import catalogues as i18n
from bot.i18n.messages import say
from bot.settings import Settings

__all__ = ["OPTIONS", "STAFF", "declare_commands", "words"]

Description = str | app_commands.locale_str
AppCommand = app_commands.Command[Any, ..., None]


def words(message_id: str) -> app_commands.locale_str:
    """A description in English, translated by ``CatalogueTranslator`` for other clients."""
    return app_commands.locale_str(say(message_id), id=message_id)


STAFF: Final[Mapping[str, str]] = {
    "claim": "Staff: take a ticket",
    "unclaim": "Staff: put a ticket back in its queue",
    "assign": "Staff: give a ticket to an agent",
    "reply": "Staff: answer the requester of a ticket",
    "note": "Staff: add an internal note (never shown to the requester)",
    "escalate": "Staff: move a ticket to the next tier",
    "priority": "Staff: change a ticket's priority",
    "resolve": "Staff: resolve a ticket and ask the requester for a rating",
    "link": "Staff: mark a ticket as a repeat of another; it gets that one's answer",
    "tickets": "Staff: list open tickets",
}
"""What each agent command does, as staff read it in Discord's command list."""
OPTIONS: Final[Mapping[str, Description]] = {
    "new": words("discord.option.description"),
    "language": words("discord.option.language"),
    "assign": "Who should work the ticket",
    "reply": "What the requester will read",
    "note": "The note",
    "escalate": "Why it needs the next tier",
    "priority": "The new priority",
    "resolve": "Optional answer sent to the requester",
    "link": "The ticket it repeats, e.g. T-12",
}
"""What the argument of each command that takes one is, by command."""
_TYPES: Final[Mapping[ArgumentKind, type]] = {
    "text": str,
    "agent": discord.User,
    "priority": str,
    "language": str,
}


def declare_commands(
    tree: app_commands.CommandTree[Any], settings: Settings, guild: discord.Object | None
) -> None:
    """Every declared command, between the support command and the admin's panel command."""
    tree.add_command(_support(settings.discord.slash_command), guild=guild)
    priorities = settings.tickets.priorities[:25]
    for declared in COMMANDS:
        tree.add_command(_command(declared, priorities), guild=guild)
    tree.add_command(_panel(), guild=guild)


def _command(declared: Command, priorities: Sequence[str]) -> AppCommand:
    parameters: list[inspect.Parameter] = []
    descriptions: dict[str, Description] = {}
    choices: dict[str, list[app_commands.Choice[str]]] = {}
    argument = declared.argument
    if argument is not None:
        parameters.append(_parameter(argument.name, _TYPES[argument.kind], argument.required))
        descriptions[argument.name] = OPTIONS[declared.name]
        offered = _choices(argument.kind, priorities)
        if offered:
            choices[argument.name] = [app_commands.Choice(name=c, value=c) for c in offered]
    if declared.ticket != "none":
        required = declared.ticket == "required"
        parameters.append(_parameter("ticket", str, required))
        descriptions["ticket"] = words(
            "discord.option.ticket_key" if required else "discord.option.ticket"
        )
    if declared.used_by == "agents":
        description: Description = STAFF[declared.name]
    else:
        description = words(f"discord.command.{declared.name}")
    return _app_command(declared.name, description, parameters, descriptions, choices)


def _choices(kind: ArgumentKind, priorities: Sequence[str]) -> list[str]:
    if kind == "priority":
        return list(priorities)
    if kind == "language":
        return [*i18n.languages(), "auto"]
    return []


def _support(name: str) -> AppCommand:
    question = _parameter("question", str, required=False)
    descriptions: dict[str, Description] = {"question": words("discord.option.question")}
    return _app_command(name, words("discord.command.support"), [question], descriptions, {})


def _panel() -> AppCommand:
    panel = _app_command(
        "support-panel", "Admin: post a 'Get help' button in this channel", [], {}, {}
    )
    return app_commands.guild_only(app_commands.default_permissions(manage_guild=True)(panel))


def _parameter(name: str, kind: type, required: bool) -> inspect.Parameter:
    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    if required:
        return inspect.Parameter(name, keyword, annotation=kind)
    return inspect.Parameter(name, keyword, annotation=kind | None, default=None)


def _app_command(
    name: str,
    description: Description,
    parameters: list[inspect.Parameter],
    descriptions: dict[str, Description],
    choices: dict[str, list[app_commands.Choice[str]]],
) -> AppCommand:
    """A command whose options discord.py reads from a made-up signature: the callback
    is never run (the tree refuses every interaction), so it only has to look right."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None: ...

    interaction = inspect.Parameter(
        "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
    )
    callback.__signature__ = inspect.Signature([interaction, *parameters])  # type: ignore[attr-defined]
    if descriptions:
        app_commands.describe(**descriptions)(callback)
    if choices:
        app_commands.choices(**choices)(callback)
    return app_commands.Command(name=name, description=description, callback=callback)
