"""A delivery sent twice (its first answer lost, or its worker dead before marking it sent)
is posted once: every message carries a nonce made from its outbox delivery, which Discord
enforces."""

from __future__ import annotations

from collections.abc import Callable

from tests.adapters.discord_adapter.conftest import RunningAdapter, text_of
from tests.fakes.discord_server import FakeDiscord

StartBot = Callable[..., RunningAdapter]
ANSWERED = "how do I reset my account password"


def test_a_reply_whose_answer_was_lost_is_sent_again_with_its_nonce_and_posted_once(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    support = fake.channel_id("support")
    path = rf"/channels/{support}/messages"
    fake.fail_next("POST", path, status=503, after_handling=True)
    fake.send_message("support", "alice", ANSWERED)

    lost = fake.wait_for_request("POST", path, lambda r: r.status == 503)
    again = fake.wait_for_request("POST", path, lambda r: r.status == 200, timeout=10)

    nonce = lost.json["nonce"]
    assert nonce.startswith("t0:") and len(nonce) <= 25
    assert (again.json["nonce"], again.json["enforce_nonce"]) == (nonce, True)
    from_bot = [m for m in fake.messages_in(support) if m["author"]["id"] == str(fake.bot.id)]
    assert [m["id"] for m in from_bot] == [again.response["id"]]
    assert "Reset your account password" in text_of(from_bot[0])


def test_each_message_of_a_delivery_has_its_own_nonce_and_deliveries_differ(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    support = fake.channel_id("support")
    fake.send_message("support", "alice", ANSWERED)
    fake.send_message("support", "carol", ANSWERED)

    def answer_to(who: str) -> str:
        member = fake.member(who)
        request = fake.wait_for_request(
            "POST", rf"/channels/{support}/messages", lambda r: f"<@{member.id}>" in text_of(r.json)
        )
        return str(request.json["nonce"])

    nonces = {answer_to("alice"), answer_to("carol")}
    assert len(nonces) == 2 and all(n.startswith("t0:") for n in nonces)
