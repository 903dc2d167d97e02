"""Erasure through Slack: "Create ticket" on a message tier0 never stored (a post in
#general) records who wrote it, so erasing that person removes every copy of it.

Slack people (``tests.adapters.slack.harness``): carol uses the shortcut on dan's post.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.privacy.personal_data import PersonalData
from kb import KnowledgeBase
from storage.db import Database
from storage.privacy import privacy_unit_of_work
from tests.adapters.slack.conftest import fake_slack, slack
from tests.adapters.slack.harness import CAROL, DAN, GENERAL, TRIAGE_1, SlackBot
from tests.fakes.slack_server import FakeSlack
from tests.privacy.conftest import stored_text
from tests.support.chat import FakeClock

__all__ = ["fake_slack", "slack"]

PAYLOADS = Path(__file__).parents[1] / "adapters" / "slack" / "payloads"
DANS_POST = "DANSHORT-9 printer on floor 3 leaks my salary slips"


@pytest.fixture
def slack_bot(
    slack: FakeSlack, database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> Iterator[SlackBot]:
    bot = SlackBot(slack, "socket", database, sample_kb, clock).start()
    try:
        yield bot
    finally:
        bot.close()


def test_erasing_the_author_of_a_message_turned_into_a_ticket_removes_every_copy(
    slack_bot: SlackBot, database: Database
) -> None:
    shortcut: dict[str, Any] = json.loads((PAYLOADS / "message_shortcut.json").read_text())
    shortcut["channel"] = {"id": GENERAL, "name": "general"}
    shortcut["message"] = {**shortcut["message"], "user": DAN, "text": DANS_POST}
    shortcut["response_url"] = slack_bot.fake.payloads.response_url()
    shortcut["trigger_id"] = slack_bot.fake.payloads.trigger_id()
    slack_bot.interact(shortcut)
    slack_bot.posted(TRIAGE_1, "DANSHORT-9")
    slack_bot.posted(slack_bot.dm(CAROL), "T-1")
    assert "DANSHORT-9" in stored_text(database)

    PersonalData(privacy_unit_of_work(database)).erase(f"slack:{DAN}", "cli:dpo")

    assert "DANSHORT-9" not in stored_text(database)
