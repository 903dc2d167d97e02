"""The bot's first line: answer from the knowledge base, offer a choice, or hand over.

Decisions use the same ``kb.decide`` as ``tier0 kb eval``, so what is measured offline
is what happens in chat.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import AnswerArticle, ArticleRef, Button, OfferArticles
from bot.attempts import after_answer, after_offer, judged
from bot.conversation.handover import Handover
from bot.conversation.language import WrittenLanguage
from bot.conversation.sorting import (
    add_instead_button,
    ask_which,
    is_pending,
    shares_conversation,
)
from bot.i18n.catalogues import language_name
from bot.records import Ticket
from bot.settings import Settings
from bot.tickets.desk import TicketDesk
from bot.turn import Turn
from kb import Article, KnowledgeBase, Match, Thresholds, decide
from kb.decision import Decision
from kb.normalize import normalize

__all__ = ["Answerer"]


class Answerer:
    def __init__(
        self, settings: Settings, kb: KnowledgeBase, desk: TicketDesk, written: WrittenLanguage
    ) -> None:
        self.settings = settings
        self.kb = kb
        self.desk = desk
        self.written = written
        self._configured = Thresholds(settings.kb.answer_threshold, settings.kb.suggest_threshold)
        self.handover = Handover(desk)
        self._greetings = {normalize(p) for p in settings.tickets.greetings}
        self._thanks = {normalize(p) for p in settings.tickets.thanks}
        self._vague = {normalize(p) for p in settings.tickets.vague_requests}

    @property
    def thresholds(self) -> Thresholds:
        """The KB's calibrated thresholds when it has them (they may change with a reload)."""
        return self.kb.thresholds or self._configured

    def question(self, turn: Turn, text: str, open_ticket: Ticket | None) -> None:
        """A new question: answer, suggest or open a ticket. ``open_ticket``: the person's
        newest open ticket, which the question may really be about."""
        if self._someone_elses(turn):
            return
        if not text.strip():
            turn.reply(turn.say("input.empty"))
            return
        if not normalize(text):
            turn.reply(turn.say("input.no_words"))
            return
        words = normalize(text)
        if words in self._greetings:
            turn.reply(turn.say("smalltalk.greeting"))
            return
        if words in self._thanks:
            turn.reply(turn.say("smalltalk.thanks"))
            return
        if words in self._vague:
            turn.reply(turn.say("input.too_vague"))
            return
        turn.conversation.requester_id = turn.user.id
        if self.handover.asks_for_person(text):
            turn.store.record_question(turn.conversation, turn.user, text, "person", turn.now)
            if open_ticket is not None:
                self._person_beside(turn, open_ticket, text)
                return
            self.handover.open(turn, self.handover.question_in(text), "asked for a person")
            self._settle(turn, "ticket")
            return
        turn.conversation.question, turn.conversation.attempts = text, ()
        decision, chosen = self._match(turn, text)
        answered = chosen[0].article.id if decision == "answer" else None
        turn.store.record_question(
            turn.conversation, turn.user, text, decision, turn.now, article_id=answered
        )
        instead = () if open_ticket is None else (add_instead_button(turn, open_ticket),)
        if decision == "answer":
            self._answer(turn, chosen[0].article, chosen[0].confidence, instead)
        elif decision == "suggest" and not shares_conversation(turn, open_ticket):
            self._offer(turn, chosen, instead)
        elif open_ticket is not None:
            ask_which(turn, open_ticket, asked_for_person=False)
        else:
            self.desk.open(turn, text, failed_article_id=None, reason="no article matched")
            self._settle(turn, "ticket")

    def _match(self, turn: Turn, text: str) -> tuple[Decision, Sequence[Match]]:
        """Articles in the requester's language first. Without a confident answer there,
        the language the text is written in (when they chose another) and the desk's
        default language too: an answer found that way beats suggestions in the
        requester's language (and says it is in another language)."""
        own = self._own_locales(turn)
        decision, chosen = self._decide(turn, text, own)
        more = [*self._written_in(turn, text), self.settings.default_locale]
        others = [tag for tag in more if tag.casefold() not in map(str.casefold, own)]
        if decision != "answer" and others:
            wider, found = self._decide(turn, text, list(dict.fromkeys([*own, *others])))
            if wider == "answer" or decision == "escalate":
                decision, chosen = wider, found
        return decision, chosen

    def _decide(
        self, turn: Turn, text: str, locales: list[str]
    ) -> tuple[Decision, Sequence[Match]]:
        audience = self.settings.audience_for(turn.conversation.place.platform)
        matches = self.kb.rank(
            text, audience=None if audience == "all" else audience, locales=locales, limit=5
        )
        return decide(matches, self.thresholds)

    # -- buttons --------------------------------------------------------------------------

    def solved(self, turn: Turn, article_id: str) -> None:
        if not self._answered_with(turn, article_id):
            return
        self._feedback(turn, article_id, helpful=True, kind="solved")
        self._settle(turn, "solved")
        turn.conversation.state, turn.conversation.attempts = "idle", ()
        turn.reply(turn.say("solved.thanks"))

    def still_need_help(self, turn: Turn, article_id: str) -> None:
        if not self._answered_with(turn, article_id):
            return
        self._feedback(turn, article_id, helpful=False, kind="still_need_help")
        turn.conversation.attempts = judged(turn.conversation.attempts, "did_not_help")
        question = turn.conversation.question or ""
        self.desk.open(
            turn,
            question,
            failed_article_id=article_id,
            reason=f"article {article_id} did not help",
        )
        self._settle(turn, "still_need_help")

    def pick(self, turn: Turn, article_id: str) -> None:
        if self._someone_elses(turn):
            return
        article = next((a for a in self.kb.articles if a.id == article_id), None)
        if turn.conversation.state != "choosing" or article_id not in turn.conversation.offered:
            turn.refuse(turn.say("choice.expired"))
            return
        if article is None:
            turn.refuse(turn.say("choice.expired"))
            return
        turn.store.settle_question(turn.conversation.id, turn.now, article_id=article_id)
        self._answer(turn, article, confidence=1.0)

    def none_of_these(self, turn: Turn) -> None:
        if self._someone_elses(turn):
            return
        if turn.conversation.state != "choosing":
            turn.refuse(turn.say("choice.expired"))
            return
        self._feedback(turn, None, helpful=False, kind="none_of_these")
        turn.conversation.attempts = judged(turn.conversation.attempts, "none_fit")
        question = turn.conversation.question or ""
        self.desk.open(
            turn, question, failed_article_id=None, reason="none of the offered articles fit"
        )
        self._settle(turn, "none_of_these")

    def _person_beside(self, turn: Turn, ticket: Ticket, text: str) -> None:
        """A person asked for while ``ticket`` is open: their question (if they have one)
        may be for it or for a new ticket; with none, the ticket is where people answer."""
        about = self.handover.about(turn, self.handover.question_in(text))
        if not about:
            turn.reply(turn.say("sorting.with_the_team", key=ticket.key))
            return
        turn.conversation.question = about
        ask_which(turn, ticket, asked_for_person=True)

    def new_ticket(self, turn: Turn, value: str) -> None:
        """ "Open a new ticket", when asked whether a question belongs to the open one;
        ``value`` says whether the question was a request for a person, and which it was.
        A choice the person made when asked is not held back by the cooldown."""
        if self._someone_elses(turn):
            return
        asked, _, mark = value.partition(":")
        question = turn.conversation.question
        if turn.conversation.state != "sorting" or not is_pending(turn, turn.conversation, mark):
            turn.refuse(turn.say("choice.expired"))
            return
        assert question is not None  # is_pending checked it
        reason = "asked for a person" if asked == "person" else "no article matched"
        self.desk.open(turn, question, failed_article_id=None, reason=reason, chosen=True)
        self._settle(turn, "ticket")

    # -- helpers --------------------------------------------------------------------------

    def _someone_elses(self, turn: Turn) -> bool:
        """Refused (privately) when the answer or offer is someone else's to act on."""
        return self.desk.someone_elses(turn, self.desk.current_ticket(turn))

    def _answer(
        self, turn: Turn, article: Article, confidence: float, extra: tuple[Button, ...] = ()
    ) -> None:
        turn.conversation.state = "answered"
        turn.conversation.article_id = article.id
        turn.conversation.offered = ()
        turn.conversation.attempts = after_answer(
            turn.conversation.attempts, article.id, article.title, confidence
        )
        text = turn.say("answer.ask_solved")
        if article.locale.casefold() not in map(str.casefold, self._own_locales(turn)):
            language = language_name(article.locale, turn.locale)
            text = f"{turn.say('answer.other_locale', language=language)} {text}"
        buttons = (
            Button(turn.say("button.solved"), "solved", article.id, "primary"),
            Button(turn.say("button.still_need_help"), "still_need_help", article.id),
            *extra,
        )
        ref = _ref(article, confidence)
        turn.emit(AnswerArticle(turn.conversation.place, ref, text, buttons, turn.locale))
        turn.record(
            turn.conversation.id,
            f"{article.title}\n{article.summary}\n{text}",
            ticket_id=None,
        )

    def _offer(self, turn: Turn, matches: Sequence[Match], extra: tuple[Button, ...] = ()) -> None:
        turn.conversation.state = "choosing"
        turn.conversation.offered = tuple(m.article.id for m in matches)
        turn.conversation.attempts = after_offer(
            turn.conversation.attempts,
            ((m.article.id, m.article.title, m.confidence) for m in matches),
        )
        refs = tuple(_ref(m.article, m.confidence) for m in matches)
        buttons = (
            *(Button(ref.title, "pick", ref.id) for ref in refs),
            Button(turn.say("button.none_of_these"), "none_of_these"),
            *extra,
        )
        text = turn.say("suggest.intro")
        turn.emit(OfferArticles(turn.conversation.place, text, refs, buttons, turn.locale))
        titles = "\n".join(f"- {ref.title}" for ref in refs)
        turn.record(turn.conversation.id, f"{text}\n{titles}", ticket_id=None)

    def _answered_with(self, turn: Turn, article_id: str) -> bool:
        if self._someone_elses(turn):
            return False
        if turn.conversation.state == "answered" and turn.conversation.article_id == article_id:
            return True
        turn.refuse(turn.say("choice.expired"))
        return False

    def _settle(self, turn: Turn, outcome: str) -> None:
        """End the conversation's question, with the ticket it led to. A person over their
        ticket limit gets no ticket: their question has not ended in one."""
        if outcome == "ticket" and turn.ticket_id is None:
            return
        turn.store.settle_question(
            turn.conversation.id, turn.now, outcome=outcome, ticket_id=turn.ticket_id
        )

    def _feedback(self, turn: Turn, article_id: str | None, *, helpful: bool, kind: str) -> None:
        turn.store.add_feedback(
            user=turn.user,
            conversation=turn.conversation,
            kind=kind,
            now=turn.now,
            article_id=article_id,
            helpful=helpful,
            question=turn.conversation.question,
        )

    def _written_in(self, turn: Turn, text: str) -> list[str]:
        """The language ``text`` is written in, for someone who chose to be written to in
        another (for anyone else, it already is theirs)."""
        tag = self.written.tag_of(text) if turn.user.locale_source == "chosen" else None
        return [tag] if tag else []

    def _own_locales(self, turn: Turn) -> list[str]:
        """The tags of the requester's language: the one the bot speaks with them (``pt-BR``)
        and the one their platform gave, which a KB may use for a language tier0 has no
        catalogue for (``fr-FR``)."""
        tags = [turn.locale, turn.user.locale or turn.locale]
        return list(dict.fromkeys(tags))


def _ref(article: Article, confidence: float) -> ArticleRef:
    return ArticleRef(article.id, article.title, article.summary, confidence, article.locale)
