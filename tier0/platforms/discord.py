"""The Discord adapter for ``tier0 run``: what it reads back after a new session and the
session-start pacing it shares with every other worker, both in the database."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlalchemy import Engine

from adapters.discord_adapter import DiscordAdapter, discord_secrets
from adapters.discord_adapter.catch_up import CatchUpStorage
from adapters.discord_adapter.ids import PLATFORM
from adapters.discord_adapter.shards import IDENTIFY_WINDOW, IdentifyGate, Take
from storage.catch_up import channels_to_catch_up, stored_message_ids
from storage.leases import DatabaseLease
from storage.spool import is_outage
from tier0.app import App

__all__ = ["build_discord_adapter", "identify_lease"]


def build_discord_adapter(
    app: App, env: Mapping[str, str], **client_options: Any
) -> DiscordAdapter:
    """The adapter for ``tier0 run``; the bot token comes from DISCORD_TOKEN. Its shards
    start their sessions in turn with every other process's on this database."""
    token = discord_secrets(app.settings, env)["token"]
    database = app.database.engine
    return DiscordAdapter(
        app.engine,
        app.settings,
        token,
        outage=is_outage,
        identify_gate=IdentifyGate(identify_lease(database), app.engine.outbox.worker),
        catch_up_storage=CatchUpStorage(
            partial(channels_to_catch_up, database, PLATFORM),
            partial(stored_message_ids, database, PLATFORM),
        ),
        **client_options,
    )


def identify_lease(engine: Engine) -> Take:
    """Leases in the database every worker of every host shares."""

    def take(name: str, holder: str) -> bool:
        return DatabaseLease(engine, name, holder, IDENTIFY_WINDOW).hold()

    return take
