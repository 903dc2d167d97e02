"""Fakes on 127.0.0.1, a database, and a configuration file for ``tier0 run`` processes.

The fakes run in the test process; ``tier0 run`` reaches them only through the endpoints
an operator would set (SLACK_API_URL, DISCORD_API_BASE, DISCORD_GATEWAY_URL), with tokens
in its environment and everything else in the TOML file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from storage.db import Database
from tests.adapters.discord_adapter.conftest import guild
from tests.adapters.slack.harness import (
    ALICE,
    BOB,
    ERIN,
    HELP,
    SPECIALISTS_GROUP,
    TRIAGE_1,
    TRIAGE_2,
    seed_directory,
)
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.service.process import Tier0Process, clean_environment
from tests.support import databases

GRACE_SECONDS = 5.0


@dataclass
class Service:
    """Everything a ``tier0 run`` needs: its config file, environment and working directory."""

    cwd: Path
    database_url: str
    slack: FakeSlack | None = None
    discord: FakeDiscord | None = None
    processes: list[Tier0Process] = field(default_factory=list)

    @property
    def config(self) -> Path:
        path = self.cwd / "tier0.toml"
        if not path.exists():
            path.write_text(config_text(self.slack, self.discord))
        return path

    def env(self, **changes: str | None) -> dict[str, str]:
        """Tokens, endpoints and DATABASE_URL as an operator sets them; None removes one."""
        values: dict[str, str | None] = {"DATABASE_URL": self.database_url}
        if self.slack is not None:
            values |= {
                "SLACK_BOT_TOKEN": self.slack.workspace.bot_token,
                "SLACK_APP_TOKEN": self.slack.workspace.app_token,
                "SLACK_API_URL": self.slack.api_url,
            }
        if self.discord is not None:
            values |= {
                "DISCORD_TOKEN": self.discord.token,
                "DISCORD_API_BASE": self.discord.api_url,
                "DISCORD_GATEWAY_URL": self.discord.gateway_url,
            }
        values |= changes
        return clean_environment({k: v for k, v in values.items() if v is not None})

    def process(self) -> Tier0Process:
        """A new (not yet started) ``tier0 run``; killed at teardown if still running."""
        process = Tier0Process(self.config, self.env(), self.cwd)
        self.processes.append(process)
        return process

    def start(self) -> Tier0Process:
        ready = ["tier0 ready:"]
        if self.slack is not None:
            ready.append(r"slack: ready \(socket mode")
        if self.discord is not None:
            ready.append(r"discord: ready as")
        return self.process().start(ready)

    def open_database(self) -> Database:
        return Database.open(self.database_url)


def config_text(slack: FakeSlack | None, discord: FakeDiscord | None) -> str:
    """The operator's tier0.toml: platforms, channels, agents; endpoints come from the env."""
    desk_roles, specialist_roles = [], [f"slack:{SPECIALISTS_GROUP}"]
    lines = [
        "[service]",
        'log_level = "INFO"',
        f"shutdown_grace_seconds = {GRACE_SECONDS}",
        "database_wait_seconds = 0",
        "",
        "[sla]",
        "enabled = false",
        "digest = false",
        "",
    ]
    if slack is not None:
        lines += [
            "[slack]",
            "enabled = true",
            'mode = "socket"',
            f"help_channels = [{json.dumps(HELP)}]",
            f'triage_channels = {{ "Service desk" = "{TRIAGE_1}", Specialists = "{TRIAGE_2}" }}',
            "",
        ]
    if discord is not None:
        desk_roles.append(f"discord:{discord.role('Service desk').id}")
        specialist_roles.append(f"discord:{discord.role('Specialists').id}")
        lines += [
            "[discord]",
            "enabled = true",
            f'guild_id = "{discord.guild_id}"',
            f'support_channels = ["{discord.channel_id("support")}"]',
            f'triage_channels = {{ "Service desk" = "{discord.channel_id("triage-1")}", '
            f'Specialists = "{discord.channel_id("triage-2")}" }}',
            "",
        ]
    lines += [
        "[tickets]",
        "new_ticket_cooldown_seconds = 0",
        "",
        "[[tickets.tiers]]",
        'name = "Service desk"',
        f"agents = {json.dumps([f'slack:{ALICE}', f'slack:{BOB}'])}",
        f"roles = {json.dumps(desk_roles)}",
        "",
        "[[tickets.tiers]]",
        'name = "Specialists"',
        f"roles = {json.dumps(specialist_roles)}",
        "",
    ]
    return "\n".join(lines)


# -- fakes ------------------------------------------------------------------------------------


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """FakeSlack with the Slack adapter tests' people and channels (Erin via a user group)."""
    with FakeSlack() as fake:
        seed_directory(fake)
        fake.world.add_usergroup(SPECIALISTS_GROUP, "specialists", [ERIN])
        yield fake


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    """FakeDiscord with the Discord adapter tests' guild; discord.py here is left alone."""
    with FakeDiscord(guild=guild()) as fake:
        yield fake


# -- databases --------------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tier0.db'}"


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh, empty schema for the process to create its tables in; dropped afterwards."""
    with databases.fresh_schema_or_skip("tier0_e2e") as schema:
        yield databases.process_url(schema)


# -- the service ------------------------------------------------------------------------------


MakeService = Callable[..., Service]


@pytest.fixture
def make_service(tmp_path: Path, sqlite_url: str) -> Iterator[MakeService]:
    """``make_service(slack=..., discord=..., database_url=...)``; processes die at teardown."""
    made: list[Service] = []

    def make(
        *,
        slack: FakeSlack | None = None,
        discord: FakeDiscord | None = None,
        database_url: str | None = None,
    ) -> Service:
        cwd = tmp_path / f"run{len(made)}"
        cwd.mkdir()
        service = Service(cwd, database_url or sqlite_url, slack, discord)
        made.append(service)
        return service

    yield make
    for service in made:
        for number, process in enumerate(service.processes, start=1):
            process.kill()
            # Shown by pytest only when the test failed.
            print(f"--- {service.cwd.name}: tier0 run #{number} ---\n{process.output}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.service.timings import TIMINGS

    if not TIMINGS:
        return
    terminalreporter.section("tier0 run: start-up and graceful shutdown")
    for name, ready, stopped in TIMINGS:
        terminalreporter.write_line(
            f"{name:32} start-up {ready:5.2f} s (to every ready line)   shutdown {stopped:5.2f} s"
        )
