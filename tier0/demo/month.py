"""The demo month: simulated people and agents acting through the real engine, in time order.

Every step is an event on a queue ordered by simulated time; the engine's clock is set to
the step's time before it is handled, and the SLA sweep runs every 15 simulated minutes,
so reminders, breaches, escalations, auto-resolution and closing happen as they would.
What the bot decided is never assumed: each simulated person reacts to the actions the
engine returned (an answer, a list of articles, a ticket, a request for a rating).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import partial

from bot.actions import (
    Action,
    AnswerArticle,
    AskRating,
    OfferArticles,
    PostTicketCard,
    Refuse,
)
from bot.conversation.engine import Engine
from bot.delivery.outbox import Delivery
from bot.events import ButtonPressed, CommandIssued, Event, MessageReceived, Person, Place
from bot.jobs.runner import Jobs
from kb import Article
from tier0.demo.cast import AGENTS, DISCORD_GAPS, SLACK_GAPS, WEAK_ARTICLES, requester_names

__all__ = ["DemoClock", "SeedSummary", "seed_month"]

SWEEP_EVERY = timedelta(minutes=15)
Step = Callable[[], object]


class DemoClock:
    """The engine's and the jobs' clock: set by the simulation, step by step."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class SeedSummary:
    """What the simulation did, counted on its own side (a check on what reports read)."""

    questions: int = 0
    solved_pressed: int = 0
    still_need_help_pressed: int = 0
    tickets: int = 0
    ratings: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Asker:
    person: Person
    place: Place


