"""tier0 actions -> Discord messages, described as plain data (no client, no event loop).

User text is escaped (markdown, links and mentions) wherever it is echoed; text written by
staff and knowledge-base articles keep their markdown but never their mentions. Control and
bidirectional characters are dropped from all of it (:func:`adapters.text.visible`). The
sender adds ``AllowedMentions.none()`` to every message as well, a second line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Final, Literal, assert_never

import discord

from adapters.discord_adapter.ids import custom_id, is_personal, user_of
from adapters.discord_adapter.translate import ModalRequest
from adapters.text import visible
from bot.actions import (
    AnswerArticle,
    AskRating,
    Button,
    OfferArticles,
    Refuse,
    RelayToAgents,
    RelayToRequester,
    Reply,
    TicketView,
)
from bot.events import Person, Place
from bot.i18n.catalogues import language_name
from bot.i18n.messages import pick_locale, say
from bot.tickets.transitions import TicketAction, offered
from bot.tickets.tried import tried_lines

__all__ = [
    "CONVERSATIONAL",
    "ButtonSpec",
    "Conversational",
    "MessageSpec",
    "ModalSpec",
    "SelectSpec",
    "addressed",
    "card",
    "cut",
    "digest",
    "modal",
    "panel",
    "reminder",
    "render",
    "safe",
    "thread_name",
    "thread_pointer",
    "ticket_intro",
]

Style = Literal["primary", "secondary", "success", "danger"]
Conversational = (
    Reply | AnswerArticle | OfferArticles | RelayToRequester | RelayToAgents | AskRating | Refuse
)
CONVERSATIONAL: Final = (
    Reply,
    AnswerArticle,
    OfferArticles,
    RelayToRequester,
    RelayToAgents,
    AskRating,
    Refuse,
)
CONTENT_LIMIT, LABEL_LIMIT, ROW_LIMIT, ROWS_LIMIT = 2000, 80, 5, 5
TITLE_LIMIT, DESCRIPTION_LIMIT, FIELD_LIMIT, FOOTER_LIMIT = 256, 4096, 1024, 2048
MAX_ARTICLE_BUTTONS: Final = 3
_STYLES: Final[dict[str, Style]] = {
    "default": "secondary",
    "primary": "primary",
    "danger": "danger",
}
_COLOURS: Final = {
    "open": 0xE67E22,
    "claimed": 0x3498DB,
    "waiting_on_user": 0xF1C40F,
    "resolved": 0x2ECC71,
    "closed": 0x95A5A6,
}
_MARKDOWN: Final = re.compile(
    r"(?P<url>https?://[^\s<>\[\]`|\\]+)"  # a bare link stays clickable and shows its target
    r"|(?P<char>[\\*_~|`\[\]<>])"  # formatting, masked links, <autolinks>, <@mentions>
    r"|^(?P<indent>[ \t]*)(?P<marker>[#+-]|\d+\.)",  # headings and lists
    re.MULTILINE,
)
_MENTION: Final = re.compile(r"@(?=everyone|here|[!&]?\d)")


@dataclass(frozen=True)
class ButtonSpec:
    label: str
    custom_id: str
    style: Style = "secondary"


@dataclass(frozen=True)
class SelectSpec:
    custom_id: str
    placeholder: str
    options: tuple[tuple[str, str], ...]  # (label, value)
    default: str | None = None


Component = ButtonSpec | SelectSpec


@dataclass(frozen=True, eq=False)
class MessageSpec:
    content: str = ""
    embeds: tuple[discord.Embed, ...] = ()
    rows: tuple[tuple[Component, ...], ...] = field(default=())


@dataclass(frozen=True)
class ModalSpec:
    custom_id: str
    title: str
    label: str
    required: bool


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe(text: str) -> str:
    """Someone's text shown as typed: no formatting, no masked link, no mention."""
    return _defused(_MARKDOWN.sub(_escape, visible(text)))


def _escape(match: re.Match[str]) -> str:
    """A backslash makes Discord show any punctuation character as itself.

    Every opener is escaped, not only the first of a pair, so no pattern can be completed
    later in the text; a link is left whole (an escape inside it would change its target)
    unless it holds a character that could open markup, where it ends.
    """
    if match["url"]:
        return match["url"]
    if match["char"]:
        return "\\" + match["char"]
    marker = match["marker"]
    return match["indent"] + (marker[:-1] + "\\." if marker[-1] == "." else "\\" + marker)


def _defused(text: str) -> str:
    """``@everyone``, ``@here`` and ``<@id>``: a zero-width space after the @ pings no one."""
    return _MENTION.sub("@\u200b", text)


def _trusted(text: str) -> str:
    """Staff and knowledge-base text, and plain-text fields: formatting kept, mentions defused."""
    return _defused(visible(text))


