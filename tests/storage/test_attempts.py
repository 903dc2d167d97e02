"""What the bot tried, as tickets and conversations keep it, on every backend; and the
tickets opened before it was kept, which the migration gives the one try they knew of."""

from __future__ import annotations

from sqlalchemy import Engine, text

from bot.attempts import Attempt
from storage.db import Database, upgrade
from tests.storage.conftest import HOME, T0, Scene, at

TRIED = (  # kept as given: JSON escapes the NUL a database could not hold in text
    Attempt("printer-add", "Add a printer — «Drucker» 🖨", 0.9557, "picked", "did_not_help"),
    Attempt("printer-jam", 'Clear a "paper" jam\x00', 0.6881, "offered", "not_picked"),
    Attempt("legacy", "legacy", None, "answered", "did_not_help"),
)


def test_a_ticket_keeps_what_the_bot_tried_in_order(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        opened = scene.open_ticket(store, "printer", attempts=TRIED)
    with scene.database.unit_of_work() as store:
        found = store.ticket_by_key(opened.key)
        listed = store.list_tickets()

    assert found is not None
    assert opened.attempts == found.attempts == listed[0].attempts == TRIED


def test_a_ticket_opened_without_trying_anything_has_no_attempts(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)

    with scene.database.unit_of_work() as store:
        assert store.ticket(ticket.id).attempts == ()


def test_a_changed_ticket_keeps_its_attempts(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store, "printer", attempts=TRIED[:1])
    with scene.database.unit_of_work() as store:
        claimed = store.update_ticket(ticket, {"open"}, at(1), status="claimed")

    assert claimed is not None and claimed.attempts == ticket.attempts


def test_a_conversation_keeps_the_attempts_of_its_question_until_they_change(
    scene: Scene,
) -> None:
    with scene.database.unit_of_work() as store:
        assert store.conversation(HOME, T0).attempts == ()
        conversation = store.conversation(HOME, T0)
        conversation.attempts = TRIED
        store.save_conversation(conversation, at(1))
    with scene.database.unit_of_work() as store:
        kept = store.conversation(HOME, at(2))
        assert kept.attempts == TRIED
        kept.attempts = ()
        store.save_conversation(kept, at(3))
    with scene.database.unit_of_work() as store:
        assert store.conversation(HOME, at(4)).attempts == ()


# -- tickets from before ----------------------------------------------------------------------


def test_a_ticket_from_before_keeps_the_article_that_did_not_help(blank: Engine) -> None:
    upgrade(blank, "0015")
    with blank.begin() as connection:
        for statement in (
            "INSERT INTO users (id, platform, platform_user_id, display_name, role,"
            " platform_roles, locale_chosen, created_at, updated_at)"
            " VALUES (1, 'slack', 'U-ANN', 'Ann', 'requester', '', false, :t, :t)",
            "INSERT INTO conversations (id, platform, channel, thread, kind, state, offered,"
            " created_at, updated_at)"
            " VALUES (1, :platform, :channel, :thread, 'requester', 'idle', '', :t, :t)",
            "INSERT INTO tickets (id, requester_id, conversation_id, status, tier, priority,"
            " subject, failed_article_id, created_at, updated_at) VALUES"
            " (1, 1, 1, 'open', 1, 'normal', 'vpn', 'vpn-cannot-connect', :t, :t),"
            " (2, 1, 1, 'open', 1, 'normal', 'lisbon rooms', NULL, :t, :t)",
        ):
            place = {"platform": HOME.platform, "channel": HOME.channel, "thread": HOME.thread}
            connection.execute(text(statement), {"t": T0, **place})

    upgrade(blank)

    database = Database(blank)
    with database.unit_of_work() as store:
        failed, untried = store.ticket(1), store.ticket(2)
        conversation = store.conversation(HOME, T0)
    assert failed.attempts == (
        Attempt("vpn-cannot-connect", "vpn-cannot-connect", None, "answered", "did_not_help"),
    )
    assert untried.attempts is None  # not recorded, rather than "nothing was tried"
    assert conversation.attempts == ()
