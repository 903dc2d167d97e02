"""The commands anyone may type: ``/new``, ``/human``, ``/mytickets``, ``/reopen``,
``/language``, ``/help``. Agents' commands on tickets are ``bot.tickets.agent_commands``."""

from __future__ import annotations

from bot.conversation.handover import Handover
from bot.events import Person
from bot.i18n.catalogues import language_name, languages, supported_locale
from bot.i18n.messages import pick_locale
from bot.tickets.agents import AgentDirectory
from bot.tickets.desk import TicketDesk
from bot.tickets.visibility import may_see, no_such_ticket
from bot.turn import Turn

__all__ = ["LANGUAGE_COMMANDS", "RequesterCommands"]

LANGUAGE_COMMANDS = frozenset({"language", "idioma", "lang"})
AUTO_LANGUAGE = frozenset({"auto", "automatico", "automático"})


class RequesterCommands:
    def __init__(self, desk: TicketDesk, agents: AgentDirectory, default_locale: str) -> None:
        self.desk = desk
        self.handover = Handover(desk)
        self.agents = agents
        self.default_locale = default_locale

    def run(self, turn: Turn, name: str, args: list[str], quoting: Person | None) -> None:
        """Act on command ``name`` (lower case); an unknown one is refused."""
        if name == "reopen":
            self.reopen(turn, args)
        elif name in ("human", "person"):
            self._ask_for_person(turn, " ".join(args))
        elif name in ("new", "ticket"):
            self._new_ticket(turn, name, " ".join(args), quoting)
        elif name in ("mytickets", "status"):
            self._my_tickets(turn, args)
        elif name in LANGUAGE_COMMANDS:
            self._language(turn, args)
        elif name in ("help", "start"):
            text = turn.say("help.requester")
            if turn.agent_tier is not None:
                text = f"{text}\n{turn.say('help.agent')}"
            turn.reply(text)
        else:
            turn.refuse(turn.say("command.unknown", name=name))

    def reopen(self, turn: Turn, args: list[str]) -> None:
        """``/reopen [KEY]`` and the Reopen button: the ticket named, else this place's."""
        if args and self.desk.looks_like_key(args[0]):
            ticket = turn.store.ticket_by_key(args[0])
        else:
            ticket = self.desk.current_ticket(turn)
        if ticket is None:
            key = args[0] if args else ""
            turn.refuse(
                no_such_ticket(turn, key) if key else turn.say("agent.ticket_needed", name="reopen")
            )
            return
        self.desk.reopen(turn, ticket)

    def _new_ticket(self, turn: Turn, name: str, text: str, quoting: Person | None = None) -> None:
        """Skip the bot: open a ticket straight away (a shortcut or slash command), about
        ``text`` and the question the bot is still helping with here, if any.

        Text taken from someone else's message ("Create ticket" on it, ``quoting`` its
        author) is also kept as theirs, so exporting or erasing their data finds it and,
        through it, every copy made here (the subject, the command, replies, the outbox).
        It is filed as quoted, never as something they asked: they are told nothing.
        """
        if not text.strip():
            turn.refuse(turn.say("ticket.new_usage", name=name))
            return
        if quoting is not None and quoting.ref != turn.person.ref:
            author = turn.store.find_user(quoting.platform, quoting.id)
            if author is None:
                author = turn.store.save_user(quoting, self.agents.role_of(quoting), turn.now)
            turn.record(turn.conversation.id, text, ticket_id=None, direction="quoted", user=author)
        if self.desk.someone_elses(turn, self.desk.current_ticket(turn)):
            return  # the question waiting here is someone else's: keep it as it is
        self.handover.open(turn, text, "opened directly")

    def _my_tickets(self, turn: Turn, args: list[str]) -> None:
        """The requester's own tickets, or one of them by key (agents: of their tier or below)."""
        if args and self.desk.looks_like_key(args[0]):
            ticket = turn.store.ticket_by_key(args[0])
            if ticket is None or not may_see(turn, ticket):
                turn.refuse(no_such_ticket(turn, args[0]))
                return
            turn.reply(self.desk.describe(ticket, turn.locale))
            return
        mine = turn.store.list_tickets(None, 10, requester_id=turn.user.id)
        if not mine:
            turn.reply(turn.say("ticket.mine_none"))
            return
        lines = [self.desk.describe(ticket, turn.locale) for ticket in mine]
        turn.reply("\n".join([turn.say("ticket.mine_header"), *lines]))

    def _language(self, turn: Turn, args: list[str]) -> None:
        """``/language pt-BR``: write to this person in that language from now on, whatever
        they write in or their chat app says; ``/language auto`` follows those again."""
        available = ", ".join(languages())
        if not args:
            turn.reply(turn.say("language.usage", available=available))
            return
        if args[0].lower() in AUTO_LANGUAGE:
            turn.user = turn.store.set_locale(turn.user, turn.person.locale, "platform", turn.now)
            turn.locale = pick_locale(turn.user.locale, self.default_locale)
            message = "language.auto"
        else:
            tag = supported_locale(args[0])
            if tag is None:
                turn.refuse(turn.say("language.unknown", requested=args[0], available=available))
                return
            turn.user = turn.store.set_locale(turn.user, tag, "chosen", turn.now)
            turn.locale, message = tag, "language.set"
        turn.reply(turn.say(message, language=language_name(turn.locale, turn.locale)))

    def _ask_for_person(self, turn: Turn, text: str) -> None:
        """``/human [TEXT]``: a ticket about the question pending here and what TEXT adds."""
        ticket = self.desk.current_ticket(turn)
        if ticket is not None and ticket.active:
            self.desk.follow_up(turn, ticket, text or turn.say("command.human_again"))
            return
        self.handover.open(turn, self.handover.question_in(text), "asked for a person")
