"""Learning from resolved tickets: "Save as article" drafts, and approved drafts saved.

Two steps, both for agents who may work the ticket: :meth:`ArticleLearning.draft` proposes
an article (read-only, so an adapter can answer a button press with a review form at once),
and :meth:`ArticleLearning.save` writes what the agent approved, as they edited it, and
loads it into the live KB. Only an approved form is written: no unreviewed text ever
reaches the KB. A ticket gives at most one article, so approving twice writes one file.
"""

from __future__ import annotations

from pathlib import Path

from bot.events import ArticleSubmitted, Person
from bot.i18n.messages import say
from bot.learning.drafts import ArticleDraft, audience_for, draft_article
from bot.records import Ticket
from bot.store.tickets import TicketStore
from bot.tickets.desk import TicketDesk
from bot.turn import Turn
from kb.live import LiveKnowledgeBase
from kb.search import KnowledgeBase
from kb.writer import ArticleExists, NewArticle, write_article

__all__ = ["LEARNED_FOLDER", "SAVED_EVENT", "ArticleLearning", "learned_folder"]

SAVED_EVENT = "article_saved"
"""The ticket-history entry of a saved article (its id in the detail)."""
LEARNED_FOLDER = "learned"
LEARNABLE_STATUSES = frozenset({"resolved", "closed"})


def learned_folder(kb_paths: list[Path]) -> Path:
    """Where learned articles go: a folder inside the first KB folder, so the live KB,
    which watches its folders recursively, loads them with the rest."""
    first = kb_paths[0]
    return (first if not first.is_file() else first.parent) / LEARNED_FOLDER


class ArticleLearning:
    def __init__(self, desk: TicketDesk, kb: KnowledgeBase, folder: Path) -> None:
        self.desk = desk
        self.kb = kb
        self.folder = folder

    def draft(
        self, store: TicketStore, person: Person, tier: int | None, key: str
    ) -> ArticleDraft | str:
        """The draft of ``key``'s article for ``person`` to review, or why they may not."""
        ticket = self._learnable(store, tier, key)
        if isinstance(ticket, str):
            return ticket
        return draft_article(
            ticket, store.transcript(ticket.id), self.desk.requester_locale(ticket)
        )

    def save(self, turn: Turn, event: ArticleSubmitted) -> None:
        """Write the approved article and load it; the agent hears where it went."""
        ticket = self._learnable(turn.store, turn.agent_tier, event.ticket_key)
        if isinstance(ticket, str):
            turn.refuse(ticket)
            return
        turn.ticket_id = ticket.id
        questions = tuple(q.strip() for q in event.questions if q.strip())
        if not (event.title.strip() and questions and event.answer.strip()):
            turn.refuse(turn.say("learning.incomplete"))
            return
        # One approval at a time per ticket (a row lock until this event commits), then
        # look again: another worker may have saved it while this one waited.
        if turn.store.update_ticket(ticket, LEARNABLE_STATUSES, turn.now) is None:
            turn.refuse(turn.say("learning.not_resolved", key=ticket.key))  # reopened meanwhile
            return
        saved = _saved_as(turn.store, ticket)
        if saved is not None:
            turn.refuse(turn.say("learning.already_saved", key=ticket.key, id=saved))
            return
        article = NewArticle(
            title=" ".join(event.title.split()),
            questions=questions,
            body=event.answer,
            audience=audience_for(ticket.place.platform),
            locale=self.desk.requester_locale(ticket),
            author=turn.person.ref,
            source_ticket=ticket.key,
        )
        try:
            written = write_article(self.folder, article, {a.id for a in self.kb.articles})
        except (ArticleExists, ValueError) as error:
            turn.refuse(turn.say("learning.not_written", reason=str(error)))
            return
        turn.store.log_ticket_event(ticket, turn.user, SAVED_EVENT, turn.now, detail=written.id)
        assert isinstance(self.kb, LiveKnowledgeBase)  # _learnable refused otherwise
        self.kb.refresh()
        turn.reply(turn.say("learning.saved", key=ticket.key, id=written.id))

    def _learnable(self, store: TicketStore, tier: int | None, key: str) -> Ticket | str:
        """The ticket, if an agent of ``tier`` may turn it into an article; else why not."""
        locale = self.desk.locale
        if tier is None:
            return say("agent.not_agent", locale)
        ticket = store.ticket_by_key(key)
        if ticket is None:
            return say("agent.no_such_ticket", locale, key=key)
        if tier < ticket.tier:
            tier_name = self.desk.tier_name(ticket)
            return say("agent.tier_too_low", locale, key=key, tier=tier_name, verb="save")
        if ticket.status not in LEARNABLE_STATUSES:
            return say("learning.not_resolved", locale, key=ticket.key)
        saved = _saved_as(store, ticket)
        if saved is not None:
            return say("learning.already_saved", locale, key=ticket.key, id=saved)
        if not isinstance(self.kb, LiveKnowledgeBase):
            return say("learning.kb_fixed", locale)
        return ticket


def _saved_as(store: TicketStore, ticket: Ticket) -> str | None:
    """The id of the article already saved from ``ticket``, if any."""
    saved = [e.detail for e in store.ticket_events(ticket.id) if e.kind == SAVED_EVENT]
    return saved[-1] if saved else None
