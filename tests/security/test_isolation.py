"""No one sees what is not theirs: customers on Discord see only their own tickets, internal
articles never reach Discord, internal notes never reach a requester."""

from __future__ import annotations

from collections.abc import Callable

from bot.actions import AnswerArticle, OfferArticles, RelayToRequester, Reply
from bot.events import MessageReceived, Person, Place
from bot.i18n.messages import say
from kb import KnowledgeBase
from tests.adapters.discord_adapter.conftest import (
    RunningAdapter,
    command_answer,
    followup,
    posted,
    text_of,
)
from tests.adapters.discord_adapter.test_flows import open_ticket
from tests.fakes.discord_server import FakeDiscord
from tests.support.chat import Chat

StartBot = Callable[..., RunningAdapter]


def test_a_customer_cannot_look_up_someone_elses_ticket(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    thread, _ = open_ticket(fake)

    fake.send_command("status", user="carol", channel="support", options={"ticket": "T-1"})

    answer = command_answer(fake, "T-1")
    assert "coffee" not in text_of(answer.json)
    assert fake.member("carol").id not in fake.thread_member_ids(thread)


def test_a_customer_cannot_rate_or_reopen_someone_elses_ticket(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    thread, card = open_ticket(fake)
    fake.send_component("tier0:resolve:T-1", user="bob", message=int(card["id"]))
    rating = posted(fake, thread, "How would you rate")

    fake.send_component("tier0:rate:T-1:1", user="carol", message=rating.response)
    not_yours = followup(fake, say("conversation.not_yours"))
    fake.send_component("tier0:reopen:T-1", user="carol", message=rating.response)
    not_requester = followup(fake, say("agent.not_requester", key="T-1"))

    for refusal in (not_yours, not_requester):  # shown to carol alone, in the thread
        assert refusal.json.get("flags") == 64

    assert not [r for r in fake.requests if "Thanks for rating" in text_of(r.json)]
    assert not [r for r in fake.requests if "reopened" in text_of(r.json).lower()]


def test_a_customer_cannot_act_on_tickets_with_agent_commands(
    fake: FakeDiscord, start_bot: StartBot
) -> None:
    start_bot()
    _, card = open_ticket(fake)

    fake.send_command("resolve", user="carol", channel="support", options={"ticket": "T-1"})

    command_answer(fake, "Only support agents")
    assert not [r for r in fake.requests if r.method == "PATCH" and card["id"] in r.path]


def test_internal_articles_never_reach_discord(chat: Chat, sample_kb: KnowledgeBase) -> None:
    """Every phrasing of every internal article, asked by a customer on Discord."""
    internal = [a for a in sample_kb.articles if a.audience == "internal"]
    assert internal
    customer = Person("discord", "900000000000000099", "Carol")
    for n, article in enumerate(internal):
        for m, question in enumerate(article.questions):
            place = Place("discord", "support", f"user:{n}-{m}")
            turn = chat.send(MessageReceived(customer, place, question, f"q{n}-{m}"))
            shown = [a.article.id for a in turn.of(AnswerArticle)]
            shown += [ref.id for offer in turn.of(OfferArticles) for ref in offer.articles]
            assert not {a.id for a in internal} & set(shown), (question, shown)


def test_internal_notes_never_reach_the_requester(chat: Chat) -> None:
    chat.command("new 'the projector in room 4 is dead'")
    requester = chat.place("you")

    turns = [
        chat.command("note T-1 'VIP, handle with care'", who="alice"),
        chat.command("claim T-1", who="alice"),
        chat.command("reply T-1 'on my way'", who="alice"),
        chat.command("note T-1 'cable was chewed'", who="alice"),
        chat.command("resolve T-1 'new cable'", who="alice"),
    ]

    shown = [
        action.text
        for turn in turns
        for action in turn.shown_in(requester)
        if isinstance(action, Reply | RelayToRequester)
    ]
    assert "on my way" in shown
    assert not [text for text in shown if "VIP" in text or "chewed" in text]
