"""Inbound messages left unhandled, their replays, and what the per-person rate counts."""

from __future__ import annotations

from bot.events import Place
from bot.records import UnhandledMessage
from tests.storage.conftest import ANN, HOME, T0, Scene, at


def test_unhandled_messages_are_found_oldest_first_as_they_came(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        for n, text in enumerate(["first", "second", "handled", "too recent"]):
            store.record_inbound(
                f"m-{n}", text, scene.requester, scene.conversation, at(n), event_id=f"e-{n}"
            )
        store.record_inbound(
            "c-9", "/status T-1", scene.requester, scene.conversation, T0, event_id="e-9",
            kind="command",
        )  # fmt: skip
        store.mark_inbound_handled("slack", "m-2", None, at(2))
        store.record_message(scene.conversation.id, "a reply", "out", T0)
    with scene.database.unit_of_work() as store:
        stale = store.unhandled_inbound(at(3), 10)
        first_only = store.unhandled_inbound(at(3), 1)
    assert stale == [
        UnhandledMessage("slack", "m-0", "e-0", "message", "first", ANN, HOME),
        UnhandledMessage("slack", "m-1", "e-1", "message", "second", ANN, HOME),
        UnhandledMessage("slack", "c-9", "e-9", "command", "/status T-1", ANN, HOME),
    ]
    assert first_only == stale[:1]


def test_each_replay_of_a_message_is_counted(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        store.record_inbound("m-1", "help", scene.requester, scene.conversation, T0)
        store.record_inbound("m-2", "other", scene.requester, scene.conversation, T0)
        assert store.count_replay("slack", "m-1") == 1
    with scene.database.unit_of_work() as store:
        assert store.count_replay("slack", "m-1") == 2
        assert store.count_replay("slack", "m-2") == 1


def test_the_rate_counts_messages_and_presses_in_the_window_newest_first(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        elsewhere = store.conversation(Place("slack", "C-OTHER"), T0)
        store.record_inbound("m-1", "one", scene.requester, scene.conversation, at(1))
        store.record_inbound("m-2", "two", scene.requester, elsewhere, at(3))
        store.record_message(scene.conversation.id, "bot says", "out", at(3.5), user=None)
        for n, minute in enumerate([2, 4, 5]):
            store.mark_processed("slack", f"press-{n}", at(minute))
        store.record_sender("slack", "press-0", scene.requester.id)
        store.record_sender("slack", "press-1", scene.requester.id)
    with scene.database.unit_of_work() as store:
        everything = store.recent_inbound(scene.requester.id, T0, at(10), 10)
        window = store.recent_inbound(scene.requester.id, at(1), at(3), 10)
        newest = store.recent_inbound(scene.requester.id, T0, at(10), 2)
    assert everything == [at(4), at(3), at(2), at(1)]
    assert window == [at(3), at(2)]
    assert newest == [at(4), at(3)]
