"""The application commands Discord shows are the core's declared commands (``bot.commands``)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from adapters.discord_adapter.commands import declare_commands
from bot.commands import COMMANDS
from bot.settings import Settings


def declared(settings: Settings | None = None) -> dict[str, app_commands.Command[Any, ..., None]]:
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    declare_commands(tree, settings or Settings(), None)
    return {c.name: c for c in tree.get_commands() if isinstance(c, app_commands.Command)}


def test_every_declared_command_is_a_discord_command_between_support_and_the_panel() -> None:
    names = list(declared())

    assert names == ["support", *(c.name for c in COMMANDS), "support-panel"]


def test_each_command_takes_its_declared_argument_then_an_optional_ticket() -> None:
    commands = declared()

    for command in COMMANDS:
        options = {p.name: p.required for p in commands[command.name].parameters}
        expected: dict[str, bool] = {}
        if command.argument is not None:
            expected[command.argument.name] = command.argument.required
        if command.ticket != "none":
            expected["ticket"] = command.ticket == "required"
        assert options == expected, command.name


def test_staff_commands_say_so_and_offer_the_configured_priorities() -> None:
    settings = Settings()
    commands = declared(settings)

    assert commands["claim"].description == "Staff: take a ticket"
    level = commands["priority"].get_parameter("level")
    assert level is not None
    assert [choice.value for choice in level.choices] == settings.tickets.priorities
    agent = commands["assign"].get_parameter("agent")
    assert agent is not None and agent.type is discord.AppCommandOptionType.user
