"""``tier0 run`` on Discord killed with SIGKILL and started again: what people wrote while
it was down is answered once by the new process (catch-up), what the killed one answered
is not answered again."""

from __future__ import annotations

from collections import Counter

from tests.adapters.discord_adapter.conftest import posted
from tests.fakes.discord_server import FakeDiscord
from tests.service.conftest import MakeService
from tests.service.timings import record

ANSWERED = "how do I reset my account password"


def test_questions_written_while_tier0_was_killed_are_answered_once_after_it_starts_again(
    discord: FakeDiscord, make_service: MakeService
) -> None:
    fake = discord
    service = make_service(discord=fake)
    mention = {who: f"<@{fake.member(who).id}>" for who in ("alice", "carol", "mallory")}
    with service.start() as first:
        before = fake.send_message("support", "alice", ANSWERED)
        posted(fake, "support", mention["alice"])
        first.kill()  # SIGKILL: no goodbye to the gateway, nothing flushed
    during = [fake.send_message("support", who, ANSWERED) for who in ("carol", "mallory")]

    with service.start() as second:
        for who in ("carol", "mallory"):
            posted(fake, "support", mention[who], timeout=15)
        second.wait_for_line(r"discord: shard 0 caught up 2 message\(s\) in 1 channel")
        assert second.terminate() == 0
        record("discord catch-up after SIGKILL (sqlite)", second)

    support = fake.channel_id("support")
    # Distinct messages posted: a reply the killed process sent but did not mark sent is
    # sent again with its nonce, and Discord answers with the first message.
    answered = Counter(
        int(message["message_reference"]["message_id"])
        for message in {
            r.response["id"]: r.response
            for r in fake.requests
            if r.matches("POST", rf"/channels/{support}/messages") and r.status == 200
        }.values()
    )
    assert answered == {int(m["id"]): 1 for m in (before, *during)}
    assert second.complaints() == []
