"""Fixtures for fault tests: the Slack and Discord fakes, and a spool in a temporary folder."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.spool import SqliteSpool
from tests.adapters.discord_adapter.conftest import fake, start_bot
from tests.adapters.slack.conftest import slack, socket_bot
from tests.fakes.slack_server import fake_slack

__all__ = ["fake", "fake_slack", "slack", "socket_bot", "spool", "start_bot"]


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[SqliteSpool]:
    """Where events wait while the database is unreachable (or stays busy)."""
    spool = SqliteSpool(tmp_path / "spool" / "tier0-spool.sqlite")
    yield spool
    spool.close()
