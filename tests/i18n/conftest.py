"""Dialogues in Portuguese on the engine and its scheduled jobs (the SLA desk's harness).

The console plays an employee's chat here (internal articles), like Slack.
"""

from __future__ import annotations

import pytest

from bot.jobs.runner import Jobs
from bot.platform_settings import ConsoleSettings
from bot.settings import Settings
from storage.db import Database
from tests.sla.conftest import Desk
from tests.support.chat import Chat, FakeClock


@pytest.fixture
def settings() -> Settings:
    return Settings(console=ConsoleSettings(audience="internal"))


@pytest.fixture
def desk(chat: Chat, database: Database, settings: Settings, clock: FakeClock) -> Desk:
    return Desk(chat, Jobs(settings, database.unit_of_work, clock), clock, database)
