"""A chat whose knowledge base is live on a folder of its own, so saved articles load."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.conversation.engine import Engine
from bot.settings import SAMPLE_KB, KBSettings, Settings
from kb import LiveKnowledgeBase
from storage.db import Database
from tests.adapters.discord_adapter.conftest import RunningAdapter, discord_settings, fake
from tests.adapters.slack.conftest import fake_slack, slack
from tests.adapters.slack.harness import SlackBot, slack_settings
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.support.chat import Chat, FakeClock
from tier0.app import App
from tier0.platforms.discord import build_discord_adapter

__all__ = ["fake", "fake_slack", "slack"]

SEED_ARTICLES = ("vpn-cannot-connect", "password-reset", "printer-not-printing")


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for name in SEED_ARTICLES:
        shutil.copy(SAMPLE_KB / "en" / f"{name}.md", folder)
    return folder


@pytest.fixture
def learning_settings(kb_folder: Path) -> Settings:
    return Settings.model_validate({"kb": {"paths": [str(kb_folder)]}})


@pytest.fixture
def live_kb(kb_folder: Path) -> LiveKnowledgeBase:
    """Not watching: what is saved must be loaded by the save itself."""
    return LiveKnowledgeBase([kb_folder])


@pytest.fixture
def chat(
    database: Database, live_kb: LiveKnowledgeBase, learning_settings: Settings, clock: FakeClock
) -> Chat:
    return Chat(Engine(learning_settings, live_kb, database.unit_of_work, clock), clock)


@pytest.fixture
def slack_bot(
    slack: FakeSlack,
    database: Database,
    live_kb: LiveKnowledgeBase,
    kb_folder: Path,
    clock: FakeClock,
) -> Iterator[SlackBot]:
    """The Slack adapter in Socket Mode on the live KB folder."""
    settings = slack_settings(slack, "socket")
    settings = settings.model_copy(update={"kb": KBSettings(paths=[kb_folder])})
    bot = SlackBot(slack, "socket", database, live_kb, clock, settings)
    bot.start()
    try:
        yield bot
    finally:
        bot.close()


@pytest.fixture
def discord_bot(
    fake: FakeDiscord, database: Database, live_kb: LiveKnowledgeBase, kb_folder: Path
) -> Iterator[RunningAdapter]:
    """The Discord adapter on the live KB folder."""
    settings = discord_settings(fake).model_copy(update={"kb": KBSettings(paths=[kb_folder])})
    engine = Engine(settings, live_kb, database.unit_of_work)
    app = App(settings, database, live_kb, (), engine)
    adapter = build_discord_adapter(app, {"DISCORD_TOKEN": fake.token}, guild_ready_timeout=0.05)
    bot = RunningAdapter(adapter).start()
    try:
        yield bot
    finally:
        bot.stop()