def render(action: Conversational) -> MessageSpec:
    """The message for an action said in a conversation (cards are :func:`card`)."""
    match action:
        case AnswerArticle(article=article, text=text, buttons=buttons, locale=locale):
            embed = discord.Embed(
                title=cut(_trusted(article.title), TITLE_LIMIT),
                description=cut(_trusted(article.summary), DESCRIPTION_LIMIT),
            )
            embed.set_footer(text=cut(_trusted(text), FOOTER_LIMIT))
            return MessageSpec("", (embed,), _button_rows(buttons, locale))
        case OfferArticles(text=text, articles=articles, buttons=buttons, locale=locale):
            embed = discord.Embed()
            for ref in articles[:25]:
                embed.add_field(
                    name=cut(_trusted(ref.title), TITLE_LIMIT),
                    value=cut(_trusted(ref.summary) or "-", FIELD_LIMIT),
                    inline=False,
                )
            rows = _offer_rows(buttons, locale)
            return MessageSpec(cut(safe(text), CONTENT_LIMIT), (embed,), rows)
        case Reply(text=text, buttons=buttons, locale=locale):
            return MessageSpec(cut(safe(text), CONTENT_LIMIT), (), _button_rows(buttons, locale))
        case AskRating(ticket=ticket, text=text, buttons=buttons):
            rows = _button_rows(buttons, ticket.locale)
            return MessageSpec(cut(safe(text), CONTENT_LIMIT), (), rows)
        case RelayToRequester(ticket=ticket, text=text, author=author):
            team = say("discord.support_team", ticket.locale)
            said = f"**{_name(author)}** ({team}): {_trusted(text)}"
            return MessageSpec(cut(said, CONTENT_LIMIT))
        case RelayToAgents(text=text, author=author, internal=True):
            said = f"\N{LOCK} **Internal note** by {_name(author)}: {_trusted(text)}"
            return MessageSpec(cut(said, CONTENT_LIMIT))
        case RelayToAgents(ticket=ticket, text=text, author=author):
            said = f"**{_name(author)}** (requester, {ticket.key}): {safe(text)}"
            return MessageSpec(cut(said, CONTENT_LIMIT))
        case Refuse(reason=reason):
            return MessageSpec(cut(safe(reason), CONTENT_LIMIT))
        case _:
            assert_never(action)


def reminder(text: str) -> MessageSpec:
    """A reminder or breach notice, for the ticket's card thread."""
    return MessageSpec(cut(f"\N{ALARM CLOCK} {safe(text)}", CONTENT_LIMIT))


def digest(text: str) -> MessageSpec:
    """The daily digest, as plain lines in the tier's triage channel."""
    return MessageSpec(cut(safe(text), CONTENT_LIMIT))


def addressed(spec: MessageSpec, where: Place) -> MessageSpec:
    """In a shared support channel, say whom a message is for (shown, never pinged)."""
    user = user_of(where)
    if user is None or not is_personal(where):
        return spec
    return replace(spec, content=cut(f"<@{user}> {spec.content}".rstrip(), CONTENT_LIMIT))


def card(
    ticket: TicketView,
    change: str,
    *,
    card_tier: int,
    top_tier: int,
    priorities: Sequence[str],
    locale: str,
) -> MessageSpec:
    """A ticket card for a tier's triage channel; only the current tier's card has buttons.

    ``locale`` is the agents' language (the help desk's default); the card names the
    requester's language in it.
    """
    embed = discord.Embed(
        title=cut(f"{ticket.key} · {safe(ticket.subject)}", TITLE_LIMIT),
        description=cut(safe(ticket.subject), DESCRIPTION_LIMIT),
        colour=_COLOURS.get(ticket.status, 0x95A5A6),
        timestamp=ticket.created_at,
    )
    assignee = _who(ticket.assignee) if ticket.assignee else say("ticket.unclaimed", locale)
    for label, value in (
        ("card.status", say(f"status.{ticket.status}", locale)),
        ("card.tier", safe(ticket.tier_name)),
        ("card.priority", safe(ticket.priority)),
        ("card.requester", _who(ticket.requester)),
        ("card.language", safe(f"{language_name(ticket.locale, locale)} · {ticket.locale}")),
        ("card.assignee", assignee),
    ):
        embed.add_field(name=say(label, locale), value=cut(value, FIELD_LIMIT))
    embed.add_field(name=say("card.bot_tried", locale), value=_tried(ticket, locale), inline=False)
    if change:
        last = say("card.last_change", locale)
        embed.add_field(name=last, value=cut(safe(change), FIELD_LIMIT), inline=False)
    embed.set_footer(text=say("discord.card_footer", locale))
    if card_tier != ticket.tier:
        return MessageSpec("", (embed,), ())
    return MessageSpec("", (embed,), _card_rows(ticket, top_tier, priorities, locale))


def _tried(ticket: TicketView, locale: str) -> str:
    """The articles the bot tried, one a line, each cut so that all fit in the field."""
    lines = tried_lines(ticket.attempts, locale)
    room = FIELD_LIMIT // max(len(lines), 1) - 3
    listed = "\n".join(f"• {cut(safe(line), room)}" for line in lines)
    return listed or say("card.nothing_tried", locale)


