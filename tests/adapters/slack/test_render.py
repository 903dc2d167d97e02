"""tier0 actions -> Slack Web API calls: Block Kit shapes, limits, and text that cannot act."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from adapters.slack.render import SHOW_ANSWER_ACTION, Context, answer_view, render
from bot.actions import (
    AnswerArticle,
    ArticleRef,
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
from bot.attempts import Attempt
from bot.events import Person, Place
from bot.records import Card

DAN = Person("slack", "U0DAN", "dan")
ALICE = Person("slack", "U0ALICE", "Alice <@U0X>")
THREAD = Place("slack", "C0GENERAL", "1700000200.000100")
CONTEXT = Context(
    priorities=("low", "normal", "high"),
    triage_channels={1: "C0TRIAGE1", 2: "C0TRIAGE2"},
    top_tier=2,
    article_titles={"vpn": "VPN won't connect"},
    article_bodies={
        "vpn": "Open **GlobalProtect** and see [the guide](https://intra.example/vpn)."
    },
)
CARD_1 = Card("slack", 1, "C0TRIAGE1", "1700000300.000100", "1700000300.000100")
CARD_2 = Card("slack", 2, "C0TRIAGE2", "1700000400.000100", "1700000400.000100")


def ticket(**changes: object) -> TicketView:
    view = TicketView(
        key="T-7",
        status="open",
        tier=1,
        tier_name="Service desk",
        priority="normal",
        subject="VPN <!channel> & wifi",
        requester=DAN,
        place=THREAD,
        assignee=None,
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        attempts=(Attempt("vpn", "VPN won't connect", 0.81, "answered", "did_not_help"),),
    )
    return TicketView(**{**view.__dict__, **changes})  # type: ignore[arg-type]


def controls(blocks: list[dict[str, object]]) -> list[str]:
    found: list[str] = []
    for block in blocks:
        if block["type"] == "actions":
            for element in block["elements"]:  # type: ignore[attr-defined]
                text = element.get("text") or element.get("placeholder")
                found.append(text["text"])
    return found


def test_a_reply_goes_to_its_thread_escaped_with_its_buttons() -> None:
    (call,) = render(
        Reply(THREAD, "a < b & <!here>", (Button("Skip", "skip_comment", "T-1"),)), CONTEXT
    )
    assert call.method == "chat.postMessage"
    assert call.args["channel"] == "C0GENERAL" and call.args["thread_ts"] == THREAD.thread
    assert call.args["text"] == "a &lt; b &amp; &lt;!here&gt;"
    assert call.args["blocks"][0]["text"]["text"] == "a &lt; b &amp; &lt;!here&gt;"
    button = call.args["blocks"][1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("tier0:button:skip_comment:0", "T-1")


def test_a_dm_reply_has_no_thread() -> None:
    (call,) = render(Reply(Place("slack", "D0DAN"), "hi"), CONTEXT)
    assert "thread_ts" not in call.args and len(call.args["blocks"]) == 1


def test_an_answer_shows_title_summary_and_offers_the_full_answer() -> None:
    article = ArticleRef("vpn", "VPN won't connect", "Restart **GlobalProtect**", 0.9)
    buttons = (
        Button("Solved", "solved", "vpn", "primary"),
        Button("Still need help", "still_need_help", "vpn"),
    )
    (call,) = render(
        AnswerArticle(THREAD, article, "Did this solve your problem?", buttons), CONTEXT
    )
    blocks = call.args["blocks"]
    assert blocks[0]["text"]["text"] == "*VPN won't connect*\nRestart *GlobalProtect*"
    assert "<https://intra.example/vpn|the guide>" in blocks[1]["text"]["text"]
    assert controls(blocks) == ["Solved", "Still need help"]
    assert blocks[-1]["elements"][0]["style"] == "primary"

    long_body = {"vpn": "step\n" * 400}
    (call,) = render(
        AnswerArticle(THREAD, article, "Did this solve it?", buttons),
        Context(article_bodies=long_body, article_titles={"vpn": "VPN"}),
    )
    assert controls(call.args["blocks"]) == ["Solved", "Still need help", "Show full answer"]
    assert call.args["blocks"][-1]["elements"][-1]["action_id"] == SHOW_ANSWER_ACTION


def test_offered_articles_are_buttons_with_unique_action_ids() -> None:
    refs = tuple(ArticleRef(f"a{i}", f"Title {i}" * 20, "summary", 0.3) for i in range(3))
    buttons = (
        *(Button(r.title, "pick", r.id) for r in refs),
        Button("None of these", "none_of_these"),
    )
    (call,) = render(OfferArticles(THREAD, "Which one?", refs, buttons), CONTEXT)
    elements = call.args["blocks"][-1]["elements"]
    assert len({e["action_id"] for e in elements}) == 4
    assert all(len(e["text"]["text"]) <= 75 for e in elements)
    assert elements[-1]["text"]["text"] == "None of these"


def test_a_new_card_goes_to_the_tiers_triage_channel_with_its_controls() -> None:
    (call,) = render(PostTicketCard(ticket()), CONTEXT)
    assert call.args["channel"] == "C0TRIAGE1" and "thread_ts" not in call.args
    assert call.card is not None and (call.card.key, call.card.tier) == ("T-7", 1)
    text = json.dumps(call.args["blocks"])
    assert "<@U0DAN>" in text and "VPN won't connect" in text and "did not help" in text
    assert "VPN &lt;!channel&gt; &amp; wifi" in text and "<!channel>" not in text
    assert "<!date^1772442000^" in text
    assert controls(call.args["blocks"]) == ["Claim", "Escalate", "Priority", "Resolve"]
    menu = call.args["blocks"][-1]["elements"][2]
    assert menu["initial_option"]["value"] == "T-7 normal"


def test_no_triage_channel_means_no_card() -> None:
    assert render(PostTicketCard(ticket(tier=2)), Context(triage_channels={1: "C0T"})) == []


def test_an_update_edits_every_card_and_an_old_tiers_card_points_to_the_new_one() -> None:
    escalated = ticket(tier=2, tier_name="Specialists", status="open")
    context = Context(**{**CONTEXT.__dict__, "cards": (CARD_1, CARD_2)})
    first, second = render(UpdateTicketCard(escalated, "escalated to Specialists"), context)
    assert (first.method, first.args["channel"], first.args["ts"]) == (
        "chat.update",
        "C0TRIAGE1",
        CARD_1.message_id,
    )
    assert "now with Specialists in <#C0TRIAGE2>" in json.dumps(first.args["blocks"])
    assert controls(first.args["blocks"]) == []
    assert controls(second.args["blocks"]) == ["Claim", "Priority", "Resolve"]  # top tier


def test_card_controls_follow_the_status() -> None:
    claimed = ticket(status="claimed", assignee=ALICE)
    (call,) = render(PostTicketCard(claimed), CONTEXT)
    assert controls(call.args["blocks"]) == ["Escalate", "Priority", "Resolve"]
    assert "<@U0ALICE>" in json.dumps(call.args["blocks"])
    (call,) = render(PostTicketCard(ticket(status="resolved")), CONTEXT)
    assert controls(call.args["blocks"]) == ["Priority", "Reopen", "Save as article"]


def test_an_agents_words_reach_the_requester_under_their_name() -> None:
    (call,) = render(RelayToRequester(ticket(), "try <!everyone>", ALICE), CONTEXT)
    assert call.args["channel"] == "C0GENERAL" and call.args["thread_ts"] == THREAD.thread
    assert call.args["blocks"][0]["text"]["text"] == (
        "*Alice &lt;@U0X&gt;* (Service desk): try &lt;!everyone&gt;"
    )


def test_the_requesters_words_and_notes_go_to_the_newest_cards_thread() -> None:
    context = Context(cards=(CARD_1, CARD_2))
    (call,) = render(RelayToAgents(ticket(), "still broken", DAN), context)
    assert (call.args["channel"], call.args["thread_ts"]) == ("C0TRIAGE2", CARD_2.thread)
    assert call.args["blocks"][0]["text"]["text"] == "*dan*: still broken"
    (note,) = render(RelayToAgents(ticket(), "call him", ALICE, internal=True), context)
    assert note.args["blocks"][0]["text"]["text"].startswith(":lock: *Internal note*")
    assert render(RelayToAgents(ticket(), "lost", DAN), Context()) == []


def test_the_rating_question_has_five_stars_and_reopen() -> None:
    buttons = (
        *(Button(str(n), "rate", f"T-7:{n}") for n in range(1, 6)),
        Button("Reopen", "reopen", "T-7"),
    )
    (call,) = render(
        AskRating(ticket(status="resolved"), "How would you rate it?", buttons), CONTEXT
    )
    assert controls(call.args["blocks"]) == ["1", "2", "3", "4", "5", "Reopen"]
    assert call.args["thread_ts"] == THREAD.thread


def test_a_refusal_is_shown_only_to_that_person() -> None:
    (call,) = render(Refuse(ALICE, Place("slack", "C0TRIAGE1", "1.2"), "Only <agents>"), CONTEXT)
    assert call.method == "chat.postEphemeral"
    assert call.args == {
        "channel": "C0TRIAGE1",
        "user": "U0ALICE",
        "text": "Only &lt;agents&gt;",
        "thread_ts": "1.2",
    }


def test_long_text_is_cut_to_slacks_limits_without_breaking_an_entity() -> None:
    (call,) = render(Reply(THREAD, "&" * 5000), CONTEXT)
    text = call.args["blocks"][0]["text"]["text"]
    assert len(text) <= 3000 and text.endswith("&amp;…")
    view = answer_view("VPN " * 100, "x" * 9000, "en")
    assert len(view["blocks"][0]["text"]["text"]) <= 150
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"][1:])


def test_a_reminder_goes_to_the_card_thread_and_a_breach_is_loud() -> None:
    context = Context(cards=(CARD_1,), tier_groups={1: ("S0DESK",)}, triage_channels={1: "C0T1"})
    (reminder,) = render(RemindAgents(ticket(), "first reply due in 15 min"), context)
    assert (reminder.args["channel"], reminder.args["thread_ts"]) == ("C0TRIAGE1", CARD_1.thread)
    assert "reply_broadcast" not in reminder.args and "subteam" not in json.dumps(reminder.args)

    (breach,) = render(RemindAgents(ticket(), "<!channel> overdue", "breach"), context)
    text = breach.args["blocks"][0]["text"]["text"]
    assert text == ":rotating_light: <!subteam^S0DESK> *T-7*: &lt;!channel&gt; overdue"
    assert breach.args["reply_broadcast"] is True

    (no_card,) = render(RemindAgents(ticket(), "due soon"), Context(triage_channels={1: "C0T1"}))
    assert no_card.args["channel"] == "C0T1" and "thread_ts" not in no_card.args


def test_the_daily_digest_goes_to_the_tiers_triage_channel() -> None:
    digest = PostDigest(
        "slack",
        2,
        "Specialists",
        date(2026, 3, 2),
        "Open: 3\nUnclaimed: T-1 <b>",
        (),
        (),
        (),
        (),
        4,
    )
    (call,) = render(digest, CONTEXT)
    assert call.args["channel"] == "C0TRIAGE2"
    assert call.args["blocks"][0]["text"]["text"] == "Daily digest · Specialists · 2026-03-02"
    assert call.args["blocks"][1]["text"]["text"] == "Open: 3\nUnclaimed: T-1 &lt;b&gt;"


def test_the_card_shows_the_sla() -> None:
    due = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    view = ticket(first_response_due_at=due, sla_paused=True, breached=("resolution",))
    (call,) = render(PostTicketCard(view), CONTEXT)
    sla = call.args["blocks"][1]["fields"][-1]["text"]
    assert sla.startswith("*SLA*\nfirst reply by <!date^1772456400^")
    assert "paused" in sla and ":warning: missed: resolution" in sla
