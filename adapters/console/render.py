"""Actions as terminal text: one ``rich.text.Text`` per action, user text never parsed as markup.

Every piece of text passes :func:`~adapters.text.visible` on its way in, so no escape
sequence, control character or bidirectional override reaches the terminal.

Everything is printed in one terminal, so each line says where it would appear: the
requester's conversation (``[main]``), an agent's own view (``[agent:alice]``) or the agents'
ticket channel (``[agents]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from rich.text import Text

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
from bot.i18n.catalogues import SOURCE_LOCALE
from bot.i18n.messages import say
from bot.tickets.tried import tried_lines

__all__ = ["buttons_of", "plain", "render", "render_buttons"]

INDENT = "    "
BOT = "bold cyan"
AGENT = "bold green"
CARD = "yellow"
NOTE = "magenta"
REFUSAL = "dim red"


def plain(text: str, style: str = "") -> Text:
    """Stored text (anyone's words) for a terminal: shown as typed, never read as Rich
    markup (``[link=...]``, ``[/bold]``), with no control or bidirectional character."""
    return Text(visible(text), style=style)


def render(action: Action) -> Text:
    """The text to print for one action (several lines for articles and buttons)."""
    match action:
        case AnswerArticle(place=place, article=article, text=text, buttons=buttons):
            out = _said(place, "bot", BOT, "")
            out.append(visible(article.title), style="bold")
            out.append(f"\n{INDENT}{visible(article.summary)}\n{INDENT}{visible(text)}")
            return _with_buttons(out, buttons)
        case OfferArticles(place=place, text=text, buttons=buttons):
            out = _said(place, "bot", BOT, text)
            for number, button in enumerate(buttons, start=1):
                out.append(f"\n{INDENT}[{number}] ", style="bold")
                out.append(visible(button.label))
            return out
        case Reply(place=place, text=text, buttons=buttons):
            return _with_buttons(_said(place, "bot", BOT, text), buttons)
        case AskRating(ticket=ticket, text=text, buttons=buttons):
            return _with_buttons(_said(ticket.place, "bot", BOT, text), buttons)
        case RelayToRequester(ticket=ticket, text=text, author=author):
            return _said(ticket.place, f"{_name(author)} (agent)", AGENT, text)
        case RelayToAgents(ticket=ticket, text=text, author=author, internal=internal):
            where = "internal note" if internal else "agents"
            out = _label(f"[{where} · {ticket.key}] ", NOTE if internal else CARD)
            out.append(f"{_name(author)}: ", style="bold")
            out.append(visible(text), style="italic" if internal else "")
            return out
        case PostTicketCard(ticket=ticket):
            return _with_tried(_card(ticket, f"posted to the {ticket.tier_name} queue"), ticket)
        case UpdateTicketCard(ticket=ticket, change=change):
            return _card(ticket, change)
        case RemindAgents(ticket=ticket, text=text, kind=kind):
            out = _label(f"[agents · {ticket.key}] ", CARD)
            out.append(
                f"{'SLA breach' if kind == 'breach' else 'reminder'}: ", style=f"bold {CARD}"
            )
            out.append(visible(text))
            return out
        case PostDigest(tier_name=tier_name, text=text):
            out = _label(f"[agents · {visible(tier_name)} digest] ", CARD)
            out.append(visible(text).replace("\n", "\n" + INDENT))
            return out
        case Refuse(person=person, place=place, reason=reason):
            out = _label(f"[{_where(place)}] ", "dim")
            out.append(f"bot → {_name(person)} (only you see this): ", style=REFUSAL)
            out.append(visible(reason), style=REFUSAL)
            return out
        case _:
            assert_never(action)


def buttons_of(action: Action) -> tuple[Place, tuple[Button, ...]] | None:
    """Where ``action`` offers buttons, and which, so a number typed there can press one."""
    match action:
        case (
            Reply(place=place, buttons=buttons)
            | AnswerArticle(place=place, buttons=buttons)
            | OfferArticles(place=place, buttons=buttons)
        ):
            offered = (place, buttons)
        case AskRating(ticket=ticket, buttons=buttons):
            offered = (ticket.place, buttons)
        case (
            PostTicketCard()
            | UpdateTicketCard()
            | RelayToRequester()
            | RelayToAgents()
            | RemindAgents()
            | PostDigest()
            | Refuse()
        ):
            return None
        case _:
            assert_never(action)
    return offered if offered[1] else None


def render_buttons(buttons: Sequence[Button]) -> Text:
    """``[1] Solved  [2] Still need help``; a button labelled with its number is just ``[1]``."""
    out = Text(INDENT)
    for number, button in enumerate(buttons, start=1):
        if number > 1:
            out.append("  ")
        out.append(f"[{number}]", style="bold")
        if button.label != str(number):
            style = "bold" if button.style == "primary" else ""
            out.append(f" {visible(button.label)}", style=style)
    return out


def _said(place: Place, who: str, style: str, text: str) -> Text:
    out = _label(f"[{_where(place)}] ", "dim")
    out.append(f"{visible(who)}: ", style=style)
    out.append(visible(text).replace("\n", "\n" + INDENT))
    return out


def _with_buttons(out: Text, buttons: Sequence[Button]) -> Text:
    if buttons:
        out.append("\n")
        out.append_text(render_buttons(buttons))
    return out


def _card(ticket: TicketView, change: str) -> Text:
    assignee = _name(ticket.assignee) if ticket.assignee else "unassigned"
    out = _label("[agents] ", CARD)
    out.append(ticket.key, style=f"bold {CARD}")
    fields = (
        ticket.status.replace("_", " "),
        ticket.tier_name,
        ticket.priority,
        assignee,
        ticket.locale,
    )
    out.append(" · " + " · ".join(visible(f) for f in fields) + " · ")
    out.append(f"“{visible(ticket.subject)}”", style="italic")
    out.append(f" ({visible(change)})", style=CARD)
    return out


def _with_tried(card: Text, ticket: TicketView) -> Text:
    """A new card lists what the bot tried (in English, like the rest of the console's own
    words), so the agent picking it up sees it before claiming."""
    lines = tried_lines(ticket.attempts, SOURCE_LOCALE) or [say("card.nothing_tried")]
    card.append(f"\n{INDENT}{say('card.bot_tried')}:", style=CARD)
    for line in lines:
        card.append(f"\n{INDENT}- {visible(line)}")
    return card


def _label(text: str, style: str) -> Text:
    """A styled prefix; ``Text(text, style=...)`` would style everything appended later too."""
    out = Text()
    out.append(text, style=style)
    return out


def _where(place: Place) -> str:
    where = visible(place.channel)
    return f"{where}/{visible(place.thread)}" if place.thread else where


def _name(person: Person) -> str:
    return visible(person.name or person.id)
