"""Save as article, in the engine: a resolved ticket's draft, reviewed and approved by an
agent, becomes a Markdown file in the KB folder and answers the next person who asks.

Console people: "you" is the requester; alice is a Service desk (tier 1) agent and bob a
Specialists (tier 2) agent, as in the default configuration.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from bot.conversation.engine import Engine
from bot.delivery.outbox import Delivery
from bot.delivery.spooled import decode_event, encode_event
from bot.events import ArticleSubmitted, Person, Place
from bot.learning.drafts import ArticleDraft, audience_for
from bot.settings import Settings
from kb import KnowledgeBase, LiveKnowledgeBase, load_articles
from storage.db import Database
from tests.support.chat import BotTurn, Chat, FakeClock

QUESTION = "how do I book a meeting room in Lisbon"
ANSWER = "Open the Rooms app, pick Lisbon, then the floor and the time."


def resolved_ticket(chat: Chat) -> None:
    """T-1: asked, answered by alice (with a note and a follow-up in between), resolved."""
    chat.command(f"new {QUESTION}")
    chat.command(f"reply T-1 {ANSWER}", who="alice")
    chat.say("and the one in the Porto office?")
    chat.command("note T-1 she is a new joiner", who="alice")
    chat.command("reply T-1 Porto works the same way.", who="alice")
    chat.command("resolve T-1", who="alice")


def draft(chat: Chat, who: str = "alice", key: str = "T-1") -> ArticleDraft | str:
    return chat.engine.draft_article(chat.person(who), key)


def submit(
    chat: Chat,
    *,
    title: str = "Book a meeting room",
    questions: tuple[str, ...] = (QUESTION, "reserve a meeting room"),
    answer: str = ANSWER,
    who: str = "alice",
    key: str = "T-1",
    event_id: str = "form-1",
) -> BotTurn:
    return chat.send(
        ArticleSubmitted(
            chat.person(who), chat.place(who), key, title, questions, answer, event_id=event_id
        )
    )


def learned(kb_folder: Path) -> list[Path]:
    return sorted((kb_folder / "learned").rglob("*.md"))


def front_matter(path: Path) -> dict[str, object]:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])  # type: ignore[no-any-return]


def test_the_draft_takes_the_requesters_question_and_the_replies_they_were_given(
    chat: Chat,
) -> None:
    resolved_ticket(chat)

    proposed = draft(chat)

    assert isinstance(proposed, ArticleDraft)
    assert proposed.title == QUESTION
    assert proposed.questions == (QUESTION,)
    assert proposed.answer == f"{ANSWER}\n\nPorto works the same way."
    assert "new joiner" not in proposed.answer  # internal notes stay internal
    assert proposed.locale == "en"
    assert proposed.audience == "all"  # the console is neither Slack nor Discord


def test_nothing_the_requester_said_after_the_question_reaches_the_draft(chat: Chat) -> None:
    """Follow-ups and a rating's comment are the requester's own business (an address, a
    thank-you), not ways of asking: the draft holds only the question that opened it."""
    chat.command(f"new {QUESTION}")
    chat.command(f"reply T-1 {ANSWER}", who="alice")
    chat.say("thanks, my home address is DANADDR-4 Rua Augusta")
    chat.command("resolve T-1", who="alice")
    chat.press("4")
    chat.say("DANCOMMENT-6 great help")

    proposed = draft(chat)

    assert isinstance(proposed, ArticleDraft)
    assert (proposed.title, proposed.questions) == (QUESTION, (QUESTION,))
    assert "DANADDR-4" not in repr(proposed) and "DANCOMMENT-6" not in repr(proposed)
    assert proposed.answer == ANSWER


def test_slack_articles_are_internal_and_discord_articles_external() -> None:
    assert audience_for("slack") == "internal"
    assert audience_for("discord") == "external"


def test_an_approved_article_is_written_with_its_origin_and_answers_at_once(
    chat: Chat, kb_folder: Path, live_kb: LiveKnowledgeBase
) -> None:
    resolved_ticket(chat)

    bot = submit(chat, answer=f"{ANSWER}\n\nPorto works the same way.")

    assert "book-a-meeting-room" in bot.text()
    [path] = learned(kb_folder)
    assert path == kb_folder / "learned" / "en" / "book-a-meeting-room.md"
    meta = front_matter(path)
    assert meta["author"] == "console:alice"
    assert meta["source_ticket"] == "T-1"
    assert meta["questions"] == [QUESTION, "reserve a meeting room"]
    assert "book-a-meeting-room" in {a.id for a in live_kb.articles}
    answer = chat.say("reserve a meeting room", who="carol").answer()
    assert answer.article.id == "book-a-meeting-room"


def test_approving_twice_writes_one_file(chat: Chat, kb_folder: Path) -> None:
    resolved_ticket(chat)
    submit(chat)

    again = submit(chat, title="Another title", event_id="form-2")
    redelivered = submit(chat)

    assert "already saved" in again.refusal()
    assert redelivered.actions == []
    assert len(learned(kb_folder)) == 1
    assert isinstance(draft(chat), str)  # the card's button now explains instead of drafting


def test_only_agents_who_may_work_the_ticket_can_save_it(chat: Chat, kb_folder: Path) -> None:
    resolved_ticket(chat)

    assert draft(chat, who="you") == "Only support agents can do that."
    assert "Only support agents" in submit(chat, who="you").refusal()
    assert learned(kb_folder) == []


def test_a_tier_one_agent_cannot_save_a_specialists_ticket(chat: Chat, kb_folder: Path) -> None:
    chat.command(f"new {QUESTION}")
    chat.command("escalate T-1 needs facilities", who="alice")
    chat.command(f"reply T-1 {ANSWER}", who="bob")
    chat.command("resolve T-1", who="bob")

    assert "Specialists" in submit(chat, who="alice").refusal()
    assert learned(kb_folder) == []
    assert isinstance(draft(chat, who="bob"), ArticleDraft)


def test_a_ticket_still_being_worked_is_not_saved(chat: Chat, kb_folder: Path) -> None:
    chat.command(f"new {QUESTION}")
    chat.command(f"reply T-1 {ANSWER}", who="alice")

    assert "not resolved" in submit(chat).refusal()
    assert learned(kb_folder) == []


def test_an_article_without_an_answer_is_not_saved(chat: Chat, kb_folder: Path) -> None:
    resolved_ticket(chat)

    assert "nothing was saved" in submit(chat, answer="  \n").refusal()
    assert "nothing was saved" in submit(chat, questions=(" ",), event_id="form-2").refusal()
    assert learned(kb_folder) == []


def test_a_title_cannot_choose_where_the_file_goes(chat: Chat, kb_folder: Path) -> None:
    resolved_ticket(chat)

    submit(chat, title="../../etc/passwd")

    [path] = learned(kb_folder)
    assert path.parent == kb_folder / "learned" / "en"
    assert path.name == "etc-passwd.md"
    assert front_matter(path)["title"] == "../../etc/passwd"


def test_a_title_taken_by_an_article_gets_the_ticket_key_instead_of_overwriting(
    chat: Chat, kb_folder: Path
) -> None:
    resolved_ticket(chat)
    before = (kb_folder / "vpn-cannot-connect.md").read_text(encoding="utf-8")

    submit(chat, title="VPN cannot connect")

    [path] = learned(kb_folder)
    assert path.name == "vpn-cannot-connect-t-1.md"
    assert (kb_folder / "vpn-cannot-connect.md").read_text(encoding="utf-8") == before
    loaded = load_articles([kb_folder])
    assert loaded.errors == ()


def test_two_agents_approving_at_once_on_two_workers_write_one_file(
    chat: Chat,
    database: Database,
    live_kb: LiveKnowledgeBase,
    learning_settings: Settings,
    kb_folder: Path,
) -> None:
    resolved_ticket(chat)
    other_worker = Engine(learning_settings, live_kb, database.unit_of_work, chat.clock)
    start = threading.Barrier(2)

    def approve(engine: Engine, who: str) -> list[Delivery]:
        start.wait()
        return engine.handle(
            ArticleSubmitted(
                chat.person(who), chat.place(who), "T-1", "Book a room", (QUESTION,), ANSWER, who
            )
        )

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(
            pool.map(approve, (chat.engine, other_worker), ("alice", "bob"), timeout=30)
        )

    said = sorted(type(d.action).__name__ for outcome in outcomes for d in outcome)
    assert said == ["Refuse", "Reply"]
    assert len(learned(kb_folder)) == 1


def test_when_every_name_is_taken_nothing_is_written_and_the_agent_hears_why(
    chat: Chat, kb_folder: Path
) -> None:
    resolved_ticket(chat)
    taken = kb_folder / "learned" / "en" / "vpn-cannot-connect-t-1.md"
    taken.parent.mkdir(parents=True)
    taken.write_text("someone's draft", encoding="utf-8")

    refusal = submit(chat, title="VPN cannot connect").refusal()

    assert "not saved" in refusal
    assert taken.read_text(encoding="utf-8") == "someone's draft"
    assert sorted((kb_folder / "learned").rglob("*.*")) == [taken]  # no staged copy left


def test_a_knowledge_base_that_does_not_follow_its_folders_is_not_written_to(
    database: Database, sample_kb: KnowledgeBase, learning_settings: Settings, kb_folder: Path
) -> None:
    clock = FakeClock()
    chat = Chat(Engine(learning_settings, sample_kb, database.unit_of_work, clock), clock)
    resolved_ticket(chat)

    assert "would not be loaded" in str(draft(chat))
    assert "would not be loaded" in submit(chat).refusal()
    assert learned(kb_folder) == []


def test_an_approval_made_while_the_database_is_away_can_be_spooled_as_it_was() -> None:
    approval = ArticleSubmitted(
        Person("slack", "U0ALICE", "Alice", "pt-BR", frozenset({"S0DESK"})),
        Place("slack", "C0TRIAGE1", "1700000000.000100"),
        "T-1",
        "Book a meeting room",
        (QUESTION, "reserve a room"),
        ANSWER,
        "view:V0FORM",
    )

    assert decode_event(encode_event(approval)) == approval
