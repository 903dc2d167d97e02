"""Tokens and passwords never reach the logs: ``tier0 run`` on Slack and Discord at DEBUG,
through a whole conversation and a stop, and a refused start with a database password."""

from __future__ import annotations

from tests.adapters.discord_adapter.conftest import posted
from tests.adapters.slack.harness import DAN, TRIAGE_1
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.service.conftest import MakeService
from tests.service.process import run_once
from tests.service.slack_people import SlackPeople

PASSWORD = "pw-8c1f2e-never-log-me"


def test_no_token_is_logged_even_at_debug(
    slack: FakeSlack, discord: FakeDiscord, make_service: MakeService
) -> None:
    service = make_service(slack=slack, discord=discord)
    secrets = [slack.workspace.bot_token, slack.workspace.app_token, discord.token]
    process = service.process()
    process.env["TIER0__SERVICE__LOG_LEVEL"] = "DEBUG"
    ready = ["tier0 ready:", r"slack: ready \(socket mode", r"discord: ready as"]
    with process.start(ready) as tier0:
        people = SlackPeople(slack)
        people.say(DAN, "how do I book a meeting room in Lisbon", people.dm(DAN))
        people.posted(TRIAGE_1, "T-1")
        discord.send_message("support", "alice", "the coffee machine is leaking water")
        posted(discord, "triage-1", "coffee machine")
        assert tier0.terminate() == 0

    logged = tier0.output
    assert "DEBUG" in logged  # the test saw the most talkative logs
    assert [secret for secret in secrets if secret in logged] == []


def test_a_database_password_is_not_in_the_error_that_names_the_database(
    make_service: MakeService,
) -> None:
    service = make_service(database_url=f"postgresql://tier0:{PASSWORD}@127.0.0.1:9/tier0")

    result = run_once(service.config, service.env(), service.cwd, "db", "upgrade")

    assert result.returncode != 0 and "127.0.0.1:9" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
