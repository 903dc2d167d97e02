"""tier0 actions -> Slack Web API calls with Block Kit. Pure: tested on the calls it returns.

Every piece of text that came from a person, an agent or the knowledge base is escaped
(:func:`~adapters.slack.mrkdwn.escaped`) before it goes into a field Slack reads as mrkdwn,
and cut to Slack's block limits. Ticket cards are laid out in :mod:`adapters.slack.cards`,
the pieces every message is made of in :mod:`adapters.slack.blocks`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final, assert_never

from adapters.slack.blocks import (
    JSON,
    ApiCall,
    CardPosted,
    Context,
    button,
    buttons,
    ephemeral,
    label,
    mrkdwn_body,
    name,
    post,
    section,
)
from adapters.slack.cards import card_blocks, card_fallback
from adapters.slack.mrkdwn import SECTION_LIMIT, escaped
from adapters.slack.translate import ACTION_PREFIX
from bot.actions import (
    Action,
    AnswerArticle,
    AskRating,
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
from bot.events import Person, Place
from bot.i18n.catalogues import SOURCE_LOCALE
from bot.i18n.messages import say
from bot.records import Card

__all__ = [
    "SHOW_ANSWER_ACTION",
    "ApiCall",
    "CardPosted",
    "Context",
    "answer_view",
    "parse_show_answer_value",
    "render",
    "show_answer_value",
]

SHOW_ANSWER_ACTION: Final = f"{ACTION_PREFIX}:show_answer"
_SHOW_BODY_INLINE: Final = 700


def render(action: Action, context: Context) -> list[ApiCall]:
    """The Web API calls that show ``action`` on Slack (none if there is nowhere to show it)."""
    match action:
        case Reply():
            return [_reply(action)]
        case AnswerArticle():
            return [_answer(action, context)]
        case OfferArticles(place=place, text=text, articles=articles, buttons=offered):
            blocks = [section(escaped(text))]
            blocks += [
                section(f"*{escaped(a.title, 200)}*\n{mrkdwn_body(a.summary, 1000)}")
                for a in articles
            ]
            return [post(place, text, [*blocks, *buttons(offered)])]
        case AskRating(ticket=ticket, text=text, buttons=offered):
            blocks = [section(escaped(text)), *buttons(offered)]
            return [_to_requester(post(ticket.place, text, blocks))]
        case RelayToRequester(ticket=ticket, text=text, author=author):
            said = f"*{escaped(name(author), 200)}* ({escaped(ticket.tier_name, 100)}): "
            blocks = [section(said + escaped(text, SECTION_LIMIT - len(said)))]
            return [_to_requester(post(ticket.place, f"{name(author)}: {text}", blocks))]
        case RelayToAgents(text=text, author=author, internal=internal):
            return _relay_to_agents(text, author, internal, context)
        case PostTicketCard(ticket=ticket):
            return _new_card(ticket, context)
        case UpdateTicketCard(ticket=ticket, change=change):
            return [_card_update(ticket, change, card, context) for card in context.cards]
        case RemindAgents(ticket=ticket, text=text, kind=kind):
            return _remind(ticket, text, kind, context)
        case PostDigest():
            return _digest(action, context)
        case Refuse(person=person, place=place, reason=reason):
            return [ephemeral(person, place, reason)]
        case _:
            assert_never(action)


def _reply(action: Reply) -> ApiCall:
    """In the conversation; one meant for its addressee alone is ephemeral outside a DM.

    A new ticket announced at the top of a DM continues in the announcement's thread, so
    what the person asks next at the top is a new question.
    """
    blocks = [section(escaped(action.text)), *buttons(action.buttons)]
    if action.to is not None and not _is_direct(action.place):
        return ephemeral(action.to, action.place, action.text, blocks)
    call = post(action.place, action.text, blocks)
    if action.ticket_key is not None and action.place.thread is None:
        return replace(call, thread_for=action.ticket_key)
    return call


def _to_requester(call: ApiCall) -> ApiCall:
    """What an agent says to the requester, or asks them, in a DM's ticket thread shows in
    the DM too: people are not told of a thread the bot started."""
    if _is_direct(Place("slack", str(call.args["channel"]))) and "thread_ts" in call.args:
        return replace(call, args={**call.args, "reply_broadcast": True})
    return call


def _answer(action: AnswerArticle, context: Context) -> ApiCall:
    """The summary, then the body inline when short, or behind "Show full answer"."""
    article = action.article
    blocks = [section(f"*{escaped(article.title, 200)}*\n{mrkdwn_body(article.summary, 2800)}")]
    body = context.article_bodies.get(article.id, "")
    extra: tuple[JSON, ...] = ()
    if body and len(body) <= _SHOW_BODY_INLINE:
        blocks.append(section(mrkdwn_body(body)))
    elif body:
        extra = (_show_answer_button(article.id, action.locale),)
    blocks += [section(escaped(action.text)), *buttons(action.buttons, extra)]
    return post(action.place, f"{article.title}: {article.summary}", blocks)


def _new_card(ticket: TicketView, context: Context) -> list[ApiCall]:
    channel = context.triage_channels.get(ticket.tier)
    if channel is None:
        return []
    blocks = card_blocks(ticket, "new ticket", ticket.tier, context)
    call = post(Place("slack", channel), card_fallback(ticket), blocks)
    return [ApiCall(call.method, call.args, CardPosted(ticket.key, ticket.tier))]


def _card_update(ticket: TicketView, change: str, card: Card, context: Context) -> ApiCall:
    args: JSON = {
        "channel": card.channel,
        "ts": card.message_id,
        "text": escaped(card_fallback(ticket)),
        "blocks": card_blocks(ticket, change, card.tier, context),
    }
    return ApiCall("chat.update", args)


def _digest(action: PostDigest, context: Context) -> list[ApiCall]:
    channel = context.triage_channels.get(action.tier)
    if channel is None:
        return []
    day = action.day.isoformat()
    title = say("card.digest_title", context.locale, tier=action.tier_name, day=day)
    body = escaped(action.text, 2 * SECTION_LIMIT)
    chunks = [body[i : i + SECTION_LIMIT] for i in range(0, len(body), SECTION_LIMIT)]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": label(title, 150)}},
        *(section(chunk) for chunk in chunks),
    ]
    return [post(Place("slack", channel), title, blocks)]


def _is_direct(place: Place) -> bool:
    """A direct message with the bot (Slack's DM channel ids start with D): what is said
    there is read by that person alone."""
    return place.channel.startswith("D")


def _relay_to_agents(text: str, author: Person, internal: bool, context: Context) -> list[ApiCall]:
    """Into the thread of the newest card (after an escalation, the new tier's)."""
    if not context.cards:
        return []
    card = context.cards[-1]
    who = escaped(name(author), 200)
    said = f":lock: *Internal note* from *{who}*: " if internal else f"*{who}*: "
    blocks = [section(said + escaped(text, SECTION_LIMIT - len(said)))]
    where = Place("slack", card.channel, card.thread or card.message_id)
    return [post(where, f"{name(author)}: {text}", blocks)]


def _remind(ticket: TicketView, text: str, kind: str, context: Context) -> list[ApiCall]:
    """In the thread of the card of the ticket's tier; a breach also shows in the channel
    and mentions the tier's user groups (ids from the configuration, never from text)."""
    cards = [c for c in context.cards if c.tier == ticket.tier] or list(context.cards)
    if cards:
        where = Place("slack", cards[-1].channel, cards[-1].thread or cards[-1].message_id)
    elif ticket.tier in context.triage_channels:
        where = Place("slack", context.triage_channels[ticket.tier])
    else:
        return []
    breach = kind == "breach"
    groups = context.tier_groups.get(ticket.tier, ()) if breach else ()
    mentions = "".join(f"<!subteam^{g}> " for g in groups)
    icon = ":rotating_light:" if breach else ":alarm_clock:"
    said = f"{icon} {mentions}*{escaped(ticket.key, 50)}*: {escaped(text, 2500)}"
    call = post(where, f"{ticket.key}: {text}", [section(said)])
    if breach and where.thread:
        call.args["reply_broadcast"] = True
    return [call]


def answer_view(title: str, body: str, locale: str) -> JSON:
    """The modal behind "Show full answer": the whole article, in as many blocks as it needs."""
    text = mrkdwn_body(body, limit=None)
    chunks = [text[i : i + SECTION_LIMIT] for i in range(0, len(text), SECTION_LIMIT)][:49]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": label(say("slack.answer_title", locale), 24)},
        "close": {"type": "plain_text", "text": label(say("slack.close", locale), 24)},
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": label(title, 150)}},
            *(section(chunk) for chunk in chunks),
        ],
    }


def _show_answer_button(article_id: str, locale: str) -> JSON:
    """Its value carries the reader's language along for the modal's title."""
    text = say("slack.show_full_answer", locale)
    return button(text, SHOW_ANSWER_ACTION, show_answer_value(article_id, locale))


def show_answer_value(article_id: str, locale: str) -> str:
    return f"{locale}|{article_id}"


def parse_show_answer_value(value: str) -> tuple[str, str]:
    """(article id, locale) from a "Show full answer" button; older buttons hold only the id."""
    locale, bar, article_id = value.partition("|")
    return (article_id, locale) if bar else (value, SOURCE_LOCALE)
