"""Users are one row per platform identity; conversations one row per place."""

from __future__ import annotations

import pytest

from bot.events import Person, Place
from bot.records import Conversation, LocaleSource
from tests.storage.conftest import ANN, HOME, T0, Scene, at
from tests.support.databases import Backend


def test_a_person_becomes_a_user_once(backend: Backend) -> None:
    with backend.unit_of_work() as store:
        first = store.save_user(ANN, "requester", T0)
    with backend.unit_of_work() as store:
        again = store.save_user(ANN, "requester", at(1))
    assert again == first
    assert (first.platform, first.platform_id, first.name, first.locale, first.role) == (
        "slack",
        "U-ANN",
        "Ann",
        "en",
        "requester",
    )


def test_saving_a_known_person_updates_name_locale_and_role(backend: Backend) -> None:
    with backend.unit_of_work() as store:
        before = store.save_user(ANN, "requester", T0)
    with backend.unit_of_work() as store:
        after = store.save_user(Person("slack", "U-ANN", "Ann Lee", "pt-BR"), "agent", at(1))
    assert after.id == before.id
    assert (after.name, after.locale, after.role) == ("Ann Lee", "pt-BR", "agent")
    assert after.as_person() == Person("slack", "U-ANN", "Ann Lee", "pt-BR")


def test_a_person_seen_without_name_or_locale_keeps_the_known_ones(backend: Backend) -> None:
    with backend.unit_of_work() as store:
        store.save_user(ANN, "requester", T0)
        seen = store.save_user(Person("slack", "U-ANN"), "requester", at(1))
    assert (seen.name, seen.locale) == ("Ann", "en")


def test_the_same_id_on_two_platforms_is_two_users(backend: Backend) -> None:
    with backend.unit_of_work() as store:
        on_slack = store.save_user(Person("slack", "42", "Ann"), "requester", T0)
        on_discord = store.save_user(Person("discord", "42", "Bob"), "requester", T0)
    assert on_slack.id != on_discord.id
    assert (on_slack.name, on_discord.name) == ("Ann", "Bob")


def test_a_conversation_is_created_on_first_contact_and_found_afterwards(
    backend: Backend,
) -> None:
    with backend.unit_of_work() as store:
        created = store.conversation(HOME, T0)
    with backend.unit_of_work() as store:
        found = store.conversation(HOME, at(5))
    assert created == found
    assert created == Conversation(created.id, HOME, "idle", None, None, (), None)


def test_no_thread_and_a_thread_are_different_places(backend: Backend) -> None:
    places = [
        Place("slack", "C1", None),
        Place("slack", "C1", "x"),
        Place("slack", "C2", "x"),
        Place("discord", "C1", "x"),
    ]
    with backend.unit_of_work() as store:
        conversations = [store.conversation(place, T0) for place in places]
    assert len({c.id for c in conversations}) == len(places)
    assert [c.place for c in conversations] == places


def test_a_saved_conversation_comes_back_as_it_was_saved(scene: Scene) -> None:
    conversation = scene.conversation
    conversation.state = "choosing"
    conversation.question = "how do I reset my password?"
    conversation.article_id = "password-reset"
    conversation.offered = ("password-reset", "sso-login", "mfa-lost-phone")
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)
        conversation.ticket_id = ticket.id
        store.save_conversation(conversation, at(1))
    with scene.database.unit_of_work() as store:
        assert store.conversation(HOME, at(2)) == conversation


def test_clearing_a_conversation_clears_every_field(scene: Scene) -> None:
    busy = Conversation(scene.conversation.id, HOME, "rating", "q", "a", ("a", "b"), None)
    with scene.database.unit_of_work() as store:
        busy.ticket_id = scene.open_ticket(store).id
        store.save_conversation(busy, at(1))
    idle = Conversation(scene.conversation.id, HOME, "idle", None, None, (), None)
    with scene.database.unit_of_work() as store:
        store.save_conversation(idle, at(2))
    with scene.database.unit_of_work() as store:
        assert store.conversation(HOME, at(3)) == idle


@pytest.mark.parametrize("source", ["chosen", "written"])
def test_a_chosen_or_written_language_outlasts_the_platforms_until_given_back(
    scene: Scene, source: LocaleSource
) -> None:
    with scene.database.unit_of_work() as store:
        kept = store.set_locale(scene.requester, "pt-BR", source, at(1))
        seen_again = store.save_user(ANN, "requester", at(2))
        followed = store.set_locale(seen_again, "en", "platform", at(3))
        seen_later = store.save_user(Person("slack", "U-ANN", "Ann", "es"), "requester", at(4))
    assert (kept.locale, kept.locale_source) == ("pt-BR", source)
    assert (seen_again.locale, seen_again.locale_source) == ("pt-BR", source)
    assert (followed.locale, seen_later.locale, seen_later.locale_source) == (
        "en",
        "es",
        "platform",
    )


def test_a_new_person_follows_their_platform(backend: Backend) -> None:
    with backend.unit_of_work() as store:
        assert store.save_user(ANN, "requester", T0).locale_source == "platform"


def test_a_person_is_found_by_their_platform_id(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        assert store.find_user("slack", "U-ANN") == scene.requester
        assert store.find_user("discord", "U-ANN") is None
        assert store.find_user("slack", "U-NOBODY") is None
