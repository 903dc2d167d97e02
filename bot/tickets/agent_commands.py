"""Agent commands on tickets: claim, unclaim, assign, reply, note, escalate, priority, ...

Each command checks permissions first (only agents; only agents of the ticket's tier or
above) and a refused command changes nothing. A ticket above the agent's tier is answered
for as if it did not exist (``bot.tickets.visibility``), except in its own conversation.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.actions import PostTicketCard, RelayToAgents
from bot.commands import usage
from bot.events import Person
from bot.i18n.messages import say
from bot.records import ACTIVE_STATUSES, Ticket
from bot.tickets.desk import TicketDesk
from bot.tickets.refusals import assignee_name, refuse_inactive
from bot.tickets.transitions import TRANSITIONS, TicketAction, may
from bot.tickets.visibility import no_such_ticket, refusal
from bot.turn import Turn

__all__ = ["AgentCommands"]

Handler = Callable[[Turn, Ticket, list[str]], None]


class AgentCommands:
    def __init__(self, desk: TicketDesk) -> None:
        self.desk = desk
        self._handlers: dict[str, Handler] = {
            "claim": self.claim,
            "unclaim": self.unclaim,
            "assign": self.assign,
            "reply": self.reply,
            "note": self.note,
            "escalate": self.escalate,
            "priority": self.priority,
            "resolve": self.resolve,
            "link": self.link,
        }

    def run(self, turn: Turn, name: str, args: list[str]) -> None:
        if turn.agent_tier is None:
            turn.refuse(turn.say("agent.not_agent"))
            return
        if name == "tickets":
            self.list_open(turn)
            return
        ticket, rest = self._target(turn, name, args)
        if ticket is None:
            return
        if turn.agent_tier < ticket.tier:
            turn.refuse(refusal(turn, ticket, self._tier_too_low(turn, ticket, name)))
            return
        how = usage(name)
        if how is not None and not rest:
            turn.refuse(turn.say("agent.usage", usage=how))
            return
        self._handlers[name](turn, ticket, rest)

    # -- commands -------------------------------------------------------------------------

    def claim(self, turn: Turn, ticket: Ticket, _args: list[str]) -> None:
        if ticket.assignee and ticket.assignee.id == turn.user.id and ticket.active:
            turn.refuse(turn.say("agent.claimed", key=ticket.key))
            return
        updated = self.desk.change(turn, ticket, TicketAction.CLAIM)
        if updated is None:
            return
        self.desk.show_change(turn, updated, TicketAction.CLAIM, "claimed")
        agent = turn.person.name or turn.person.id
        locale = self.desk.requester_locale(updated)
        turn.tell_requester(
            updated,
            say(
                "ticket.claimed_notice",
                locale,
                agent=agent,
                tier=self.desk.tier_name(updated),
                key=updated.key,
            ),
            locale=locale,
        )
        if turn.conversation.id != updated.conversation_id:
            turn.reply(turn.say("agent.claimed", key=updated.key))

    def unclaim(self, turn: Turn, ticket: Ticket, _args: list[str]) -> None:
        if not self._may(turn, ticket, TicketAction.UNCLAIM):
            return
        updated = self.desk.change(turn, ticket, TicketAction.UNCLAIM)
        if updated is None:
            return
        self.desk.show_change(turn, updated, TicketAction.UNCLAIM, "unclaimed")
        turn.reply(turn.say("agent.unclaimed", key=updated.key, tier=self.desk.tier_name(updated)))

    def assign(self, turn: Turn, ticket: Ticket, args: list[str]) -> None:
        named = _person_from_ref(args[0], turn.person.platform)
        known = turn.store.find_user(named.platform, named.id)
        target = known.as_person() if known else named  # with the roles last seen on them
        tier = self.desk.agents.tier_of(target)
        if tier is None or tier < ticket.tier:
            turn.refuse(turn.say("agent.unknown_agent", name=args[0], key=ticket.key))
            return
        assignee = known or turn.store.save_user(target, "agent", turn.now)
        assign = TicketAction.ASSIGN
        updated = self.desk.change(turn, ticket, assign, f"to {target.ref}", chosen=assignee)
        if updated is None:
            return
        self.desk.show_change(turn, updated, assign, "assigned")
        turn.reply(turn.say("agent.assigned", key=updated.key, agent=assignee_name(updated)))

    def reply(self, turn: Turn, ticket: Ticket, args: list[str]) -> None:
        """Relay an agent's answer; replying to an unclaimed ticket claims it."""
        claim, answer = (
            TRANSITIONS[TicketAction.CLAIM_BY_REPLYING],
            TRANSITIONS[TicketAction.ANSWER],
        )
        if not (claim.allows(ticket) or answer.allows(ticket)):
            refuse_inactive(turn, ticket, answer.refused_as)
            return
        if claim.allows(ticket):
            claimed = self.desk.change(turn, ticket, claim.action)
            if claimed is None:
                return
            ticket = claimed
        if not self._may(turn, ticket, answer.action):
            return
        text = " ".join(args)
        self.desk.relay_to_requester(turn, ticket, text)
        self.answered(turn, ticket)
        if turn.conversation.id != ticket.conversation_id and not turn.in_agents_workspace:
            turn.reply(turn.say("agent.reply_sent", key=ticket.key))

    def answered(self, turn: Turn, ticket: Ticket) -> None:
        """The assignee answered the requester: the ball is in the requester's court."""
        updated = self.desk.change(turn, ticket, TicketAction.ANSWER)
        if updated is not None:
            self.desk.show_change(turn, updated, TicketAction.ANSWER, "waiting on requester")

    def note(self, turn: Turn, ticket: Ticket, args: list[str]) -> None:
        text = " ".join(args)
        turn.record(
            ticket.conversation_id, text, ticket_id=ticket.id, direction="note", user=turn.user
        )
        turn.store.log_ticket_event(ticket, turn.user, "note", turn.now)
        if not turn.in_agents_workspace:  # there, the agents already see it
            turn.emit(RelayToAgents(self.desk.view(ticket), text, turn.person, internal=True))
            turn.reply(turn.say("agent.note_added", key=ticket.key))

    def escalate(self, turn: Turn, ticket: Ticket, args: list[str]) -> None:
        escalate = TRANSITIONS[TicketAction.ESCALATE]
        if not escalate.allows(ticket):
            refuse_inactive(turn, ticket, escalate.refused_as)
            return
        if ticket.tier >= self.desk.agents.top_tier:
            turn.refuse(
                turn.say("agent.top_tier", key=ticket.key, tier=self.desk.tier_name(ticket))
            )
            return
        reason = " ".join(args) or escalate.detail
        updated = self.desk.change(turn, ticket, escalate.action, reason)
        if updated is None:
            return
        tier = self.desk.tier_name(updated)
        self.desk.show_change(turn, updated, escalate.action, f"escalated to {tier}: {reason}")
        turn.emit(PostTicketCard(self.desk.view(updated)))
        locale = self.desk.requester_locale(updated)
        notice = say("ticket.escalated_notice", locale, key=updated.key, tier=tier)
        turn.tell_requester(updated, notice, locale=locale)
        if turn.conversation.id != updated.conversation_id:
            turn.reply(turn.say("agent.escalated", key=updated.key, tier=tier))

    def priority(self, turn: Turn, ticket: Ticket, args: list[str]) -> None:
        level = args[0].lower()
        known = self.desk.settings.priorities
        if level not in known:
            turn.refuse(turn.say("agent.unknown_priority", priority=level, known=", ".join(known)))
            return
        change = TicketAction.SET_PRIORITY
        detail = f"{ticket.priority} -> {level}"
        updated = self.desk.change(turn, ticket, change, detail, priority=level)
        if updated is None:
            return
        self.desk.show_change(turn, updated, change, f"priority {level}")
        turn.reply(turn.say("agent.priority_set", key=updated.key, priority=level))

    def resolve(self, turn: Turn, ticket: Ticket, args: list[str]) -> None:
        resolve = TRANSITIONS[TicketAction.RESOLVE]
        if not resolve.allows(ticket):
            refuse_inactive(turn, ticket, resolve.refused_as)
            return
        if self._may(turn, ticket, resolve.action):
            self.desk.resolve(turn, ticket, " ".join(args))

    def link(self, turn: Turn, ticket: Ticket, args: list[str]) -> None:
        """``/link T-5 T-2``: T-5 is the same problem as T-2, and gets T-2's answer."""
        parent = turn.store.ticket_by_key(args[0])
        if parent is None:
            turn.refuse(no_such_ticket(turn, args[0]))
            return
        if (turn.agent_tier or 0) < parent.tier:
            turn.refuse(refusal(turn, parent, self._tier_too_low(turn, parent, "link")))
            return
        if not ticket.active:
            refuse_inactive(turn, ticket, "linked")
            return
        view, locale = self.desk.view(ticket), self.desk.requester_locale(ticket)
        self.desk.duplicates.link(turn, ticket, parent, view, locale)

    def list_open(self, turn: Turn) -> None:
        tickets = [
            t for t in turn.store.list_tickets(ACTIVE_STATUSES) if t.tier <= (turn.agent_tier or 0)
        ]
        if not tickets:
            turn.reply(turn.say("agent.tickets_none"))
            return
        lines = [self.desk.describe(ticket, turn.locale) for ticket in tickets]
        turn.reply("\n".join([turn.say("agent.tickets_header"), *lines]))

    # -- helpers --------------------------------------------------------------------------

    def _target(self, turn: Turn, name: str, args: list[str]) -> tuple[Ticket | None, list[str]]:
        """The ticket named by the first argument, or else the one of this conversation."""
        if args and self.desk.looks_like_key(args[0]):
            ticket = turn.store.ticket_by_key(args[0])
            if ticket is None:
                turn.refuse(no_such_ticket(turn, args[0]))
            return ticket, args[1:]
        ticket = self.desk.current_ticket(turn)
        if ticket is None:
            if args and args[0][:1].isalpha() and "-" in args[0]:
                turn.refuse(no_such_ticket(turn, args[0]))
            else:
                turn.refuse(turn.say("agent.ticket_needed", name=name))
        return ticket, args

    def _may(self, turn: Turn, ticket: Ticket, action: TicketAction) -> bool:
        """Whether the table lets this agent do it: a claimed ticket is its assignee's to
        work (or a higher tier's); if not, say whose it is."""
        if may(action, ticket, turn.user, turn.agent_tier):
            return True
        turn.refuse(turn.say("agent.not_yours", key=ticket.key, agent=assignee_name(ticket)))
        return False

    def _tier_too_low(self, turn: Turn, ticket: Ticket, verb: str) -> str:
        tier = self.desk.tier_name(ticket)
        return turn.say("agent.tier_too_low", key=ticket.key, tier=tier, verb=verb)


def _person_from_ref(ref: str, platform: str) -> Person:
    """``alice``, ``@alice`` or ``slack:U123`` -> the person the configuration lists."""
    ref = ref.lstrip("@")
    if ":" in ref:
        prefix, _, ident = ref.partition(":")
        if prefix == "agent":
            return Person(platform, ident)
        return Person(prefix, ident)
    return Person(platform, ref)
