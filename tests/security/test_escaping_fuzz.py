"""Whatever mix of links, mentions, markup and control characters people write, every
renderer of every platform shows it as the words typed: nothing clickable, nothing that
pings, nothing that formats (for the requester's text on Discord), nothing invisible.

The platforms' parsing rules are modelled in :mod:`tests.security.platforms`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.console.render import render as console_render
from adapters.discord_adapter import render as discord_render
from adapters.discord_adapter.ids import personal_place
from adapters.discord_adapter.ids import place as discord_place
from adapters.discord_adapter.translate import ModalRequest
from adapters.slack import render as slack_render
from adapters.slack.mrkdwn import markdown_to_mrkdwn
from bot.actions import (
    Action,
    AnswerArticle,
    ArticleRef,
    AskRating,
    Button,
    OfferArticles,
    PostDigest,
    PostTicketCard,
    Refuse,
    RelayToAgents,
    RelayToRequester,
    RemindAgents,
    Reply,
    TicketView,
    UpdateTicketCard,
)
from bot.attempts import Attempt
from bot.events import Person, Place
from bot.records import Card
from tests.security.platforms import (
    INVISIBLE,
    discord_leaks,
    discord_pings,
    discord_shown,
    slack_shown,
    slack_tokens,
)

# fmt: off
LINKS = [
    "[one](http://a.test)", "[two](<https://b.test/x_y>)", "<http://c.test>",
    "<https://d.test|click>", "http://e.test/a_b*c*", "mailto:x@y.test",
]
MENTIONS = [
    "@everyone", "@here", "<@123456789012345678>", "<@!123456789012345678>",
    "<@&123456789012345678>", "<#123456789012345678>", "@123456789012345678", "<!everyone>",
    "<!here>", "<!channel>", "<!subteam^S0TEAM|@team>", "<@U0BOSS>", "<#C0HELP|help>",
    "<t:1700000000:R>", "</help:1>", "<:party:123456789012345678>",
]
MARKUP = [
    "```", "`", "> ", ">>> ", "# ", "-# ", "- ", "+ ", "1. ", "**", "__", "*", "_", "~~", "||",
    "\\", "&lt;", "&amp;", "[bold red]", "[/]", "(", ")", "[", "]", " ", "\n", "\t",
]
INVISIBLES = [
    "\x00", "\x07", "\x1b[31m", "\x1b]8;;http://evil.test\x07", "\r", "\x7f", "\x85",
    "\x9b31m", "\u202e", "\u202d", "\u202a", "\u2066", "\u2067", "\u2069", "\u200e",
    "\u200f", "\u061c",
]
# fmt: on
WORDS = ["alpha", "bravo", "charlie", "delta"]
PIECES = st.sampled_from(LINKS + MENTIONS + MARKUP + INVISIBLES + WORDS)
TEXT = st.lists(PIECES, min_size=1, max_size=16).map("".join)
NAME = st.lists(PIECES, min_size=1, max_size=5).map("".join)
CHECKED = settings(max_examples=200, deadline=None)
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def words_in(text: str) -> list[str]:
    """The words a reader must still see (the fuzz's words cannot be split by a piece)."""
    return [word for word in WORDS if word in text]


def ticket(platform: str, requester_id: str, where: Place, subject: str, name: str) -> TicketView:
    """Its subject is also the title of an article the bot tried (a KB's words are not
    trusted to be markup-free either)."""
    requester = Person(platform, requester_id, name)
    tried = (Attempt("a1", subject, 0.5, "offered", "none_fit"),)
    return TicketView(
        "T-7", "open", 1, name, "normal", subject, requester, where, None, OPENED, tried
    )  # fmt: skip


def actions(view: TicketView, words: str, author: Person) -> list[Action]:
    """Every action carrying someone's words: the requester's, an agent's, an article's."""
    article = ArticleRef("a1", words, words, 0.5)
    press = (Button(words, "solved", "a1"),)
    return [
        Reply(view.place, words, press),
        AnswerArticle(view.place, article, words, press),
        OfferArticles(view.place, words, (article,), press),
        AskRating(view, words, press),
        RelayToRequester(view, words, author),
        RelayToAgents(view, words, author),
        RelayToAgents(view, words, author, internal=True),
        PostTicketCard(view),
        UpdateTicketCard(view, words),
        RemindAgents(view, words, "breach"),
        PostDigest("slack", 1, view.tier_name, date(2026, 3, 2), words, (), (), (), (), 0),
        Refuse(author, view.place, words),
    ]


def typed(action: Action, words: str) -> str:
    """The words ``action`` shows: a new ticket's card shows its subject instead."""
    return action.ticket.subject if isinstance(action, PostTicketCard) else words


def strings(value: Any, *, plain: bool = True) -> Iterator[str]:
    """Every string in an API call; without ``plain``, only those Slack parses as mrkdwn."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict) and (plain or value.get("type") != "plain_text"):
        for item in value.values():
            yield from strings(item, plain=plain)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item, plain=plain)


# -- Discord ----------------------------------------------------------------------------------

DISCORD_REQUESTER = "42"
TIER0_MENTION = f"<@{DISCORD_REQUESTER}>"


def discord_texts(spec: discord_render.MessageSpec) -> list[str]:
    texts = [spec.content]
    for embed in spec.embeds:
        texts += [embed.title or "", embed.description or "", embed.footer.text or ""]
        texts += [f"{field.name}\n{field.value}" for field in embed.fields]
    texts += [c.label if isinstance(c, discord_render.ButtonSpec) else c.placeholder
              for row in spec.rows for c in row]  # fmt: skip
    return texts


def requesters_words(view: TicketView, words: str, author: Person) -> Iterator[tuple[str, str]]:
    """(text, what it shows) for everything a requester wrote: it must show only as text."""
    for action in actions(view, words, author):
        if isinstance(action, Reply | OfferArticles | AskRating | Refuse):
            yield discord_render.render(action).content, words
        elif isinstance(action, RelayToAgents) and not action.internal:
            name, _, said = discord_render.render(action).content.partition(" (requester, T-7): ")
            yield name.removeprefix("**").removesuffix("**"), author.name or ""
            yield said, words
    card = discord_render.card(
        view, words, card_tier=1, top_tier=2, priorities=("normal",), locale="en"
    )
    embed = card.embeds[0]
    yield embed.description or "", view.subject
    yield (embed.title or "").removeprefix("T-7 · "), ""
    for field in embed.fields:
        yield (field.value or "").replace(TIER0_MENTION, ""), ""


def discord_everything(view: TicketView, words: str, author: Person) -> Iterator[str]:
    for action in actions(view, words, author):
        if isinstance(action, discord_render.CONVERSATIONAL):
            spec = discord_render.render(action)
            yield from discord_texts(spec)
            yield from discord_texts(discord_render.addressed(spec, personal_place("100", "42")))
    yield from discord_texts(
        discord_render.card(view, words, card_tier=1, top_tier=2, priorities=(), locale="en")
    )
    yield discord_render.ticket_intro(view).content
    yield discord_render.thread_name(view)
    yield discord_render.modal(ModalRequest("escalate", words[:80], "en"), "en").title


@CHECKED
@given(TEXT, TEXT, NAME)
def test_on_discord_a_requesters_words_never_link_ping_or_format(
    words: str, subject: str, name: str
) -> None:
    view = ticket("discord", DISCORD_REQUESTER, discord_place("200"), subject, name)
    author = Person("discord", "900000000000000031", name)

    for shown, typed in requesters_words(view, words, author):
        assert discord_leaks(shown) == [], shown
        for word in words_in(typed):
            assert word in discord_shown(shown), (word, shown)


@CHECKED
@given(TEXT, TEXT, NAME)
def test_on_discord_nothing_pings_and_nothing_invisible_is_posted(
    words: str, subject: str, name: str
) -> None:
    view = ticket("discord", DISCORD_REQUESTER, discord_place("200"), subject, name)
    author = Person("discord", "900000000000000031", name)

    for text in discord_everything(view, words, author):
        assert set(discord_pings(text)) <= {TIER0_MENTION}, text
        assert not INVISIBLE.search(text), repr(text)


@CHECKED
@given(TEXT, NAME)
def test_on_discord_staff_and_articles_keep_every_word(words: str, name: str) -> None:
    view = ticket("discord", DISCORD_REQUESTER, discord_place("200"), "vpn", name)
    author = Person("discord", "900000000000000031", name)
    staff = [a for a in actions(view, words, author) if isinstance(a, RelayToRequester)]
    article = [a for a in actions(view, words, author) if isinstance(a, AnswerArticle)]

    for action in staff + article:
        shown = discord_shown("\n".join(discord_texts(discord_render.render(action))))
        assert all(word in shown for word in words_in(words)), shown


# -- Slack ------------------------------------------------------------------------------------

SLACK_REQUESTER = "U0DAN"
SLACK_CONTEXT = slack_render.Context(
    priorities=("low", "normal"),
    triage_channels={1: "C0TRIAGE1"},
    top_tier=2,
    article_titles={"a1": "VPN"},
    tier_groups={1: ("S0DESK",)},
    cards=(Card("slack", 1, "C0TRIAGE1", "1700000300.000100", "1700000300.000100"),),
)
TIER0_TOKENS = {f"<@{SLACK_REQUESTER}>", "<!subteam^S0DESK>"}


@CHECKED
@given(TEXT, TEXT, NAME)
def test_on_slack_words_never_link_ping_or_hide_and_stay_readable(
    words: str, subject: str, name: str
) -> None:
    view = ticket("slack", SLACK_REQUESTER, Place("slack", "C0HELP", "1.2"), subject, name)
    author = Person("slack", "U0ALICE", name)
    views = [slack_render.answer_view(words, "vpn", "en")]

    for action in actions(view, words, author):
        calls = [call.args for call in slack_render.render(action, SLACK_CONTEXT)]
        texts = list(strings(calls + views))
        for text in strings(calls + views, plain=False):
            tokens = {t for t in slack_tokens(text) if not t.startswith("<!date^")}
            assert tokens <= TIER0_TOKENS | kb_links(action, words), text
        for text in texts:
            assert not INVISIBLE.search(text), repr(text)
        shown = slack_shown("\n".join(texts))
        for word in words_in(typed(action, words)):
            assert word in shown, (word, action)


def kb_links(action: Action, words: str) -> set[str]:
    """An article's own Markdown links are the help desk's, so they stay links."""
    if isinstance(action, AnswerArticle | OfferArticles):
        return slack_tokens(markdown_to_mrkdwn(words))
    return set()


# -- console ----------------------------------------------------------------------------------


@CHECKED
@given(TEXT, TEXT, NAME)
def test_on_the_console_no_control_character_reaches_the_terminal(
    words: str, subject: str, name: str
) -> None:
    view = ticket("console", "you", Place("console", "you"), subject, name)
    author = Person("console", "alice", name)

    for action in actions(view, words, author):
        printed = console_render(action).plain
        assert not INVISIBLE.search(printed), repr(printed)
        for word in words_in(typed(action, words)):
            assert word in printed, (word, action)
        assert printed.count("[bold red]") >= typed(action, words).count("[bold red]")
