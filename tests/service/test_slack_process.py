"""``tier0 run`` on Slack (Socket Mode), as a separate process: a whole help-desk loop."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import FeedbackRow, TicketRow
from tests.adapters.slack.harness import ALICE, DAN, TRIAGE_1
from tests.fakes.slack_server import FakeSlack
from tests.service.conftest import MakeService
from tests.service.slack_people import SlackPeople
from tests.service.timings import record

ANSWERED = "my vpn won't connect"
UNANSWERED = "how do I book a meeting room in Lisbon"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_question_is_answered_and_a_ticket_goes_from_card_to_rating(
    backend: str, request: pytest.FixtureRequest, slack: FakeSlack, make_service: MakeService
) -> None:
    url = request.getfixturevalue(f"{backend}_url")
    service = make_service(slack=slack, database_url=url)
    people = SlackPeople(slack)
    with service.start() as tier0:
        dm = people.dm(DAN)
        people.say(DAN, ANSWERED, dm)
        answer = people.posted(dm, "Did this solve your problem?")
        assert "VPN" in repr(answer["blocks"])
        people.press(DAN, answer, "Solved")
        people.posted(dm, "Glad")

        people.say(DAN, UNANSWERED, dm)
        people.posted(dm, "opened ticket T-1")
        card = people.posted(TRIAGE_1, "T-1")
        assert UNANSWERED in repr(card["blocks"])

        people.press(ALICE, card, "Claim")
        card = people.updated(TRIAGE_1, card["ts"], f"<@{ALICE}>")
        people.posted(dm, "is looking at your ticket T-1")

        people.say(ALICE, "Room Booker handles Lisbon too", TRIAGE_1, thread_ts=card["ts"])
        relayed = people.posted(dm, "Room Booker handles Lisbon too")
        assert "*alice* (Service desk)" in repr(relayed["blocks"])

        people.press(ALICE, people.message(TRIAGE_1, card["ts"]), "Resolve")
        rating = people.posted(dm, "How would you rate")
        people.updated(TRIAGE_1, card["ts"], "*Status*\\nresolved")
        people.press(DAN, rating, "5")
        people.posted(dm, "Thanks for rating T-1 5/5")

        assert tier0.terminate() == 0
        tier0.wait_for_line(r"stopped in \d")
        record(f"slack ({backend})", tier0)

    assert tier0.complaints() == []  # an ordinary day: no warnings, no tracebacks
    assert slack.active_connections == 0
    database = service.open_database()
    try:
        with database.session() as session:
            ticket = session.scalars(select(TicketRow)).one()
            assert ticket.status == "resolved"
            ratings = session.scalars(
                select(FeedbackRow.rating).where(FeedbackRow.rating.is_not(None))
            )
            assert list(ratings) == [5]
    finally:
        database.close()
