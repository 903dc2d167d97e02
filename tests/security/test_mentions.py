"""Whatever people write, what tier0 posts pings no one and forges no link or button.

Renderers are pure, so this is checked on every action that carries someone's words,
for text built from the pieces of Slack and Discord markup. (The fake-server tests in
tests/adapters check the same end to end, and that Discord gets ``allowed_mentions``.)
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord_adapter import render as discord_render
from adapters.discord_adapter.ids import place as discord_place
from adapters.slack import render as slack_render
from bot.actions import (
    Action,
    Button,
    PostTicketCard,
    RelayToAgents,
    RelayToRequester,
    RemindAgents,
    Reply,
    TicketView,
    UpdateTicketCard,
)
from bot.events import Person, Place
from bot.records import Card
from tests.security.payloads import hostile_text

MARKUP = [
    "<", ">", "!", "@", "&", "#", "^", "|", "everyone", "here", "channel", "subteam",
    "U0BOSS", "123456789012345678", "http://evil.example", "mailto:x@y.z", "[", "]", "(",
    ")", "\n", " ", "*", "_", "~", "`", "\\", "&lt;", "&gt;", "&amp;", "\u200b", "# ", "> ",
]  # fmt: skip
WORDS = st.lists(st.sampled_from(MARKUP), max_size=12).map("".join) | hostile_text
CHECKED = settings(max_examples=300, deadline=None)
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def actions(view: TicketView, words: str, author: Person) -> list[Action]:
    """Every action that shows someone's words (the subject is the requester's question)."""
    return [
        Reply(view.place, words, (Button("Solved", "solved", "vpn"),)),
        RelayToAgents(view, words, author),
        RelayToRequester(view, words, author),
        PostTicketCard(view),
        UpdateTicketCard(view, words),
        RemindAgents(view, words),
    ]


# -- Slack ------------------------------------------------------------------------------------

SLACK_REQUESTER = "U0DAN"
SLACK_CONTEXT = slack_render.Context(
    priorities=("low", "normal"),
    triage_channels={1: "C0TRIAGE1"},
    top_tier=2,
    cards=(Card("slack", 1, "C0TRIAGE1", "1700000300.000100", "1700000300.000100"),),
)
_SLACK_TOKEN = re.compile(r"<[^<>]*>")


def slack_view(words: str, name: str) -> TicketView:
    requester = Person("slack", SLACK_REQUESTER, name)
    place = Place("slack", "C0HELP", "1700000200.000100")
    return TicketView(
        "T-7", "open", 1, "Service desk", "normal", words, requester, place, None, OPENED
    )


def slack_posted(words: str, name: str) -> list[dict[str, object]]:
    view = slack_view(words, name)
    author = Person("slack", "U0ALICE", name)
    return [
        call.args
        for action in actions(view, words, author)
        for call in slack_render.render(action, SLACK_CONTEXT)
    ]


@CHECKED
@given(WORDS, WORDS)
def test_on_slack_the_only_mentions_and_links_are_the_ones_tier0_makes(
    words: str, name: str
) -> None:
    posted = json.dumps(slack_posted(words, name), ensure_ascii=False)

    tokens = set(_SLACK_TOKEN.findall(posted))
    made_by_tier0 = {f"<@{SLACK_REQUESTER}>"}
    assert {t for t in tokens if not t.startswith("<!date^")} <= made_by_tier0


@CHECKED
@given(WORDS, WORDS)
def test_on_slack_words_never_add_buttons(words: str, name: str) -> None:
    def buttons(posted: list[dict[str, object]]) -> int:
        return json.dumps(posted).count('"type": "button"')

    assert buttons(slack_posted(words, name)) == buttons(slack_posted("hello", "Dan"))


# -- Discord ----------------------------------------------------------------------------------

_PING = re.compile(r"@(everyone|here)|<@[!&]?\d{17,20}>")
_MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]+\]\(<?https?://[^\s)]+>?\)")
"""``[label](https://...)``, Discord's masked link (the URL cannot hold a space or ``)``)."""


def discord_texts(spec: discord_render.MessageSpec) -> list[str]:
    texts = [spec.content]
    for embed in spec.embeds:
        texts += [embed.title or "", embed.description or ""]
        texts += [f"{field.name} {field.value}" for field in embed.fields]
    return texts


@CHECKED
@given(WORDS, WORDS)
def test_on_discord_words_neither_ping_nor_become_masked_links(words: str, name: str) -> None:
    """Staff's words keep their formatting (links too) but never ping either."""
    author = Person("discord", "900000000000000031", name)
    view = TicketView(
        "T-7", "open", 1, "Service desk", "normal", words, replace(author, id="42"),
        discord_place("200"), None, OPENED,
    )  # fmt: skip
    reply, from_requester, from_staff = (
        discord_render.render(a) for a in actions(view, words, author)[:3]
    )
    card = discord_render.card(
        view, words, card_tier=1, top_tier=2, priorities=("low", "normal"), locale="en"
    )

    for text in (t for spec in (reply, from_requester, card) for t in discord_texts(spec)):
        assert not _PING.search(text), text
        assert not _MASKED_LINK.search(text), text
    assert not any(_PING.search(text) for text in discord_texts(from_staff))