def _card_rows(
    ticket: TicketView, top_tier: int, priorities: Sequence[str], locale: str
) -> tuple[tuple[Component, ...], ...]:
    key, status = ticket.key, ticket.status
    if offered(TicketAction.REOPEN, status):
        reopen = ButtonSpec(say("button.reopen", locale), custom_id("reopen", key))
        save = ButtonSpec(say("button.save_article", locale), custom_id("save_article", key))
        return ((reopen, save),)
    if not offered(TicketAction.RESOLVE, status):  # closed: nothing left to do
        return ()
    claim = (
        ButtonSpec(say("button.claim", locale), custom_id("claim", key), "primary")
        if offered(TicketAction.CLAIM, status)
        else ButtonSpec(say("button.unclaim", locale), custom_id("unclaim", key))
    )
    buttons: list[Component] = [claim]
    if ticket.tier < top_tier:
        buttons.append(ButtonSpec(say("button.escalate", locale), custom_id("escalate", key)))
    resolve = say("button.resolve", locale)
    buttons.append(ButtonSpec(resolve, custom_id("resolve", key), "success"))
    options = tuple((cut(p, 100), cut(p, 100)) for p in priorities[:25])
    placeholder = say("card.priority", locale)
    select = SelectSpec(custom_id("priority", key), placeholder, options, ticket.priority)
    return (tuple(buttons), (select,))


def ticket_intro(ticket: TicketView) -> MessageSpec:
    """The first message of a ticket's private thread: what it is and what happens next."""
    text = say(
        "discord.ticket_intro",
        ticket.locale,
        key=ticket.key,
        priority=safe(ticket.priority),
        tier=safe(ticket.tier_name),
    )
    return MessageSpec(cut(text, CONTENT_LIMIT))


def thread_pointer(ticket: TicketView, thread_id: str) -> MessageSpec:
    return MessageSpec(
        say("discord.thread_pointer", ticket.locale, key=ticket.key, thread=f"<#{thread_id}>")
    )


def thread_name(ticket: TicketView) -> str:
    """Plain text (Discord shows thread names unformatted), on one line."""
    return cut(f"{ticket.key} {' '.join(_trusted(ticket.subject).split())}", 100)


def modal(request: ModalRequest, default_locale: str) -> ModalSpec:
    """The form a press opens, in the language of whoever pressed (their Discord client's)."""
    locale = pick_locale(request.locale, default_locale)
    if request.kind == "ask":
        title, label = say("discord.ask_title", locale), say("discord.ask_label", locale)
        return ModalSpec(custom_id("ask"), cut(title, 45), cut(label, 45), True)
    if request.kind == "escalate":
        title = cut(f"Escalate {_trusted(request.value)}", 45)
        return ModalSpec(custom_id("escalate", request.value), title, "Reason", False)
    title = cut(say("discord.comment_title", locale, key=request.value), 45)
    label = cut(say("discord.comment_label", locale), 45)
    return ModalSpec(custom_id("comment", request.value), title, label, False)


def panel(locale: str) -> MessageSpec:
    """The "Get help" panel an admin posts in a support channel (in the desk's language)."""
    button = ButtonSpec(say("discord.panel_button", locale), custom_id("ask"), "primary")
    return MessageSpec(say("discord.panel_text", locale), (), ((button,),))


def _button_rows(buttons: Sequence[Button], locale: str) -> tuple[tuple[Component, ...], ...]:
    specs: list[Component] = []
    for button in buttons:
        if button.action == "skip_comment":
            label = say("discord.add_comment", locale)
            specs.append(ButtonSpec(label, custom_id("comment", button.value), "primary"))
        specs.append(_button(button))
    return _rows(specs)


def _offer_rows(buttons: Sequence[Button], locale: str) -> tuple[tuple[Component, ...], ...]:
    picks = [b for b in buttons if b.action == "pick"]
    if len(picks) <= MAX_ARTICLE_BUTTONS:
        return _button_rows(buttons, locale)
    options = tuple((cut(_trusted(b.label), 100), b.value) for b in picks[:25])
    select = SelectSpec(custom_id("pick"), say("discord.pick_article", locale), options)
    rest = [b for b in buttons if b.action != "pick"]
    return ((select,), *_button_rows(rest, locale))


def _button(button: Button) -> ButtonSpec:
    label = cut(_trusted(button.label), LABEL_LIMIT) or "-"
    return ButtonSpec(label, custom_id(button.action, button.value), _STYLES[button.style])


def _rows(specs: Sequence[Component]) -> tuple[tuple[Component, ...], ...]:
    chunks = [tuple(specs[i : i + ROW_LIMIT]) for i in range(0, len(specs), ROW_LIMIT)]
    return tuple(chunks[:ROWS_LIMIT])


def _name(person: Person) -> str:
    return safe(person.name or person.id)


def _who(person: Person) -> str:
    """A person on a card: a mention (cards are embeds, which never ping) or their name."""
    return (
        f"<@{person.id}>" if person.platform == "discord" and person.id.isdigit() else _name(person)
    )
