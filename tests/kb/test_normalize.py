"""Spelling variants people type must meet before scoring."""

from __future__ import annotations

import pytest

from kb.normalize import MAX_QUERY_CHARS, normalize


@pytest.mark.parametrize("variant", ["Wi-Fi", "wifi", "WIFI", "Wi\u2011Fi", " wi-fi? "])
def test_wifi_variants_are_equal(variant: str) -> None:
    assert normalize(variant) == "wifi"


def test_accents_are_folded() -> None:
    assert normalize("não consigo") == normalize("nao consigo") == "nao consigo"
    assert normalize("Ação RÁPIDA") == "acao rapida"


def test_punctuation_and_whitespace_collapse() -> None:
    assert normalize("  Hello,\tworld!!\n How's it?") == "hello world hows it"


def test_long_input_is_truncated() -> None:
    assert len(normalize("a" * 40_000)) == MAX_QUERY_CHARS


@pytest.mark.parametrize("text", ["", "   ", "🎉🎉", "\x00\x01\x02", "?!..."])
def test_nothing_to_match_gives_empty_string(text: str) -> None:
    assert normalize(text) == ""
