"""``tier0 run`` on Discord (REST + gateway), as a separate process: a whole help-desk loop."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import FeedbackRow, TicketRow
from tests.adapters.discord_adapter.conftest import custom_ids, followup, posted
from tests.fakes.discord_server import FakeDiscord
from tests.service.conftest import MakeService
from tests.service.timings import record

ANSWERED = "how do I reset my account password"
UNANSWERED = "the coffee machine on floor three is leaking water"


def test_a_question_is_answered_and_a_ticket_goes_from_private_thread_to_rating(
    discord: FakeDiscord, make_service: MakeService
) -> None:
    service = make_service(discord=discord)
    fake = discord
    with service.start() as tier0:
        fake.send_message("support", "alice", ANSWERED)
        answer = posted(fake, "support", "Reset your account password")
        solved = next(c for c in custom_ids(answer.json) if c.startswith("tier0:solved:"))
        fake.send_component(solved, user="alice", message=answer.response)
        followup(fake, "Glad that helped")

        support = fake.channel_id("support")
        fake.send_message("support", "alice", UNANSWERED)
        created = fake.wait_for_request(
            "POST", rf"/channels/{support}/threads", lambda r: r.status == 201
        )
        thread = int(created.response["id"])
        assert created.json["type"] == 12  # private
        posted(fake, thread, "Ticket T-1")
        card = posted(fake, "triage-1", UNANSWERED).response
        card_thread = int(
            fake.wait_for_request("POST", rf"/channels/\d+/messages/{card['id']}/threads").response[
                "id"
            ]
        )

        fake.send_component("tier0:claim:T-1", user="bob", message=int(card["id"]))
        followup(fake, "You claimed T-1")
        posted(fake, thread, "Bob from the Service desk team is looking at your ticket T-1")

        fake.send_message(card_thread, "bob", "Please turn the water valve off")
        posted(fake, thread, "**Bob** (support team): Please turn the water valve off")

        fake.send_component("tier0:resolve:T-1", user="bob", message=int(card["id"]))
        rating = posted(fake, thread, "How would you rate")
        fake.send_component("tier0:rate:T-1:5", user="alice", message=rating.response)
        followup(fake, "Thanks for rating T-1 5/5")
        fake.send_component("tier0:skip_comment:T-1", user="alice", message=rating.response)
        closed = fake.wait_for_request("PATCH", rf"/channels/{thread}")
        assert closed.json == {"archived": True, "locked": True}

        assert tier0.terminate() == 0
        tier0.wait_for_line(r"stopped in \d")
        record("discord (sqlite)", tier0)

    assert tier0.complaints() == []  # an ordinary day: no warnings, no tracebacks
    database = service.open_database()
    try:
        with database.session() as session:
            assert session.scalars(select(TicketRow.status)).one() == "resolved"
            ratings = session.scalars(
                select(FeedbackRow.rating).where(FeedbackRow.rating.is_not(None))
            )
            assert list(ratings) == [5]
    finally:
        database.close()
