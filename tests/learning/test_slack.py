"""Save as article on Slack, end to end: slack_bolt in Socket Mode against FakeSlack.

The resolved ticket's card offers "Save as article"; an agent's press opens a modal
(``views.open``) with the draft, and submitting it (``view_submission``) writes the article
and makes the bot answer with it. Someone else's press is refused, only to them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from adapters.slack.article_form import ARTICLE_FORM_CALLBACK
from tests.adapters.slack.harness import ALICE, DAN, TRIAGE_1, SlackBot

JSON = dict[str, Any]
QUESTION = "how do I book a meeting room in Lisbon"
REPLY = "Use Room Booker, pick Lisbon and the time."
AFTERWORD = "Rooms nobody checks into within 10 minutes are freed."


def resolved_card(bot: SlackBot) -> JSON:
    """T-1 opened by Dan, answered and resolved by Alice in the card's thread."""
    bot.command(DAN, f"new {QUESTION}", bot.dm(DAN))
    card = bot.posted(TRIAGE_1, "T-1")
    bot.cards("T-1")
    bot.press(ALICE, card, "Claim")
    bot.say(ALICE, REPLY, TRIAGE_1, thread_ts=card["ts"])
    bot.posted(bot.dm(DAN), "Room Booker")
    bot.say(ALICE, "!resolve", TRIAGE_1, thread_ts=card["ts"])
    return bot.updated(TRIAGE_1, card["ts"], "Save as article")


def opened_view(bot: SlackBot) -> JSON:
    call = bot.fake.wait_for_call("views.open", ok=True)
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def submit(bot: SlackBot, view: JSON, **fields: str) -> None:
    """Submit the modal as Slack would, with ``fields`` typed over the initial values."""
    values = {
        block["block_id"]: {
            "value": {
                "type": "plain_text_input",
                "value": fields.get(block["block_id"], block["element"].get("initial_value")),
            }
        }
        for block in view["blocks"]
    }
    payload = bot.fake.payloads.view_submission(
        ARTICLE_FORM_CALLBACK,
        user_id=ALICE,
        values=values,
        private_metadata=view["private_metadata"],
        view_id="V0FORM",
    )
    bot.interact(payload)


def test_an_agent_reviews_the_draft_in_a_modal_and_the_article_answers_at_once(
    slack_bot: SlackBot, kb_folder: Path
) -> None:
    card = resolved_card(slack_bot)

    slack_bot.press(ALICE, card, "Save as article")

    view = opened_view(slack_bot)
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"]}
    assert initial == {"title": QUESTION, "questions": QUESTION, "answer": REPLY}
    submit(
        slack_bot,
        view,
        title="Book a meeting room",
        questions=f"{QUESTION}\nreserve a room",
        answer=f"{REPLY}\n\n{AFTERWORD}",
    )
    slack_bot.posted(TRIAGE_1, "Saved T-1 as the article book-a-meeting-room", thread_ts=card["ts"])

    path = kb_folder / "learned" / "en" / "book-a-meeting-room.md"
    meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert meta["audience"] == "internal"
    assert meta["author"] == f"slack:{ALICE}"
    assert meta["source_ticket"] == "T-1"
    assert meta["questions"] == [QUESTION, "reserve a room"]
    slack_bot.say(DAN, "reserve a room", slack_bot.dm(DAN))
    answer = slack_bot.posted(slack_bot.dm(DAN), "Book a meeting room")
    assert AFTERWORD in repr(answer["blocks"])  # the whole article, not only its summary


def test_a_second_approval_writes_nothing_more(slack_bot: SlackBot, kb_folder: Path) -> None:
    card = resolved_card(slack_bot)
    slack_bot.press(ALICE, card, "Save as article")
    view = opened_view(slack_bot)
    submit(slack_bot, view)
    slack_bot.posted(TRIAGE_1, "Saved T-1", thread_ts=card["ts"])

    submit(slack_bot, view)  # the same submission, delivered again
    slack_bot.press(ALICE, slack_bot.message(TRIAGE_1, card["ts"]), "Save as article")

    slack_bot.ephemeral(ALICE, "already saved")
    assert len(slack_bot.fake.calls("views.open")) == 1
    assert len(list((kb_folder / "learned").rglob("*.md"))) == 1


def test_only_agents_may_save_and_are_told_so_privately(
    slack_bot: SlackBot, kb_folder: Path
) -> None:
    card = resolved_card(slack_bot)

    slack_bot.press(DAN, card, "Save as article")

    slack_bot.ephemeral(DAN, "Only support agents")
    assert slack_bot.fake.calls("views.open") == []
    assert not (kb_folder / "learned").exists()
