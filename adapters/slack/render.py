"""tier0 actions -> Slack Web API calls with Block Kit. Pure: tested on the calls it returns.

Every piece of text that came from a person, an agent or the knowledge base is escaped
(:func:`~adapters.slack.mrkdwn.escaped`) before it goes into a field Slack reads as mrkdwn,
and cut to Slack's block limits. The only ``<...>`` tokens tier0 posts are its own: the
requester's and assignee's ``<@U…>`` and dates, built from ids, never from text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from adapters.slack.article_form import SAVE_ARTICLE_ACTION
from adapters.slack.mrkdwn import SECTION_LIMIT, escaped, markdown_to_mrkdwn
from adapters.slack.translate import ACTION_PREFIX, button_action_id, command_action_id
from adapters.text import visible
from bot.actions import (
    Action,
    AnswerArticle,
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
from bot.events import Person, Place
from bot.i18n.catalogues import SOURCE_LOCALE, language_name
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

JSON = dict[str, Any]
SHOW_ANSWER_ACTION: Final = f"{ACTION_PREFIX}:show_answer"
LABEL_LIMIT: Final = 75
FIELD_LIMIT: Final = 2000
BUTTONS_PER_BLOCK: Final = 25
_SLACK_USER: Final = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SHOW_BODY_INLINE: Final = 700


@dataclass(frozen=True)
class CardPosted:
    """After this call succeeds, its message is the ticket's card for ``tier``."""

    key: str
    tier: int


@dataclass(frozen=True)
class ApiCall:
    method: str
    args: JSON
    card: CardPosted | None = None


@dataclass(frozen=True)
class Context:
    """What rendering needs beyond the action: settings, the knowledge base, card locations.

    ``locale`` is the help desk's default language, the one agents read.
    """

    priorities: tuple[str, ...] = ()
    triage_channels: Mapping[int, str] = field(default_factory=dict)
    top_tier: int = 1
    article_titles: Mapping[str, str] = field(default_factory=dict)
    article_bodies: Mapping[str, str] = field(default_factory=dict)
    tier_groups: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    cards: tuple[Card, ...] = ()
    locale: str = SOURCE_LOCALE


def render(action: Action, context: Context) -> list[ApiCall]:
    """The Web API calls that show ``action`` on Slack (none if there is nowhere to show it)."""
    match action:
        case Reply(place=place, text=text, buttons=buttons, to=to):
            blocks = [_section(escaped(text)), *_buttons(buttons)]
            if to is not None and not _is_direct(place):
                return [_ephemeral(to, place, text, blocks)]
            return [_post(place, text, blocks)]
        case AnswerArticle(place=place, article=article, text=text, buttons=buttons, locale=locale):
            summary = _mrkdwn_body(article.summary, 2800)
            blocks = [_section(f"*{escaped(article.title, 200)}*\n{summary}")]
            body = context.article_bodies.get(article.id, "")
            extra: tuple[JSON, ...] = ()
            if body and len(body) <= _SHOW_BODY_INLINE:
                blocks.append(_section(_mrkdwn_body(body)))
            elif body:
                extra = (_show_answer_button(article.id, locale),)
            blocks += [_section(escaped(text)), *_buttons(buttons, extra)]
            return [_post(place, f"{article.title}: {article.summary}", blocks)]
        case OfferArticles(place=place, text=text, articles=articles, buttons=buttons):
            blocks = [_section(escaped(text))]
            blocks += [
                _section(f"*{escaped(a.title, 200)}*\n{_mrkdwn_body(a.summary, 1000)}")
                for a in articles
            ]
            return [_post(place, text, [*blocks, *_buttons(buttons)])]
        case AskRating(ticket=ticket, text=text, buttons=buttons):
            return [_post(ticket.place, text, [_section(escaped(text)), *_buttons(buttons)])]
        case RelayToRequester(ticket=ticket, text=text, author=author):
            said = f"*{escaped(_name(author), 200)}* ({escaped(ticket.tier_name, 100)}): "
            blocks = [_section(said + escaped(text, SECTION_LIMIT - len(said)))]
            return [_post(ticket.place, f"{_name(author)}: {text}", blocks)]
        case RelayToAgents(ticket=ticket, text=text, author=author, internal=internal):
            return _relay_to_agents(ticket, text, author, internal, context)
        case PostTicketCard(ticket=ticket):
            channel = context.triage_channels.get(ticket.tier)
            if channel is None:
                return []
            blocks = _card_blocks(ticket, "new ticket", ticket.tier, context)
            post = _post(Place("slack", channel), _card_fallback(ticket), blocks)
            return [ApiCall(post.method, post.args, CardPosted(ticket.key, ticket.tier))]
        case UpdateTicketCard(ticket=ticket, change=change):
            return [
                ApiCall(
                    "chat.update",
                    {
                        "channel": card.channel,
                        "ts": card.message_id,
                        "text": escaped(_card_fallback(ticket)),
                        "blocks": _card_blocks(ticket, change, card.tier, context),
                    },
                )
                for card in context.cards
            ]
        case RemindAgents(ticket=ticket, text=text, kind=kind):
            return _remind(ticket, text, kind, context)
        case PostDigest(tier=tier, tier_name=tier_name, day=day, text=text):
            channel = context.triage_channels.get(tier)
            if channel is None:
                return []
            title = say("card.digest_title", context.locale, tier=tier_name, day=day.isoformat())
            body = escaped(text, 2 * SECTION_LIMIT)
            chunks = [body[i : i + SECTION_LIMIT] for i in range(0, len(body), SECTION_LIMIT)]
            blocks = [
                {"type": "header", "text": {"type": "plain_text", "text": _label(title, 150)}},
                *(_section(chunk) for chunk in chunks),
            ]
            return [_post(Place("slack", channel), title, blocks)]
        case Refuse(person=person, place=place, reason=reason):
            return [_ephemeral(person, place, reason)]
    return []


