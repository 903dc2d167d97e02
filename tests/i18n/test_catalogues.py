"""The shipped catalogues: complete, consistent with each other and with the code."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from string import Formatter
from typing import get_args

import pytest
from babel.dates import format_datetime
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import write_po

from bot.attempts import Shown, Verdict
from bot.i18n.catalogues import LOCALES_DIR, SOURCE_LOCALE, babel_locale, languages, read_catalogue
from bot.i18n.messages import priority_label, say
from bot.records import TicketStatus
from tests.i18n.english import english_in

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted(languages())
SAY_CALL = re.compile(r"""\bsay\(\s*["']([a-z_]+\.[a-z_.]+)["']""")


def forms(message: Message) -> list[str]:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return [str(s) for s in strings]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def catalog(tag: str) -> Catalog:
    return languages()[tag].catalog


def ids(tag: str) -> set[str]:
    return {str(m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog(tag) if m.id}


def test_english_and_brazilian_portuguese_ship() -> None:
    assert SHIPPED == ["en", "pt-BR"]


@pytest.mark.parametrize("tag", SHIPPED)
def test_every_message_exists_in_every_language_and_nothing_else_does(tag: str) -> None:
    assert ids(tag) == ids(SOURCE_LOCALE)


@pytest.mark.parametrize("tag", SHIPPED)
def test_every_message_is_translated_with_the_same_placeholders(tag: str) -> None:
    source = catalog(SOURCE_LOCALE)
    for message in catalog(tag):
        if not message.id:
            continue
        assert not message.fuzzy, f"{tag}: {message.id} is marked fuzzy"
        expected = fields(forms(source[message.id])[0])
        translated = forms(message)
        assert all(translated), f"{tag}: {message.id} has an empty form"
        for text in translated:
            assert fields(text) == expected, f"{tag}: {message.id}: {text!r}"


@pytest.mark.parametrize("tag", SHIPPED)
def test_counted_messages_have_every_plural_form_of_the_language(tag: str) -> None:
    plural = [m for m in catalog(tag) if m.id and m.pluralizable]
    assert {m.id[0] for m in plural} == languages()[SOURCE_LOCALE].plural_ids
    for message in plural:
        assert len(forms(message)) == catalog(tag).num_plurals, message.id
        assert "count" in fields(forms(message)[0]), message.id


def test_counts_pick_the_right_form() -> None:
    assert "1 open ticket (T-1)" in say("ticket.limit_reached", count=1, keys="T-1")
    assert "2 open tickets" in say("ticket.limit_reached", count=2, keys="T-1, T-2")
    assert "1 chamado aberto" in say("ticket.limit_reached", "pt-BR", count=1, keys="T-1")
    assert "0 chamado aberto" in say("ticket.limit_reached", "pt-BR", count=0, keys="")
    assert "5 segundos" in say("ticket.cooldown", "pt-BR", key="T-1", count=5)


def test_every_message_the_code_says_exists() -> None:
    used: set[str] = set()
    for folder in ("bot", "adapters"):
        for path in (REPO / folder).rglob("*.py"):
            used |= set(SAY_CALL.findall(path.read_text(encoding="utf-8")))
    used |= {f"status.{status}" for status in get_args(TicketStatus)}
    used |= {f"attempt.shown.{shown}" for shown in get_args(Shown)}
    used |= {f"attempt.verdict.{verdict}" for verdict in get_args(Verdict)}
    assert len(used) > 60
    assert used - ids(SOURCE_LOCALE) == set()


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("en", "Monday 2 March at 09:00"), ("pt-BR", "segunda-feira, 2 de março às 09:00")],
)
def test_dates_are_written_the_way_each_language_writes_them(tag: str, expected: str) -> None:
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert format_datetime(moment, say("time.moment", tag), locale=babel_locale(tag)) == expected


def test_the_catalogues_are_read_from_the_po_files_with_no_build_step() -> None:
    files = sorted(p.relative_to(LOCALES_DIR).as_posix() for p in LOCALES_DIR.rglob("*"))
    assert [f for f in files if f.endswith((".po", ".mo"))] == [
        "en/LC_MESSAGES/tier0.po",
        "pt_BR/LC_MESSAGES/tier0.po",
    ]
    package_data = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    in_package = LOCALES_DIR.relative_to(REPO / "bot").as_posix()
    assert f'bot = ["{in_package}/*/LC_MESSAGES/*.po"]' in package_data


def test_a_new_language_is_a_new_po_file_and_falls_back_to_english(tmp_path: Path) -> None:
    """What docs/translating.md describes: copy the English file, translate, drop it in."""
    for folder in ("en", "pt_BR"):
        (tmp_path / folder / "LC_MESSAGES").mkdir(parents=True)
        source = LOCALES_DIR / folder / "LC_MESSAGES" / "tier0.po"
        (tmp_path / folder / "LC_MESSAGES" / "tier0.po").write_bytes(source.read_bytes())
    french = read_catalogue(LOCALES_DIR / "en" / "LC_MESSAGES" / "tier0.po")
    french.locale = "fr"
    french.delete("button.solved")
    french.add("button.solved", "Résolu")
    french.delete("answer.ask_solved")  # not translated yet
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / "fr" / "LC_MESSAGES" / "tier0.po").open("wb") as out:
        write_po(out, french)

    shipped = languages(tmp_path)
    assert sorted(shipped) == ["en", "fr", "pt-BR"]
    assert shipped["fr"].translations.gettext("button.solved") == "Résolu"
    assert shipped["fr"].translations.gettext("answer.ask_solved") == (
        "Did this solve your problem?"
    )


def test_english_is_told_apart_from_portuguese() -> None:
    """The check the Portuguese dialogues rely on can fail."""
    english = [say("ticket.opened", key="T-1", priority="normal", tier="IT"), "Solved"]
    portuguese = [say("ticket.opened", "pt-BR", key="T-1", priority="normal", tier="TI")]
    assert len(english_in(english)) >= 2
    assert english_in([*portuguese, "Resolvido", "1", "T-1"]) == []


def test_shipped_priorities_are_said_in_the_readers_language() -> None:
    assert priority_label("urgent", "pt-BR") == "urgente"
    assert priority_label("normal", "en") == "normal"
    assert "prioridade: alta" in say(
        "ticket.opened", "pt-BR", key="T-1", priority=priority_label("high", "pt-BR"), tier="TI"
    )


def test_a_desks_own_priority_names_are_shown_as_configured() -> None:
    assert priority_label("P1-critical", "pt-BR") == "P1-critical"
