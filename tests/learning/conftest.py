"""A chat whose knowledge base is live on a folder of its own, so saved articles load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import SAMPLE_KB, Settings
from bot.engine import Engine
from kb import LiveKnowledgeBase
from storage.db import Database
from tests.support.chat import Chat, FakeClock

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