def _is_direct(place: Place) -> bool:
    """A direct message with the bot (Slack's DM channel ids start with D): what is said
    there is read by that person alone."""
    return place.channel.startswith("D")


def _ephemeral(person: Person, place: Place, fallback: str, blocks: Sequence[JSON] = ()) -> ApiCall:
    """Shown to ``person`` alone where they are; if Slack cannot (they left the channel),
    the call fails and nothing is shown: never a message for everyone there."""
    args: JSON = {"channel": place.channel, "user": person.id, "text": escaped(fallback)}
    if blocks:
        args["blocks"] = list(blocks)
    if place.thread:
        args["thread_ts"] = place.thread
    return ApiCall("chat.postEphemeral", args)


def _relay_to_agents(
    ticket: TicketView, text: str, author: Person, internal: bool, context: Context
) -> list[ApiCall]:
    """Into the thread of the newest card (after an escalation, the new tier's)."""
    if not context.cards:
        return []
    card = context.cards[-1]
    name = escaped(_name(author), 200)
    said = f":lock: *Internal note* from *{name}*: " if internal else f"*{name}*: "
    blocks = [_section(said + escaped(text, SECTION_LIMIT - len(said)))]
    where = Place("slack", card.channel, card.thread or card.message_id)
    return [_post(where, f"{_name(author)}: {text}", blocks)]


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
    call = _post(where, f"{ticket.key}: {text}", [_section(said)])
    if breach and where.thread:
        call.args["reply_broadcast"] = True
    return [call]


def answer_view(title: str, body: str, locale: str) -> JSON:
    """The modal behind "Show full answer": the whole article, in as many blocks as it needs."""
    text = _mrkdwn_body(body, limit=None)
    chunks = [text[i : i + SECTION_LIMIT] for i in range(0, len(text), SECTION_LIMIT)][:49]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": _label(say("slack.answer_title", locale), 24)},
        "close": {"type": "plain_text", "text": _label(say("slack.close", locale), 24)},
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": _label(title, 150)}},
            *(_section(chunk) for chunk in chunks),
        ],
    }


# -- pieces ---------------------------------------------------------------------------------------


def _post(place: Place, fallback: str, blocks: Sequence[JSON]) -> ApiCall:
    args: JSON = {
        "channel": place.channel,
        "text": escaped(fallback),
        "blocks": list(blocks),
        "unfurl_links": False,
        "unfurl_media": False,
    }
    if place.thread:
        args["thread_ts"] = place.thread
    return ApiCall("chat.postMessage", args)


def _section(mrkdwn: str) -> JSON:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn or " "}}


