"""What the bot says to one person (an answer to their command, a refusal) is never posted
where others read it, even when it cannot go back through their interaction: handled
after a database outage, or the interaction gone (dismissed, its token expired). It goes
to their DMs instead. The real adapter and engine against FakeDiscord; the outage is
PostgreSQL unplugged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.delivery.spool import EventSpool
from bot.i18n.messages import say
from storage.db import Database
from storage.spool import SqliteSpool, is_outage
from tests.adapters.discord_adapter.conftest import RunningAdapter, posted, text_of
from tests.fakes.discord_server import FakeDiscord, RecordedRequest
from tests.reliability.test_database_outage import database, network
from tests.reliability.unplug import Unpluggable

__all__ = ["database", "network"]

StartBot = Callable[..., RunningAdapter]
SUBJECT = "the coffee machine on floor three is leaking water"
OPEN_TICKETS = say("agent.tickets_header", "en")
ORIGINAL = r"/webhooks/\d+/[^/]+/messages/@original"


def open_a_ticket(fake: FakeDiscord) -> None:
    """Alice asks what the knowledge base cannot answer: T-1, with her words as subject."""
    fake.send_message("support", "alice", SUBJECT)
    posted(fake, "triage-1", "T-1")


def spooling(bot: RunningAdapter, tmp_path: Path) -> SqliteSpool:
    """The bot's engine keeps events in a spool while the database is unreachable, as
    ``tier0 run`` sets it up."""
    spool = SqliteSpool(tmp_path / "tier0-spool.sqlite")
    bot.adapter.engine.spool = EventSpool(spool, is_outage)
    return spool


def messages_saying(fake: FakeDiscord, text: str) -> list[RecordedRequest]:
    """Every message the bot posted into any channel (or DM) with ``text`` in it."""
    return [
        r
        for r in fake.requests
        if r.matches("POST", r"/channels/\d+/messages") and text in text_of(r.json)
    ]


def test_a_staff_command_handled_after_a_database_outage_is_answered_by_dm_not_in_public(
    fake: FakeDiscord,
    start_bot: StartBot,
    database: Database,
    network: Unpluggable,
    tmp_path: Path,
) -> None:
    bot = start_bot()
    spool = spooling(bot, tmp_path)
    open_a_ticket(fake)

    network.unplug()
    fake.send_command("tickets", user="bob", channel="support")
    fake.wait_for_request("PATCH", ORIGINAL, lambda r: say("spool.kept", "en") in text_of(r.json))
    assert len(spool) == 1
    network.plug()
    bot.adapter.engine.replay_unhandled()  # what the scheduler's next sweep does

    answer = fake.wait_for_request(
        "POST", r"/channels/\d+/messages", lambda r: OPEN_TICKETS in text_of(r.json)
    )
    assert answer.path == f"/channels/{fake.dm_channel_id('bob')}/messages"
    assert SUBJECT in text_of(answer.json)
    assert [r.path for r in messages_saying(fake, OPEN_TICKETS)] == [answer.path]


def test_an_answer_whose_interaction_is_gone_goes_to_the_persons_dm_not_the_channel(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    open_a_ticket(fake)
    fake.fail_next("PATCH", ORIGINAL, status=404)  # dismissed, or the token expired

    fake.send_command("tickets", user="bob", channel="support")

    answer = fake.wait_for_request(
        "POST", r"/channels/\d+/messages", lambda r: OPEN_TICKETS in text_of(r.json)
    )
    assert answer.path == f"/channels/{fake.dm_channel_id('bob')}/messages"
    assert [r.path for r in messages_saying(fake, OPEN_TICKETS)] == [answer.path]


def test_a_late_answer_never_goes_through_someone_elses_interaction_in_the_same_channel(
    fake: FakeDiscord,
    start_bot: StartBot,
    database: Database,
    network: Unpluggable,
    tmp_path: Path,
) -> None:
    bot = start_bot()
    spooling(bot, tmp_path)
    mine_none = say("ticket.mine_none", "en")

    network.unplug()
    fake.send_command("mytickets", user="bob", channel="triage-1")
    fake.wait_for_request("PATCH", ORIGINAL, lambda r: say("spool.kept", "en") in text_of(r.json))
    network.plug()
    fake.send_command("tickets", user="erin", channel="triage-1")  # handled after bob's

    erins = fake.wait_for_request(
        "PATCH", ORIGINAL, lambda r: say("spool.kept", "en") not in text_of(r.json)
    )
    assert mine_none not in text_of(erins.json)
    assert posted(fake, fake.dm_channel_id("bob"), mine_none).status == 200


def test_a_private_answer_discord_will_not_deliver_by_dm_is_dropped_with_a_log_line(
    fake: FakeDiscord, start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    start_bot()
    open_a_ticket(fake)
    to_bob = rf"/channels/{fake.dm_channel_id('bob')}/messages"
    fake.fail_next("PATCH", ORIGINAL, status=404)
    fake.fail_next("POST", to_bob, status=403)  # bob does not take DMs from this server

    fake.send_command("tickets", user="bob", channel="support")

    fake.wait_for_request("PATCH", ORIGINAL, lambda r: say("discord.done", "en") in text_of(r.json))
    assert [r.status for r in messages_saying(fake, OPEN_TICKETS)] == [403]
    assert [r for r in caplog.records if "dropped" in r.getMessage()]
