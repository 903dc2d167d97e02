"""Save as article on Discord, end to end: the real discord.py client against FakeDiscord.

The resolved ticket's card offers "Save as article"; an agent's press is answered with a
modal (interaction response type 9) holding the draft, and its submission writes the
article and makes the bot answer with it. Someone without a staff role is refused, only
to them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.adapters.discord_adapter.conftest import (
    RunningAdapter,
    custom_ids,
    followup,
    posted,
)
from tests.fakes.discord_server import FakeDiscord, RecordedRequest

JSON = dict[str, Any]
QUESTION = "the coffee machine on floor three is leaking water"
REPLY = "Close the valve under the sink and call facilities on 4444."
SAVE = "tier0:save_article:T-1"
FORM = "tier0:article:T-1"


def resolved_card(fake: FakeDiscord) -> JSON:
    """T-1 asked by alice in the support channel, answered and resolved by bob."""
    fake.send_message("support", "alice", QUESTION)
    card = posted(fake, "triage-1", QUESTION).response
    card_thread = fake.wait_for_request(
        "POST", rf"/channels/\d+/messages/{card['id']}/threads"
    ).response["id"]
    fake.send_component("tier0:claim:T-1", user="bob", message=int(card["id"]))
    followup(fake, "You claimed T-1")
    fake.send_message(int(card_thread), "bob", REPLY)
    fake.wait_for_request("POST", r"/channels/\d+/messages", lambda r: REPLY in str(r.json))
    fake.send_component("tier0:resolve:T-1", user="bob", message=int(card["id"]))
    fake.wait_for_request(
        "PATCH", rf"/channels/\d+/messages/{card['id']}", lambda r: SAVE in custom_ids(r.json)
    )
    return card


def modal(fake: FakeDiscord) -> RecordedRequest:
    return fake.wait_for_request(
        "POST", r"/interactions/\d+/[^/]+/callback", lambda r: r.json["type"] == 9
    )


def defaults(form: JSON) -> dict[str, str]:
    """The draft as the form shows it: each text input's value, by its custom id."""
    inputs = [
        inner
        for top in form["data"]["components"]
        for inner in top.get("components") or [top.get("component")]
    ]
    return {str(i["custom_id"]): str(i.get("value", "")) for i in inputs}


def test_an_agent_reviews_the_draft_in_a_modal_and_the_article_answers_at_once(
    fake: FakeDiscord, discord_bot: RunningAdapter, kb_folder: Path
) -> None:
    card = resolved_card(fake)

    fake.send_component(SAVE, user="bob", message=int(card["id"]))

    form = modal(fake).json
    assert form["data"]["custom_id"] == FORM
    assert defaults(form) == {"title": QUESTION, "questions": QUESTION, "answer": REPLY}
    fields = {**defaults(form), "title": "Coffee machine leaking"}
    fields["questions"] = f"{QUESTION}\nwater under the coffee machine"
    fake.send_modal_submit(FORM, fields, user="bob", channel="triage-1")
    followup(fake, "Saved T-1 as the article coffee-machine-leaking")

    path = kb_folder / "learned" / "en" / "coffee-machine-leaking.md"
    meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert meta["audience"] == "external"
    assert meta["author"] == f"discord:{fake.member('bob').id}"
    assert meta["source_ticket"] == "T-1"
    fake.send_message("support", "carol", "water under the coffee machine")
    posted(fake, "support", "Coffee machine leaking")


def test_a_second_approval_writes_nothing_more(
    fake: FakeDiscord, discord_bot: RunningAdapter, kb_folder: Path
) -> None:
    card = resolved_card(fake)
    fake.send_component(SAVE, user="bob", message=int(card["id"]))
    fields = defaults(modal(fake).json)
    fake.send_modal_submit(FORM, fields, user="bob", channel="triage-1")
    followup(fake, "Saved T-1")

    fake.send_modal_submit(FORM, fields, user="bob", channel="triage-1")

    followup(fake, "already saved")
    assert len(list((kb_folder / "learned").rglob("*.md"))) == 1


def test_only_staff_may_save_and_are_told_so_privately(
    fake: FakeDiscord, discord_bot: RunningAdapter, kb_folder: Path
) -> None:
    card = resolved_card(fake)

    fake.send_component(SAVE, user="mallory", message=int(card["id"]))

    refused = fake.wait_for_request(
        "POST",
        r"/interactions/\d+/[^/]+/callback",
        lambda r: "Only support agents" in str(r.json),
    )
    assert refused.json["type"] == 4 and refused.json["data"]["flags"] == 64
    assert not (kb_folder / "learned").exists()