def _label(text: str, limit: int = LABEL_LIMIT) -> str:
    """Plain text for a button, header or option: one line, nothing invisible."""
    text = " ".join(visible(text).split()) or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _button(label: str, action_id: str, value: str, style: str = "default") -> JSON:
    element: JSON = {
        "type": "button",
        "text": {"type": "plain_text", "text": _label(label), "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style != "default":
        element["style"] = style
    return element


def _buttons(buttons: Sequence[Button], extra: Sequence[JSON] = ()) -> list[JSON]:
    elements = [
        _button(b.label, button_action_id(b, i), b.value, b.style) for i, b in enumerate(buttons)
    ]
    elements += extra
    return [
        {"type": "actions", "elements": elements[i : i + BUTTONS_PER_BLOCK]}
        for i in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def _show_answer_button(article_id: str, locale: str) -> JSON:
    """Its value carries the reader's language along for the modal's title."""
    label = say("slack.show_full_answer", locale)
    return _button(label, SHOW_ANSWER_ACTION, show_answer_value(article_id, locale))


def show_answer_value(article_id: str, locale: str) -> str:
    return f"{locale}|{article_id}"


def parse_show_answer_value(value: str) -> tuple[str, str]:
    """(article id, locale) from a "Show full answer" button; older buttons hold only the id."""
    locale, bar, article_id = value.partition("|")
    return (article_id, locale) if bar else (value, SOURCE_LOCALE)


def _mrkdwn_body(body: str, limit: int | None = SECTION_LIMIT) -> str:
    text = markdown_to_mrkdwn(body.strip())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _name(person: Person) -> str:
    return person.name or person.id


def _who(person: Person | None, locale: str) -> str:
    """A person on a card: a real Slack mention built from their id, or their escaped name."""
    if person is None:
        return f"_{say('ticket.unclaimed', locale)}_"
    if person.platform == "slack" and _SLACK_USER.match(person.id):
        return f"<@{person.id}>"
    return escaped(_name(person), 200)


def _when(moment: datetime) -> str:
    epoch = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}} ({{ago}})|{fallback}>"


def _card_fallback(ticket: TicketView) -> str:
    return f"{ticket.key} ({ticket.priority}, {ticket.tier_name}): {ticket.subject}"


def _card_blocks(ticket: TicketView, change: str, card_tier: int, context: Context) -> list[JSON]:
    """The card, in the agents' language (the desk's ``context.locale``)."""
    locale = context.locale

    def field(label: str, value: str) -> str:
        return f"*{say(label, locale)}*\n{value}"

    status = say(f"status.{ticket.status}", locale)
    tried = f"_{say('card.no_article_fit', locale)}_"
    if ticket.failed_article_id:
        title = context.article_titles.get(ticket.failed_article_id, ticket.failed_article_id)
        tried = f"{escaped(title, 300)} _({say('card.did_not_help', locale)})_"
    fields = [
        field("card.requester", _who(ticket.requester, locale)),
        field("card.language", escaped(_language(ticket, locale), 200)),
        field("card.priority", escaped(ticket.priority, 100)),
        field("card.status", escaped(status, 100)),
        field("card.tier", escaped(ticket.tier_name, 200)),
        field("card.assignee", _who(ticket.assignee, locale)),
        field("card.opened", _when(ticket.created_at)),
        field("card.bot_tried", tried),
    ]
    sla = _sla(ticket, locale)
    if sla:
        fields.append(field("card.sla", sla))
    blocks: list[JSON] = [
        _section(f"*{escaped(ticket.key, 50)}* · {escaped(ticket.subject, 2500)}"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    moved = card_tier < ticket.tier
    note = f"{say('card.last_change', locale)}: {escaped(change, 1500)}"
    if moved:
        where = context.triage_channels.get(ticket.tier)
        note += f" · {say('card.now_with', locale, tier=escaped(ticket.tier_name, 200))}"
        note += f" in <#{where}>" if where else ""
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    if not moved:
        controls = _card_controls(ticket, context)
        if controls:
            blocks.append({"type": "actions", "elements": controls})
    return blocks


def _language(ticket: TicketView, agents_locale: str) -> str:
    """The requester's language as the agents call it: "Portuguese (Brazil) · pt-BR"."""
    return f"{language_name(ticket.locale, agents_locale)} · {ticket.locale}"


def _sla(ticket: TicketView, locale: str) -> str:
    parts: list[str] = []
    if ticket.first_response_due_at is not None:
        when = _when(ticket.first_response_due_at)
        parts.append(say("card.first_reply_by", locale, when=when))
    if ticket.resolution_due_at is not None:
        parts.append(say("card.resolve_by", locale, when=_when(ticket.resolution_due_at)))
    if ticket.sla_paused:
        parts.append(f"_{say('card.sla_paused', locale)}_")
    if ticket.breached:
        missed = ", ".join(say(f"card.breach.{b}", locale) for b in ticket.breached)
        parts.append(f":warning: {say('card.missed', locale, what=escaped(missed, 200))}")
    return "\n".join(parts)


def _card_controls(ticket: TicketView, context: Context) -> list[JSON]:
    key, locale = ticket.key, context.locale
    active = ticket.status in ("open", "claimed", "waiting_on_user")
    controls: list[JSON] = []
    if ticket.status == "open":
        claim = button_action_id(Button("", "claim"), 0)
        controls.append(_button(say("button.claim", locale), claim, key, "primary"))
    if active and ticket.tier < context.top_tier:
        escalate = f"{key} from the ticket card"
        label = say("button.escalate", locale)
        controls.append(_button(label, command_action_id("escalate"), escalate))
    if active or ticket.status == "resolved":
        controls.append(_priority_menu(ticket, context.priorities, locale))
    if active:
        resolve = button_action_id(Button("", "resolve"), 3)
        controls.append(_button(say("button.resolve", locale), resolve, key))
    if ticket.status == "resolved":
        reopen = button_action_id(Button("", "reopen"), 4)
        controls.append(_button(say("button.reopen", locale), reopen, key))
        controls.append(_button(say("button.save_article", locale), SAVE_ARTICLE_ACTION, key))
    return [c for c in controls if c]


def _priority_menu(ticket: TicketView, priorities: Sequence[str], locale: str) -> JSON:
    if not priorities:
        return {}
    options = [
        {"text": {"type": "plain_text", "text": _label(p)}, "value": f"{ticket.key} {p}"}
        for p in priorities[:100]
    ]
    menu: JSON = {
        "type": "static_select",
        "action_id": command_action_id("priority"),
        "placeholder": {"type": "plain_text", "text": say("card.priority", locale)},
        "options": options,
    }
    current = next((o for o in options if o["value"] == f"{ticket.key} {ticket.priority}"), None)
    if current is not None:
        menu["initial_option"] = current
    return menu
