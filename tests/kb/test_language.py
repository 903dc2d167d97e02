"""The language of a question, among the languages a desk speaks: named only when the text
is clear about it, never guessed from one word or taken for the nearest language spoken."""

from __future__ import annotations

import pytest

from kb.language import detect_language, language_of_tag

DESK = {"en", "pt"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("esqueci minha senha do e-mail", "pt"),
        ("nao consigo acessar a vpn", "pt"),  # no accents
        ("my vpn won't connect", "en"),
        ("wifi not working", "en"),
    ],
)
def test_a_clear_question_is_named_in_its_language(text: str, language: str) -> None:
    assert detect_language(text, DESK) == language


@pytest.mark.parametrize("text", ["help", "senha", "obrigado", "", "  ", "T-12 42"])
def test_one_word_or_none_names_no_language(text: str) -> None:
    assert detect_language(text, DESK) is None


@pytest.mark.parametrize("text", ["zoom camera", "my senha expired"])
def test_a_mix_the_desks_languages_share_names_none(text: str) -> None:
    assert detect_language(text, DESK) is None


@pytest.mark.parametrize(
    "text",
    ["olvidé mi contraseña del correo", "j'ai oublié mon mot de passe", "das vpn verbindet nicht"],
)
def test_a_language_the_desk_does_not_speak_is_not_taken_for_one_it_does(text: str) -> None:
    assert detect_language(text, DESK) is None


@pytest.mark.parametrize(
    "text",
    [
        "la impresora no funciona",
        "mi teclado no funciona",
        "la wifi está caída",
        "el portátil está roto",
        "la cámara no funciona",
        "la impresora está atascada",
    ],
)
def test_a_short_spanish_question_is_not_taken_for_portuguese(text: str) -> None:
    # Read as written, most of these rank Portuguese first: the opening "la", "el" or
    # "mi" has no space before it and weighs nothing; "mi teclado no funciona" is a near
    # tie (Portuguese 0.53, Spanish 0.47) whichever way it is read.
    assert detect_language(text, DESK) is None


@pytest.mark.parametrize(
    "text",
    [
        "a impressora não funciona",
        "o teclado não funciona",
        "a câmera não funciona",
        "a impressora está travada",
        "meu notebook está quebrado",
    ],
)
def test_the_same_short_questions_in_portuguese_are_named_portuguese(text: str) -> None:
    assert detect_language(text, DESK) == "pt"


def test_a_language_the_desk_speaks_beyond_the_common_ones_is_named() -> None:
    assert detect_language("esqueci minha senha do e-mail", {"en", "pt", "tlh"}) == "pt"
    assert detect_language("a la impressora no imprimeix res", {"en", "ca"}) == "ca"


def test_no_language_spoken_that_the_detector_knows_names_none() -> None:
    assert detect_language("esqueci minha senha do e-mail", set()) is None
    assert detect_language("esqueci minha senha do e-mail", {"tlh"}) is None


@pytest.mark.parametrize(("tag", "language"), [("pt-BR", "pt"), ("pt_BR", "pt"), ("EN", "en")])
def test_a_tag_names_its_language(tag: str, language: str) -> None:
    assert language_of_tag(tag) == language
