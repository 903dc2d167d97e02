"""A ticket's card in a tier's triage channel: its fields, its SLA and its controls.

The card is in the agents' language (the desk's ``Context.locale``). The only ``<...>``
tokens on it are tier0's own: the requester's and assignee's ``<@U…>`` and dates, built
from ids and times, never from text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from adapters.slack.article_form import SAVE_ARTICLE_ACTION
from adapters.slack.blocks import JSON, Context, button, label, name, section
from adapters.slack.mrkdwn import SECTION_LIMIT, escaped
from adapters.slack.translate import button_action_id, command_action_id
from bot.actions import Button, TicketView
from bot.events import Person
from bot.i18n.catalogues import language_name
from bot.i18n.messages import say
from bot.tickets.transitions import TicketAction, offered
from bot.tickets.tried import tried_lines

__all__ = ["card_blocks", "card_fallback"]

_SLACK_USER: Final = re.compile(r"^[UW][A-Z0-9]{2,}$")


def card_fallback(ticket: TicketView) -> str:
    return f"{ticket.key} ({ticket.priority}, {ticket.tier_name}): {ticket.subject}"


def card_blocks(ticket: TicketView, change: str, card_tier: int, context: Context) -> list[JSON]:
    """The card of ``card_tier``; only the current tier's card has controls, an earlier
    tier's says where the ticket went."""
    locale = context.locale
    blocks: list[JSON] = [
        section(f"*{escaped(ticket.key, 50)}* · {escaped(ticket.subject, 2500)}"),
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f} for f in _fields(ticket, context)],
        },
        section(_tried(ticket, locale)),
    ]
    moved = card_tier < ticket.tier
    note = f"{say('card.last_change', locale)}: {escaped(change, 1500)}"
    if moved:
        where = context.triage_channels.get(ticket.tier)
        note += f" · {say('card.now_with', locale, tier=escaped(ticket.tier_name, 200))}"
        note += f" in <#{where}>" if where else ""
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    if not moved:
        controls = _controls(ticket, context)
        if controls:
            blocks.append({"type": "actions", "elements": controls})
    return blocks


def _fields(ticket: TicketView, context: Context) -> list[str]:
    locale = context.locale

    def field(label_id: str, value: str) -> str:
        return f"*{say(label_id, locale)}*\n{value}"

    status = say(f"status.{ticket.status}", locale)
    fields = [
        field("card.requester", _who(ticket.requester, locale)),
        field("card.language", escaped(_language(ticket, locale), 200)),
        field("card.priority", escaped(ticket.priority, 100)),
        field("card.status", escaped(status, 100)),
        field("card.tier", escaped(ticket.tier_name, 200)),
        field("card.assignee", _who(ticket.assignee, locale)),
        field("card.opened", _when(ticket.created_at)),
    ]
    sla = _sla(ticket, locale)
    if sla:
        fields.append(field("card.sla", sla))
    return fields


def _tried(ticket: TicketView, locale: str) -> str:
    """The articles the bot tried, one a line, each cut so that all fit in the section."""
    lines = tried_lines(ticket.attempts, locale)
    room = (SECTION_LIMIT - 200) // max(len(lines), 1)
    listed = "\n".join(f"• {escaped(line, room)}" for line in lines)
    nothing = f"_{say('card.nothing_tried', locale)}_"
    return f"*{say('card.bot_tried', locale)}*\n{listed or nothing}"


def _who(person: Person | None, locale: str) -> str:
    """A person on a card: a real Slack mention built from their id, or their escaped name."""
    if person is None:
        return f"_{say('ticket.unclaimed', locale)}_"
    if person.platform == "slack" and _SLACK_USER.match(person.id):
        return f"<@{person.id}>"
    return escaped(name(person), 200)


def _when(moment: datetime) -> str:
    epoch = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}} ({{ago}})|{fallback}>"


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


def _controls(ticket: TicketView, context: Context) -> list[JSON]:
    key, locale, status = ticket.key, context.locale, ticket.status
    controls: list[JSON] = []
    if offered(TicketAction.CLAIM, status):
        claim = button_action_id(Button("", "claim"), 0)
        controls.append(button(say("button.claim", locale), claim, key, "primary"))
    if offered(TicketAction.ESCALATE, status) and ticket.tier < context.top_tier:
        escalate = f"{key} from the ticket card"
        controls.append(
            button(say("button.escalate", locale), command_action_id("escalate"), escalate)
        )
    if offered(TicketAction.SET_PRIORITY, status):
        controls.append(_priority_menu(ticket, context.priorities, locale))
    if offered(TicketAction.RESOLVE, status):
        resolve = button_action_id(Button("", "resolve"), 3)
        controls.append(button(say("button.resolve", locale), resolve, key))
    if offered(TicketAction.REOPEN, status):
        reopen = button_action_id(Button("", "reopen"), 4)
        controls.append(button(say("button.reopen", locale), reopen, key))
        controls.append(button(say("button.save_article", locale), SAVE_ARTICLE_ACTION, key))
    return [c for c in controls if c]


def _priority_menu(ticket: TicketView, priorities: Sequence[str], locale: str) -> JSON:
    if not priorities:
        return {}
    options = [
        {"text": {"type": "plain_text", "text": label(p)}, "value": f"{ticket.key} {p}"}
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
