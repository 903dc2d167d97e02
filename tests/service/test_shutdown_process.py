"""SIGTERM with work in flight: ``tier0 run`` finishes it, exits 0 within the grace period,
and after a restart on the same database every message was handled exactly once."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import MessageRow, OutboxRow
from tests.adapters.discord_adapter.conftest import posted
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.service.conftest import GRACE_SECONDS, MakeService, Service
from tests.service.process import Tier0Process
from tests.service.slack_people import SlackPeople
from tests.service.timings import record

SLACK_QUESTION = "my vpn won't connect"
SLACK_ANSWER = "Did this solve your problem?"
DISCORD_QUESTION = "how do I reset my account password"
SLOW = 0.5  # seconds the fakes take to answer a call that is to be in flight at SIGTERM
HANDLING, SENDING, REFUSED = "U0HUGO", "U0SAM", "U0RITA"


def stopped_gracefully(tier0: Tier0Process) -> None:
    assert tier0.terminate() == 0, tier0.output
    assert tier0.stopped_after < GRACE_SECONDS, tier0.output
    tier0.wait_for_line("stopping: finishing events in flight")
    tier0.wait_for_line(r"stopped in \d")
    assert "Traceback" not in tier0.output


def stored(service: Service, text: str, times: int = 1) -> None:
    """The question was stored ``times`` times, and nothing is left waiting in the outbox."""
    database = service.open_database()
    try:
        with database.session() as session:
            inbound = select(func.count()).where(
                MessageRow.direction == "in", MessageRow.text == text
            )
            assert session.scalar(inbound) == times
            unsent = select(func.count()).where(OutboxRow.sent_at.is_(None))
            assert session.scalar(unsent) == 0
    finally:
        database.close()


def test_sigterm_with_slack_messages_in_flight_finishes_them_and_each_is_handled_once(
    slack: FakeSlack, make_service: MakeService
) -> None:
    """Three questions at the moment of SIGTERM: one acknowledged but still being handled
    (its asker's profile look-up is slow), one whose answer is being sent (slow Slack), and
    one whose answer Slack refused a moment ago (queued for a retry)."""
    for user, name in ((HANDLING, "hugo"), (SENDING, "sam"), (REFUSED, "rita")):
        slack.add_user(user, name)
    people = SlackPeople(slack)
    dms = {user: people.dm(user) for user in (HANDLING, SENDING, REFUSED)}
    service = make_service(slack=slack)

    def answers(user: str) -> int:
        return len(people.sent(dms[user], SLACK_ANSWER))

    with service.start() as first:
        slack.fail_with_error("chat.postMessage", "not_in_channel")
        people.say(REFUSED, SLACK_QUESTION, dms[REFUSED])
        slack.wait_for_call("chat.postMessage", ok=False, timeout=10)
        sending = slack.slow_down("chat.postMessage", SLOW)
        people.say(SENDING, SLACK_QUESTION, dms[SENDING])
        assert sending.started.wait(10)
        handling = slack.slow_down("users.info", SLOW)
        people.say(HANDLING, SLACK_QUESTION, dms[HANDLING])  # acknowledged: Slack won't resend
        assert handling.started.wait(10)

        stopped_gracefully(first)
        record("slack, 3 messages in flight", first)
    assert answers(SENDING) == 1 and answers(HANDLING) == 1  # finished before the exit

    with service.start() as second:
        people.posted(dms[REFUSED], SLACK_ANSWER)  # from the outbox, if not sent already
        people.say(SENDING, "thanks", dms[SENDING])
        people.posted(dms[SENDING], "welcome")  # anything left over was sent before this
        stopped_gracefully(second)
    assert [answers(user) for user in (HANDLING, SENDING, REFUSED)] == [1, 1, 1]
    stored(service, SLACK_QUESTION, times=3)


def test_sigterm_with_a_discord_answer_in_flight_next_to_slack_sends_it_once(
    slack: FakeSlack, discord: FakeDiscord, make_service: MakeService
) -> None:
    service = make_service(slack=slack, discord=discord)
    support = discord.channel_id("support")
    with service.start() as first:
        slow = discord.slow_next("POST", rf"/channels/{support}/messages", seconds=SLOW)
        question = discord.send_message("support", "alice", DISCORD_QUESTION)
        assert slow.started.wait(10)

        stopped_gracefully(first)
        record("slack + discord, answer in flight", first)

    def answers() -> list[object]:
        return [
            r
            for r in discord.requests
            if r.method == "POST"
            and r.path == f"/channels/{support}/messages"
            and r.status == 200
            and r.json["message_reference"]["message_id"] == int(question["id"])
        ]

    assert len(answers()) == 1

    with service.start() as second:
        discord.send_message("support", "carol", "how can I reset the password of my account")
        posted(discord, "support", f"<@{discord.member('carol').id}>")
        stopped_gracefully(second)
    assert len(answers()) == 1
    stored(service, DISCORD_QUESTION)
