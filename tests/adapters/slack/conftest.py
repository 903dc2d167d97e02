"""Fixtures for the Slack adapter: FakeSlack with a seeded directory, a running adapter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kb import KnowledgeBase
from storage.db import Database
from tests.adapters.slack.harness import ERIN, SPECIALISTS_GROUP, SlackBot, seed_directory
from tests.fakes.slack import web_api
from tests.fakes.slack.workspace import World
from tests.fakes.slack_server import FakeSlack, fake_slack
from tests.support.chat import FakeClock

__all__ = ["fake_slack"]


def _usergroup_members(world: World, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("usergroup") != SPECIALISTS_GROUP:
        return {"ok": False, "error": "no_such_subteam"}
    return {"ok": True, "users": [ERIN]}


@pytest.fixture
def slack(fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> FakeSlack:
    """FakeSlack with our people and channels, answering usergroups.users.list too."""
    monkeypatch.setitem(web_api.METHODS, "usergroups.users.list", _usergroup_members)
    seed_directory(fake_slack)
    return fake_slack


def _running(
    slack: FakeSlack, mode: str, database: Database, kb: KnowledgeBase, clock: FakeClock
) -> Iterator[SlackBot]:
    bot = SlackBot(slack, "socket" if mode == "socket" else "http", database, kb, clock)
    bot.start()
    try:
        yield bot
    finally:
        bot.close()


@pytest.fixture(params=["socket", "http"])
def bot(
    request: pytest.FixtureRequest,
    slack: FakeSlack,
    database: Database,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
) -> Iterator[SlackBot]:
    """A running adapter in Socket Mode and in HTTP mode, on each database backend."""
    yield from _running(slack, request.param, database, sample_kb, clock)


@pytest.fixture
def socket_bot(
    slack: FakeSlack, database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> Iterator[SlackBot]:
    yield from _running(slack, "socket", database, sample_kb, clock)


@pytest.fixture
def http_bot(
    slack: FakeSlack, database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> Iterator[SlackBot]:
    yield from _running(slack, "http", database, sample_kb, clock)
