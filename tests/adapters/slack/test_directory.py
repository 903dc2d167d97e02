"""Who people are, looked up through the Web API (against FakeSlack) and kept a while."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import Directory
from tests.fakes.slack_server import FakeSlack


def test_a_burst_of_one_new_persons_messages_asks_slack_about_them_once(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.add_user("U0NEW", "newcomer")

    async def burst() -> list[str]:
        client = AsyncWebClient(token=fake_slack.workspace.bot_token, base_url=fake_slack.api_url)
        directory = Directory(client, [])
        people = await asyncio.gather(*(directory.person("U0NEW") for _ in range(10)))
        again = await directory.person("U0NEW")
        return [person.name for person in [*people, again]]

    names = asyncio.run(burst())

    assert names == ["newcomer"] * 11
    assert [call.params["user"] for call in fake_slack.calls("users.info")] == ["U0NEW"]
