"""Loading a KB: good files load, every broken file is reported with a clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.articles import load_articles

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = "---\ntitle: Good\nquestions:\n  - a question\n---\nBody.\n"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_fixture_kb_loads_recursively_with_defaults() -> None:
    result = load_articles([FIXTURES / "tiny_kb"])
    assert result.errors == ()
    by_id = {a.id: a for a in result.articles}
    assert set(by_id) == {"wifi-connect", "vpn-reset", "refund", "reembolso"}
    wifi = by_id["wifi-connect"]
    assert wifi.audience == "all" and wifi.locale == "en"
    assert wifi.tags == ("network",)
    assert wifi.summary == 'Pick the network "Office" and sign in with your staff account.'
    assert by_id["refund"].id == "refund"  # defaults to the file name
    assert by_id["reembolso"].locale == "pt-BR"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---\nquestions: [a]\n---\nx", "missing required 'title'"),
        ("---\ntitle: T\n---\nx", "missing required 'questions'"),
        ("---\ntitle: T\nquestions: []\n---\nx", "'questions' is empty"),
        ("---\ntitle: T\nquestions: ['']\n---\nx", "'questions' item 1 is empty"),
        ("---\ntitle: T\nquestions: [a]\naudience: staff\n---\nx", "unknown audience 'staff'"),
        ("---\ntitle: T\nquestions: [a]\nlocale: 'en us!'\n---\nx", "bad locale"),
        ("---\ntitle: [unclosed\nquestions: [a]\n---\nx", "bad YAML"),
        ("---\n- just\n- a list\n---\nx", "must be a YAML mapping"),
        ("no front matter here", "no YAML front matter"),
        ("---\ntitle: T\nquestions: {a: b}\n---\nx", "'questions' must be a list"),
        ("---\ntitle: ''\nquestions: [a]\n---\nx", "'title' must be a non-empty string"),
    ],
)
def test_bad_file_is_reported_and_good_files_still_load(
    tmp_path: Path, text: str, reason: str
) -> None:
    write(tmp_path, "good.md", GOOD)
    bad = write(tmp_path, "bad.md", text)
    result = load_articles([tmp_path])
    assert [a.id for a in result.articles] == ["good"]
    assert len(result.errors) == 1
    assert result.errors[0].path == bad
    assert reason in result.errors[0].reason


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "latin1.md", "---\ntitle: Café\nquestions: [a]\n---\n".encode("latin-1"))
    result = load_articles([tmp_path])
    (error,) = result.errors
    assert "not UTF-8" in error.reason
    assert len(result.articles) == 1


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a/one.md", GOOD.replace("title", "id: same\ntitle"))
    second = write(tmp_path, "b/two.md", GOOD.replace("title", "id: same\ntitle"))
    result = load_articles([tmp_path])
    assert len(result.articles) == 1
    (error,) = result.errors
    assert error.path == second
    assert "duplicate id 'same'" in error.reason and str(first) in error.reason


def test_missing_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = load_articles([tmp_path / "nope"])
    assert result.articles == () and "no such file" in result.errors[0].reason


def test_summary_is_first_paragraph_or_title(tmp_path: Path) -> None:
    write(tmp_path, "empty.md", "---\ntitle: Only a title\nquestions: [q]\n---\n")
    (article,) = load_articles([tmp_path]).articles
    assert article.summary == "Only a title"


def test_unquoted_values_are_read_as_the_text_written(tmp_path: Path) -> None:
    """Plain YAML would read these as false, true, 1.1 and a date: the article would be
    skipped (an id or title that is not text) or a phrasing silently changed."""
    write(
        tmp_path,
        "answer.md",
        "---\nid: no\ntitle: Yes\nquestions:\n  - off\n  - 1.10\n  - 2024-01-01\n"
        "tags: [on, 2fa]\n---\nBody.\n",
    )
    result = load_articles([tmp_path])
    assert result.errors == ()
    (article,) = result.articles
    assert (article.id, article.title) == ("no", "Yes")
    assert article.questions == ("off", "1.10", "2024-01-01")
    assert article.tags == ("on", "2fa")


def test_a_list_where_text_belongs_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "nested.md", "---\ntitle: T\nquestions:\n  - [a, b]\n---\n")
    (error,) = load_articles([tmp_path]).errors
    assert "'questions' item 1 must be a string" in error.reason
