"""The ticket state machine: which status may go where, by whose hand, and what follows.

``TRANSITIONS`` is the one place that knows it. Agent commands, the desk and the SLA sweep
all change a ticket with ``perform``: a compare-and-set on the stored ticket (it only
happens if the ticket is still in one of the row's starting statuses, so two agents acting
at once get one winner), then its SLA clock moved to match, then an entry in its history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Final, assert_never

from bot.actions import ChangeKind
from bot.records import ACTIVE_STATUSES, Ticket, TicketStatus, User
from bot.sla.policy import RUNNING, SlaPolicy
from bot.store.tickets import TicketStore

__all__ = [
    "TRANSITIONS",
    "ClockChange",
    "Effect",
    "TicketAction",
    "Transition",
    "Who",
    "may",
    "offered",
    "perform",
]


class TicketAction(StrEnum):
    """Everything that moves a ticket (or changes it under the same rules)."""

    OPEN = "open"
    CLAIM = "claim"
    CLAIM_BY_REPLYING = "claim by replying"
    UNCLAIM = "unclaim"
    ASSIGN = "assign"
    ANSWER = "answer"
    REQUESTER_REPLY = "requester reply"
    ESCALATE = "escalate"
    SET_PRIORITY = "set priority"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    ESCALATE_ON_BREACH = "escalate on breach"
    AUTO_RESOLVE = "auto-resolve"
    CLOSE = "close"


class Who(Enum):
    """Who may perform a row (agent commands are for agents of the ticket's tier or above)."""

    REQUESTER = "the ticket's requester"
    AGENT = "an agent of the ticket's tier or above"
    ASSIGNEE = "its assignee (anyone of its tier while unassigned), or an agent of a higher tier"
    REQUESTER_OR_AGENT = "its requester, or an agent of its tier or above"
    SWEEP = "the SLA sweep, no person"


class ClockChange(Enum):
    """What the SLA clock does (``SlaPolicy.clock`` derives it from the new status)."""

    STARTS = "starts"
    RUNS = "runs, or resumes if it was paused"
    WAITS_AGAIN = "pauses, and the wait for the requester's answer starts again"
    PAUSES = "pauses"
    RETIMED = "its due times follow the new priority's targets"
    STOPS = "stops"


class Effect(Enum):
    """What a row changes on the ticket besides its status."""

    TAKEN_BY_ACTOR = "the person acting becomes the assignee"
    HANDED_TO_CHOSEN = "the agent named becomes the assignee"
    RELEASED = "no assignee"
    NEXT_TIER = "the next tier up"
    FIRST_RESPONSE = "the first response is stamped, once"
    NEW_PRIORITY = "the priority named"
    RESOLVED_NOW = "resolved now"
    RESOLVED_CLEARED = "no longer resolved"
    CLOSED_NOW = "closed now"


Destination = Callable[[Ticket], TicketStatus | None]


def goes(status: TicketStatus) -> Destination:
    """To ``status``, whatever the ticket was."""
    return lambda _ticket: status


def stays(_ticket: Ticket) -> None:
    """The status does not change."""
    return None


def back_to_work(ticket: Ticket) -> TicketStatus:
    """Back to its assignee if it has one, else to the queue of its tier."""
    return "claimed" if ticket.assignee else "open"


@dataclass(frozen=True)
class Transition:
    """One row of the table. ``refused_as`` is how a refusal names the action ("T-1 is
    resolved; it can't be {escalated} now"); ``detail`` is what the history says when the
    caller has nothing more particular to say."""

    action: TicketAction
    sources: frozenset[str]
    to: Destination
    who: Who
    logged: ChangeKind
    clock: ClockChange
    effects: tuple[Effect, ...] = ()
    refused_as: str = "changed"
    detail: str = ""

    def allows(self, ticket: Ticket) -> bool:
        """Whether the ticket's status lets this happen now."""
        return ticket.status in self.sources


ACTIVE = ACTIVE_STATUSES
BREACHABLE = RUNNING  # an SLA target is only missed while its clock runs
ANSWERABLE = frozenset({"claimed", "waiting_on_user"})
RESOLVED = frozenset({"resolved"})
A = TicketAction

_ROWS = (
    # A new ticket is stored open (``Store.open_ticket``): this row names what is logged.
    Transition(A.OPEN, frozenset(), goes("open"), Who.REQUESTER, ChangeKind.OPENED,
               ClockChange.STARTS),
    Transition(A.CLAIM, frozenset({"open"}), goes("claimed"), Who.AGENT, ChangeKind.CLAIMED,
               ClockChange.RUNS, (Effect.TAKEN_BY_ACTOR,), refused_as="claimed"),
    Transition(A.CLAIM_BY_REPLYING, frozenset({"open"}), goes("claimed"), Who.AGENT,
               ChangeKind.CLAIMED, ClockChange.RUNS, (Effect.TAKEN_BY_ACTOR,),
               refused_as="replied to", detail="by replying"),
    Transition(A.UNCLAIM, ANSWERABLE, goes("open"), Who.ASSIGNEE, ChangeKind.UNCLAIMED,
               ClockChange.RUNS, (Effect.RELEASED,), refused_as="released"),
    Transition(A.ASSIGN, ACTIVE, goes("claimed"), Who.AGENT, ChangeKind.ASSIGNED,
               ClockChange.RUNS, (Effect.HANDED_TO_CHOSEN,), refused_as="assigned"),
    Transition(A.ANSWER, ANSWERABLE, goes("waiting_on_user"), Who.ASSIGNEE,
               ChangeKind.AGENT_REPLIED, ClockChange.WAITS_AGAIN, (Effect.FIRST_RESPONSE,),
               refused_as="replied to"),
    Transition(A.REQUESTER_REPLY, frozenset({"waiting_on_user"}), goes("claimed"),
               Who.REQUESTER, ChangeKind.REQUESTER_REPLIED, ClockChange.RUNS),
    Transition(A.ESCALATE, ACTIVE, goes("open"), Who.AGENT, ChangeKind.ESCALATED,
               ClockChange.RUNS, (Effect.NEXT_TIER, Effect.RELEASED), refused_as="escalated",
               detail="no reason given"),
    Transition(A.SET_PRIORITY, ACTIVE | RESOLVED, stays, Who.AGENT,
               ChangeKind.PRIORITY_CHANGED, ClockChange.RETIMED, (Effect.NEW_PRIORITY,)),
    Transition(A.RESOLVE, ACTIVE, goes("resolved"), Who.ASSIGNEE, ChangeKind.RESOLVED,
               ClockChange.PAUSES, (Effect.RESOLVED_NOW,), refused_as="resolved"),
    Transition(A.REOPEN, RESOLVED, back_to_work, Who.REQUESTER_OR_AGENT, ChangeKind.REOPENED,
               ClockChange.RUNS, (Effect.RESOLVED_CLEARED,), refused_as="reopened"),
    Transition(A.ESCALATE_ON_BREACH, BREACHABLE, goes("open"), Who.SWEEP, ChangeKind.ESCALATED,
               ClockChange.RUNS, (Effect.NEXT_TIER, Effect.RELEASED), refused_as="escalated"),
    Transition(A.AUTO_RESOLVE, frozenset({"waiting_on_user"}), goes("resolved"), Who.SWEEP,
               ChangeKind.AUTO_RESOLVED, ClockChange.PAUSES, (Effect.RESOLVED_NOW,),
               refused_as="resolved", detail="no reply from the requester"),
    Transition(A.CLOSE, RESOLVED, goes("closed"), Who.SWEEP, ChangeKind.CLOSED,
               ClockChange.STOPS, (Effect.CLOSED_NOW,), detail="reopen window over"),
)  # fmt: skip
TRANSITIONS: Final[Mapping[TicketAction, Transition]] = {row.action: row for row in _ROWS}


def offered(action: TicketAction, status: str) -> bool:
    """Whether a ticket in ``status`` may have ``action`` done to it now: what its card
    offers, read from the table rather than restated beside each platform's buttons."""
    return status in TRANSITIONS[action].sources


def may(action: TicketAction, ticket: Ticket, user: User | None, agent_tier: int | None) -> bool:
    """Whether ``user`` (an agent of ``agent_tier``, or None for the sweep) may do it."""
    of_tier = agent_tier is not None and agent_tier >= ticket.tier
    is_requester = user is not None and user.id == ticket.requester.id
    who = TRANSITIONS[action].who
    match who:
        case Who.REQUESTER:
            return is_requester
        case Who.AGENT:
            return of_tier
        case Who.ASSIGNEE:
            assignee = ticket.assignee
            mine = assignee is None or (user is not None and assignee.id == user.id)
            return of_tier and (mine or (agent_tier or 0) > ticket.tier)
        case Who.REQUESTER_OR_AGENT:
            return is_requester or of_tier
        case Who.SWEEP:
            return user is None and agent_tier is None
        case _:
            assert_never(who)


def perform(
    store: TicketStore,
    policy: SlaPolicy,
    ticket: Ticket,
    action: TicketAction,
    now: datetime,
    *,
    by: User | None,
    detail: str = "",
    chosen: User | None = None,
    priority: str | None = None,
) -> Ticket | None:
    """Do ``action`` to ``ticket`` if it is still in a starting status (and tier) it allows.

    ``chosen`` is the agent an assignment names, ``priority`` the one a priority change
    sets. Returns the changed ticket with its clock, or None when someone changed it first.
    """
    row = TRANSITIONS[action]
    changes = _changes(row, ticket, now, by, chosen, priority)
    updated = store.update_ticket(ticket, row.sources, now, **changes)
    if updated is None:
        return None
    clock = policy.clock(updated, now, agent_replied=row.clock is ClockChange.WAITS_AGAIN)
    if clock != updated.sla:
        updated = store.set_clock(updated, clock, now)
    store.log_ticket_event(
        updated,
        by,
        row.logged.value,
        now,
        from_status=ticket.status,
        to_status=updated.status,
        detail=detail or row.detail,
    )
    return updated


def _changes(
    row: Transition,
    ticket: Ticket,
    now: datetime,
    by: User | None,
    chosen: User | None,
    priority: str | None,
) -> dict[str, object]:
    """The stored fields a row changes; the status only if it moves, so that a row that
    keeps it never puts back a status another change just set."""
    target = row.to(ticket)
    changes: dict[str, object] = {} if target is None else {"status": target}
    for effect in row.effects:
        match effect:
            case Effect.TAKEN_BY_ACTOR:
                changes["assignee_id"] = by.id if by else None
            case Effect.HANDED_TO_CHOSEN:
                changes["assignee_id"] = chosen.id if chosen else None
            case Effect.RELEASED:
                changes["assignee_id"] = None
            case Effect.NEXT_TIER:
                changes["tier"] = ticket.tier + 1
            case Effect.FIRST_RESPONSE:
                if ticket.first_response_at is None:
                    changes["first_response_at"] = now
            case Effect.NEW_PRIORITY:
                changes["priority"] = priority
            case Effect.RESOLVED_NOW:
                changes["resolved_at"] = now
            case Effect.RESOLVED_CLEARED:
                changes["resolved_at"] = None
            case Effect.CLOSED_NOW:
                changes["closed_at"] = now
            case _:
                assert_never(effect)
    return changes