class Month:
    def __init__(
        self,
        engine: Engine,
        jobs: Jobs,
        clock: DemoClock,
        articles: Sequence[Article],
        rng: random.Random,
    ) -> None:
        self.engine = engine
        self.jobs = jobs
        self.clock = clock
        self.rng = rng
        self.summary = SeedSummary()
        self._queue: list[tuple[datetime, int, Step]] = []
        self._order = itertools.count()
        self._ids = itertools.count(1)
        self._askers: dict[Place, Asker] = {}
        self._articles = {
            platform: [
                a
                for a in articles
                if a.locale == "en"
                and a.audience in (engine.settings.audience_for(platform), "all")
            ]
            for platform in AGENTS
        }
        names = requester_names()
        self._people = {
            "slack": [Person("slack", f"U1{n:05d}", name) for n, name in enumerate(names[:120])],
            "discord": [
                Person("discord", str(600000000000000000 + n), name.split()[0].lower() + str(n))
                for n, name in enumerate(names[80:])
            ],
        }

    # -- the timeline ---------------------------------------------------------------------

    def at(self, when: datetime, step: Step) -> None:
        heapq.heappush(self._queue, (when, next(self._order), step))

    def run(self, start: datetime, end: datetime, volume: float) -> SeedSummary:
        day = start.date()
        while day < end.date() or (day == end.date() and end.time() > time(0)):
            self._plan_day(datetime.combine(day, time(0), tzinfo=UTC), start, volume)
            day += timedelta(days=1)
        self.at(start, self._sweep)
        while self._queue and self._queue[0][0] < end:
            when, _, step = heapq.heappop(self._queue)
            self.clock.now = when
            step()
        return self.summary

    def _sweep(self) -> None:
        self._react(self.jobs.sweep())
        self.at(self.clock.now + SWEEP_EVERY, self._sweep)

    def _plan_day(self, midnight: datetime, start: datetime, volume: float) -> None:
        weekday = midnight.weekday() < 5
        plans = (("slack", 38 if weekday else 3, 7.5, 18.0), ("discord", 16, 0.0, 24.0))
        for platform, mean, first_hour, last_hour in plans:
            for _ in range(self._poisson(mean * volume)):
                when = midnight + timedelta(hours=self.rng.uniform(first_hour, last_hour))
                if when >= start:
                    self.at(when, partial(self._ask, platform))

    # -- requesters -----------------------------------------------------------------------

    def _ask(self, platform: str) -> None:
        n = next(self._ids)
        channel = "C0HELPDESK" if platform == "slack" else "800000000000000001"
        asker = Asker(self.rng.choice(self._people[platform]), Place(platform, channel, f"q{n}"))
        self._askers[asker.place] = asker
        self.summary.questions += 1  # unless small talk: the questions below never are
        self._send(MessageReceived(asker.person, asker.place, self._question(platform), f"m{n}"))

    def _question(self, platform: str) -> str:
        roll = self.rng.random()
        if roll < 0.03:
            return self.rng.choice(("talk to a human", "can I speak to someone please"))
        gaps = SLACK_GAPS if platform == "slack" else DISCORD_GAPS
        if roll < 0.2:
            return self.rng.choice(self.rng.choice(gaps))
        articles = self._articles[platform]
        weights = [1 / (rank + 2) for rank in range(len(articles))]  # a few articles dominate
        article = self.rng.choices(articles, weights)[0]
        return self._typed(self.rng.choice(article.questions))

    def _typed(self, text: str) -> str:
        """How people type: sometimes a greeting in front, a question mark, a slip."""
        if self.rng.random() < 0.15:
            text = f"hi, {text}"
        if self.rng.random() < 0.1 and len(text) > 6:
            i = self.rng.randrange(1, len(text) - 2)
            text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        return text + ("?" if self.rng.random() < 0.3 else "")

    def _answered(self, asker: Asker, answer: AnswerArticle) -> None:
        weak = answer.article.id in WEAK_ARTICLES
        roll = self.rng.random()
        later = self.clock.now + timedelta(minutes=self.rng.uniform(1, 15))
        if roll < (0.35 if weak else 0.62):
            self.at(later, lambda: self._feedback(asker, "solved", answer.article.id))
        elif roll < (0.85 if weak else 0.8):
            self.at(later, lambda: self._feedback(asker, "still_need_help", answer.article.id))

    def _offered(self, asker: Asker, offer: OfferArticles) -> None:
        later = self.clock.now + timedelta(minutes=self.rng.uniform(1, 10))
        if self.rng.random() < 0.6:
            self.at(later, lambda: self._press(asker, "pick", offer.articles[0].id))
        else:
            self.at(later, lambda: self._press(asker, "none_of_these", ""))

    def _asked_to_rate(self, rating: AskRating) -> None:
        asker = self._askers.get(rating.ticket.place)
        if asker is None or self.rng.random() > 0.7:
            return
        took = self.clock.now - rating.ticket.created_at
        if took < timedelta(hours=4):
            weights = (1, 2, 7, 30, 60)
        elif took < timedelta(days=1):
            weights = (4, 6, 15, 35, 40)
        else:
            weights = (10, 15, 25, 30, 20)
        stars = self.rng.choices(range(1, 6), weights)[0]
        key = rating.ticket.key
        later = self.clock.now + timedelta(minutes=self.rng.uniform(2, 240))

        def rate() -> None:
            if self._press(asker, "rate", f"{key}:{stars}"):
                self.summary.ratings.append(stars)
                self._press(asker, "skip_comment", key)

        self.at(later, rate)

    def _feedback(self, asker: Asker, action: str, article_id: str) -> None:
        if self._press(asker, action, article_id):
            if action == "solved":
                self.summary.solved_pressed += 1
            else:
                self.summary.still_need_help_pressed += 1

    def _press(self, asker: Asker, action: str, value: str) -> bool:
        """Press a button; whether the bot took it (a stale button is refused)."""
        event = ButtonPressed(asker.person, asker.place, action, value, f"b{next(self._ids)}")
        return self._send(event)

    # -- agents ---------------------------------------------------------------------------

    def _opened(self, card: PostTicketCard) -> None:
        if card.ticket.status == "open" and card.ticket.tier == 1:
            self.summary.tickets += 1
        self._after_work(
            card.ticket.place.platform,
            self.rng.lognormvariate(3.6, 1.0),
            self._claim,
            card.ticket.key,
        )

    def _after_work(
        self, platform: str, minutes: float, step: Callable[[str], None], key: str
    ) -> None:
        """Agents act ``minutes`` later, in the desk's open hours."""
        calendar = self.engine.sla.desk(platform).calendar
        when = calendar.next_open(self.clock.now + timedelta(minutes=minutes))
        if when != self.clock.now + timedelta(minutes=minutes):
            when += timedelta(minutes=self.rng.uniform(0, 50))
        self.at(when, lambda: step(key))

    def _agent(self, key: str) -> Person | None:
        ticket = self.engine.ticket(key)
        if ticket is None:
            return None
        if ticket.assignee is not None:
            return ticket.assignee
        uid, name = self.rng.choice(AGENTS[ticket.place.platform][ticket.tier])
        return Person(ticket.place.platform, uid, name)

    def _command(self, agent: Person, line: str) -> None:
        name, *args = line.split(" ")
        place = Place(agent.platform, f"dm-{agent.id}")
        self._send(CommandIssued(agent, place, name, tuple(args), f"c{next(self._ids)}"))

    def _claim(self, key: str) -> None:
        ticket = self.engine.ticket(key)
        agent = self._agent(key)
        if ticket is None or agent is None or ticket.status != "open":
            return
        self._command(agent, f"claim {key}")
        self._after_work(ticket.place.platform, self.rng.lognormvariate(2.5, 0.8), self._reply, key)

    def _reply(self, key: str) -> None:
        ticket = self.engine.ticket(key)
        agent = self._agent(key)
        if ticket is None or agent is None or ticket.status != "claimed":
            return
        if ticket.tier == 1 and self.rng.random() < 0.1:
            self._command(agent, f"escalate {key} needs admin rights")
            self._after_work(
                ticket.place.platform, self.rng.lognormvariate(3.5, 1.0), self._claim, key
            )
            return
        self._command(
            agent, f"reply {key} Could you try the steps in the article and tell me what you see?"
        )
        roll = self.rng.random()
        platform = ticket.place.platform
        if roll < 0.5:
            self._after_work(platform, self.rng.lognormvariate(4.0, 1.0), self._resolve, key)
        elif roll < 0.88:
            asker = self._askers.get(ticket.place)
            if asker is not None:
                later = self.clock.now + timedelta(minutes=self.rng.lognormvariate(3.5, 1.0))
                self.at(later, lambda: self._follow_up(asker, key))
        # else: no answer from the requester; the SLA jobs resolve it after a few days

    def _follow_up(self, asker: Asker, key: str) -> None:
        text = self.rng.choice(
            ("still the same, sorry", "that worked, thanks!", "where do I find that setting?")
        )
        self._send(MessageReceived(asker.person, asker.place, text, f"m{next(self._ids)}"))
        self._after_work(
            asker.place.platform, self.rng.lognormvariate(3.0, 1.0), self._resolve, key
        )

    def _resolve(self, key: str) -> None:
        ticket = self.engine.ticket(key)
        agent = self._agent(key)
        if ticket is None or agent is None or ticket.status not in ("claimed", "waiting_on_user"):
            return
        self._command(agent, f"resolve {key} Fixed; see the article for next time")

    # -- the engine -----------------------------------------------------------------------

    def _send(self, event: Event) -> bool:
        deliveries = self.engine.handle(event)
        self._react(deliveries)
        return not any(isinstance(d.action, Refuse) for d in deliveries)

    def _react(self, deliveries: Sequence[Delivery]) -> None:
        """Nothing is sent anywhere: the outbox rows are marked delivered at once, so a
        ``tier0 run`` on this database later does not post a month of old messages."""
        self.engine.outbox.delivered([d.id for d in deliveries if d.id])
        for delivery in deliveries:
            self._act_on(delivery.action)

    def _act_on(self, action: Action) -> None:
        if isinstance(action, AnswerArticle) and action.place in self._askers:
            self._answered(self._askers[action.place], action)
        elif isinstance(action, OfferArticles) and action.place in self._askers:
            self._offered(self._askers[action.place], action)
        elif isinstance(action, PostTicketCard):
            self._opened(action)
        elif isinstance(action, AskRating):
            self._asked_to_rate(action)

    def _poisson(self, mean: float) -> int:
        """Knuth's method: fine for the small daily means used here."""
        limit, count, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count


def seed_month(
    engine: Engine,
    jobs: Jobs,
    clock: DemoClock,
    articles: Sequence[Article],
    *,
    end: datetime,
    days: int = 30,
    volume: float = 1.0,
    seed: int = 7,
) -> SeedSummary:
    """Simulate ``days`` days of activity up to ``end`` (the engine and jobs use ``clock``)."""
    start = end - timedelta(days=days)
    return Month(engine, jobs, clock, articles, random.Random(seed)).run(start, end, volume)
