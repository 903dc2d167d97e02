"""KB files, however broken or strangely named: the loader never raises; each file is an
article or an error that says what is wrong, and ids stay usable in buttons."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.articles import MAX_ID_LENGTH, load_articles
from tests.security.payloads import hostile_text, json_values

GOOD = {"title": "Reset your VPN password", "questions": ["vpn password expired"]}
FIELDS = ("id", "title", "questions", "tags", "audience", "locale")
FRONT_MATTER = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=8), json_values | hostile_text, max_size=6
).map(lambda drawn: {**GOOD, **drawn})
FILES = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def article_file(meta: dict[str, Any], body: str = "The summary.\n") -> str:
    return f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{body}"


def load_one(content: str | bytes, name: str = "article.md") -> tuple[Any, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        else:
            path.write_bytes(content)
        loaded = load_articles([Path(folder)])
    assert len(loaded.articles) + len(loaded.errors) == 1
    assert all(error.reason for error in loaded.errors)
    return loaded.articles, loaded.errors


@FILES
@given(FRONT_MATTER, hostile_text)
def test_any_front_matter_loads_or_says_what_is_wrong(meta: dict[str, Any], body: str) -> None:
    articles, _ = load_one(article_file(meta, body))

    for article in articles:
        assert 0 < len(article.id) <= MAX_ID_LENGTH
        assert article.title and article.questions


@FILES
@given(st.text() | st.binary())
def test_any_file_content_loads_or_says_what_is_wrong(content: str | bytes) -> None:
    load_one(content)


@pytest.mark.parametrize(
    "name",
    [
        "'; DROP TABLE tickets; --.md",
        "$(rm -rf ~).md",
        "<script>alert(1)<%2Fscript>.md",
        "..md",
        " leading space.md",
        "ünïcødé ✓.md",
        "a" * 240 + ".md",
    ],
)
def test_a_strangely_named_file_is_an_article_named_after_it_or_a_clear_error(name: str) -> None:
    articles, errors = load_one(article_file(GOOD), name)

    if articles:
        assert articles[0].id == Path(name).stem.strip()
    else:
        [error] = errors
        assert error.reason.endswith(
            f"use at most {MAX_ID_LENGTH} (it is the file name: set a shorter 'id')"
        )


def test_an_id_too_long_for_a_button_is_refused_with_the_limit() -> None:
    _, [error] = load_one(article_file({**GOOD, "id": "x" * (MAX_ID_LENGTH + 1)}))

    assert error.reason == f"'id' is {MAX_ID_LENGTH + 1} characters: use at most {MAX_ID_LENGTH}"
