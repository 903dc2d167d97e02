"""Actions become Discord messages that never ping and never let user text format itself."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.discord_adapter import render
from adapters.discord_adapter.ids import personal_place, place
from adapters.discord_adapter.render import ButtonSpec, SelectSpec
from bot.actions import (
    AnswerArticle,
    ArticleRef,
    Button,
    OfferArticles,
    RelayToAgents,
    RelayToRequester,
    Reply,
    TicketView,
)
from bot.events import Person

ALICE = Person("discord", "42", "Ali <@&123456789012345678>")
BOB = Person("discord", "43", "Bob")
HERE = personal_place("100", "42")


def ticket(status: str = "open", tier: int = 1, subject: str = "printer **on fire**") -> TicketView:
    return TicketView(
        "T-7", status, tier, "Service desk", "normal", subject, ALICE, place("200"), None,
        datetime(2026, 3, 2, tzinfo=UTC),
    )  # fmt: skip


def article(n: int) -> ArticleRef:
    return ArticleRef(f"a{n}", f"Article {n}", f"Summary {n} @everyone", 0.5)


def test_an_answer_is_an_embed_with_solved_and_still_need_help() -> None:
    buttons = (
        Button("Solved", "solved", "a1", "primary"),
        Button("Still", "still_need_help", "a1"),
    )

    spec = render.render(AnswerArticle(HERE, article(1), "Did this solve it?", buttons))

    embed = spec.embeds[0].to_dict()
    assert embed["title"] == "Article 1" and embed["description"] == "Summary 1 @\u200beveryone"
    assert embed["footer"]["text"] == "Did this solve it?"
    assert spec.rows == (
        (ButtonSpec("Solved", "tier0:solved:a1", "primary"),
         ButtonSpec("Still", "tier0:still_need_help:a1")),
    )  # fmt: skip


def test_more_than_three_articles_are_offered_in_a_menu() -> None:
    refs = tuple(article(n) for n in range(1, 5))
    picks = tuple(Button(r.title, "pick", r.id) for r in refs)
    offer = OfferArticles(HERE, "Which one?", refs, (*picks, Button("None", "none_of_these")))

    spec = render.render(offer)

    menu, rest = spec.rows
    assert isinstance(menu[0], SelectSpec) and len(menu[0].options) == 4
    assert rest == (ButtonSpec("None", "tier0:none_of_these:"),)
    few = render.render(OfferArticles(HERE, "Which?", refs[:3], (*picks[:3], offer.buttons[-1])))
    assert [len(row) for row in few.rows] == [4]


def test_user_text_is_escaped_and_staff_text_keeps_its_formatting() -> None:
    from_requester = render.render(
        RelayToAgents(ticket(), "@here *urgent* <@987654321098765432>", ALICE)
    )
    assert from_requester.content == (
        "**Ali \\<@\u200b&123456789012345678\\>** (requester, T-7): "
        "@\u200bhere \\*urgent\\* \\<@\u200b987654321098765432\\>"
    )
    from_agent = render.render(RelayToRequester(ticket(), "run `ipconfig` @everyone", BOB))
    assert from_agent.content == "**Bob** (support team): run `ipconfig` @\u200beveryone"
    note = render.render(RelayToAgents(ticket(), "VIP", BOB, internal=True))
    assert "Internal note" in note.content


def test_replies_in_a_support_channel_name_whom_they_are_for() -> None:
    spec = render.addressed(render.render(Reply(HERE, "Hi _there_")), HERE)
    assert spec.content == "<@42> Hi \\_there\\_"
    assert render.addressed(spec, place("200")) is spec


def test_the_rating_follow_up_offers_a_comment_form_next_to_skip() -> None:
    spec = render.render(Reply(place("200"), "Thanks!", (Button("Skip", "skip_comment", "T-7"),)))
    assert [b.custom_id for row in spec.rows for b in row] == [
        "tier0:comment:T-7",
        "tier0:skip_comment:T-7",
    ]


def test_cards_show_the_buttons_for_the_ticket_state_and_only_on_the_current_tier() -> None:
    def ids(spec: render.MessageSpec) -> list[str]:
        return [item.custom_id for row in spec.rows for item in row]

    open_card = render.card(
        ticket(), "new", card_tier=1, top_tier=2, priorities=["low", "normal"], locale="en"
    )
    assert ids(open_card) == [
        "tier0:claim:T-7",
        "tier0:escalate:T-7",
        "tier0:resolve:T-7",
        "tier0:priority:T-7",
    ]
    assert open_card.embeds[0].to_dict()["title"] == "T-7 · printer \\*\\*on fire\\*\\*"
    top = render.card(
        ticket("claimed", 2), "", card_tier=2, top_tier=2, priorities=["normal"], locale="en"
    )
    assert ids(top)[:2] == ["tier0:unclaim:T-7", "tier0:resolve:T-7"]
    old = render.card(
        ticket(tier=2), "escalated", card_tier=1, top_tier=2, priorities=[], locale="en"
    )
    assert old.rows == ()
    assert ids(
        render.card(ticket("resolved"), "", card_tier=1, top_tier=2, priorities=[], locale="en")
    ) == ["tier0:reopen:T-7", "tier0:save_article:T-7"]


def test_long_text_is_cut_to_discord_limits() -> None:
    spec = render.render(Reply(place("1"), "x" * 5000))
    assert len(spec.content) == 2000 and spec.content.endswith("…")
    long_title = ticket(subject="y" * 500)
    card = render.card(long_title, "", card_tier=1, top_tier=1, priorities=[], locale="en")
    assert len(card.embeds[0].to_dict()["title"]) == 256
    assert len(render.thread_name(long_title)) == 100
