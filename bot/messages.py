"""Every sentence the bot writes, in one catalogue keyed by message id.

Keeping the wording out of the logic lets support leads edit it in one place and gives
translations (issue 10) a single list of ids to cover.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CATALOGUE", "say"]

CATALOGUE: dict[str, str] = {
    # Answers and suggestions
    "answer.ask_solved": "Did this solve your problem?",
    "answer.other_locale": "(This article is in {locale}.)",
    "button.solved": "Solved",
    "button.still_need_help": "Still need help",
    "suggest.intro": "I found a few articles that might help. Which one fits best?",
    "button.none_of_these": "None of these",
    "smalltalk.greeting": (
        "Hi! Tell me what's wrong in a sentence or two and I'll look for an answer, or "
        "say 'talk to a human' to reach a person."
    ),
    "smalltalk.thanks": "You're welcome! Ask me anything else any time.",
    "solved.thanks": "Glad that helped! Ask me anything else any time.",
    "choice.expired": "That choice is no longer open. Just ask your question again.",
    # Tickets, requester side
    "ticket.opened": (
        "I couldn't solve this myself, so I opened ticket {key} for you (priority: {priority}). "
        "The {tier} team has been notified and will reply here. Anything else you write here "
        "is added to the ticket."
    ),
    "ticket.opened_on_request": (
        "Sure, I opened ticket {key} and passed it to the {tier} team (priority: {priority}). "
        "Someone will reply here. Anything else you write here is added to the ticket."
    ),
    "command.human_again": "(asked again for a person)",
    "ticket.limit_reached": (
        "You already have {count} open tickets ({keys}). Please continue in one of them, "
        "or wait until one is resolved."
    ),
    "ticket.cooldown": (
        "You opened ticket {key} a moment ago. Please add details there, or try again in "
        "{seconds} seconds."
    ),
    "ticket.mine_none": "You have no tickets.",
    "ticket.mine_header": "Your tickets:",
    "ticket.status": "{key}: {status} · {tier} · priority {priority} · {assignee} · {subject}",
    "ticket.new_usage": "Usage: /{name} DESCRIPTION OF THE PROBLEM",
    "ticket.follow_up_noted": "Added to ticket {key}. The {tier} team will see it.",
    "ticket.claimed_notice": "{agent} from the {tier} team is looking at your ticket {key}.",
    "ticket.escalated_notice": "Your ticket {key} has been passed to the {tier} team.",
    "ticket.resolved_ask_rating": (
        "Your ticket {key} has been marked as resolved. How would you rate the help you got? "
        "(1 = poor, 5 = excellent)"
    ),
    "ticket.reopened_notice": "Ticket {key} is open again. The {tier} team will follow up here.",
    "sla.out_of_hours": (
        "Our team is away right now; a person will pick this up from {when}. Meanwhile, "
        "ask me anything else and I'll look it up."
    ),
    "sla.nudge": (
        "Is ticket {key} sorted? Just reply here if you still need help; otherwise it "
        "will be closed as resolved {when}."
    ),
    "sla.auto_resolved": (
        "I haven't heard back about ticket {key}, so I've marked it as resolved. How would "
        "you rate the help you got? (1 = poor, 5 = excellent) If it isn't solved, press "
        "Reopen."
    ),
    "sla.reminder": (
        "{key} ({priority}) is still unclaimed: {share}% of its first-response time has "
        "passed; a first response is due by {due}."
    ),
    "sla.breach_first_response": "first response due {due} was missed",
    "sla.breach_resolution": "resolution due {due} was missed",
    "sla.breached_escalated": "SLA breached ({what}): escalated to {tier}",
    "sla.breached_top_tier": "SLA breached on {key} ({what}). {tier} is the last tier; please act.",
    "sla.breached_noted": "SLA breached on {key} ({what}). Please act.",
    "sla.digest_title": "Daily digest for {tier}, {day}",
    "sla.digest_open": "Open tickets: {count}",
    "sla.digest_priority": "By priority: {counts}",
    "sla.digest_age": "By age: {counts}",
    "sla.digest_unclaimed": "Unclaimed: {keys}",
    "sla.digest_breached": "SLA breached: {keys}",
    "sla.digest_deflections": "Answered by the bot yesterday (marked solved): {count}",
    "button.reopen": "Reopen",
    "button.skip": "Skip",
    "rating.thanks_ask_comment": (
        "Thanks for rating {key} {rating}/5. Anything you'd like to add? Just type it, "
        "or press Skip."
    ),
    "rating.comment_thanks": "Thank you, your comment was added to {key}.",
    "rating.skipped": "Thanks! Ask me anything else any time.",
    "rating.invalid": "Please pick a rating from 1 to 5.",
    # Input problems
    "input.empty": "I didn't catch a question there. What can I help you with?",
    "input.no_words": (
        "I can only search for help with words. Could you describe the problem in a sentence?"
    ),
    "command.unknown": "I don't know the command /{name}. Try /help.",
    "error.internal": (
        "Sorry, something went wrong on my side. Your message is saved; please try again "
        "in a moment."
    ),
    # Agent side
    "agent.not_agent": "Only support agents can do that.",
    "agent.tier_too_low": (
        "{key} is at the {tier} tier; only agents of that tier or above can {verb} it."
    ),
    "agent.no_such_ticket": "There is no ticket {key}.",
    "agent.ticket_needed": (
        "Which ticket? Use /{name} T-123 ... or run it in the ticket's conversation."
    ),
    "agent.not_active": "{key} is {status}; it can't be {verb} now.",
    "agent.already_claimed": "{key} is already claimed by {agent}.",
    "agent.claimed": "You claimed {key}.",
    "agent.unclaimed": "You released {key}; it is back in the {tier} queue.",
    "agent.not_yours": "{key} is assigned to {agent}; claim it or ask them to release it first.",
    "agent.assigned": "{key} is now assigned to {agent}.",
    "agent.unknown_agent": "{name} is not an agent who can work {key}.",
    "agent.reply_sent": "Sent to the requester of {key}.",
    "agent.note_added": "Internal note added to {key}.",
    "agent.escalated": "{key} moved to the {tier} tier.",
    "agent.top_tier": "{key} is already at the highest tier ({tier}).",
    "agent.priority_set": "{key} priority is now {priority}.",
    "agent.unknown_priority": "Unknown priority {priority!r}. Use one of: {known}.",
    "agent.resolved": "{key} is resolved; the requester was asked for a rating.",
    "agent.reopened": "{key} is open again.",
    "agent.reopen_window_over": (
        "{key} was resolved more than {days} days ago and can no longer be reopened. "
        "Please open a new ticket."
    ),
    "agent.usage": "Usage: /{usage}",
    "agent.tickets_none": "No open tickets.",
    "agent.tickets_header": "Open tickets:",
    "agent.not_requester": "Only the person who opened {key} or an agent can {verb} it.",
    "agent.in_ticket_unclaimed": (
        "{key} isn't claimed by you. Claim it to reply, or use /note for an internal note."
    ),
    "help.requester": (
        "Ask me a question in your own words and I'll look for an answer. "
        "If I can't help, I'll open a ticket for a person. Say 'talk to a human' at any time. "
        "Commands: /new DESCRIPTION opens a ticket directly, /mytickets lists yours, "
        "/status KEY shows one, /reopen KEY reopens a resolved one."
    ),
    "help.agent": (
        "Agent commands: /claim KEY, /unclaim KEY, /assign KEY AGENT, /reply KEY TEXT, "
        "/note KEY TEXT, /escalate KEY [REASON], /priority KEY LEVEL, /resolve KEY [SUMMARY], "
        "/reopen KEY, /tickets."
    ),
}


def say(message_id: str, **values: Any) -> str:
    """The catalogue text for ``message_id`` with ``values`` filled in."""
    return CATALOGUE[message_id].format(**values)
