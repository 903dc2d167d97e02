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
    assert wifi.locale == "en"
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
        ("---\n- just\n- a list\n---\nx", "must be a YAML mapping (key: value lines), not a list"),
        ("---\njust words\n---\nx", "must be a YAML mapping (key: value lines), not a single"),
        ("---\n---\nx", "the front matter is empty: give at least 'title' and 'questions'"),
        ("---\n# only a comment\n---\nx", "the front matter is empty"),
        ("---\ntitle: T\x00\nquestions: [a]\n---\nx", "line 2: character U+0000 is not allowed"),
        ("---\ntitle: T\nquestions: [a]\naudience: !!python/name:os.system\n---\n", "bad YAML"),
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


def test_non_utf8_file_is_reported_with_where_the_bad_byte_is(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "latin1.md", "---\ntitle: Café\nquestions: [a]\n---\n".encode("latin-1"))
    result = load_articles([tmp_path])
    (error,) = result.errors
    assert error.reason.startswith("not UTF-8 text (bad byte at offset 14, line 2)")
    assert len(result.articles) == 1


def test_duplicate_ids_name_both_files_and_keep_the_first(tmp_path: Path) -> None:
    first = write(tmp_path, "a/one.md", GOOD.replace("title: Good", "id: same\ntitle: One"))
    second = write(tmp_path, "b/two.md", GOOD.replace("title: Good", "id: same\ntitle: Two"))
    result = load_articles([tmp_path])
    assert [a.title for a in result.articles] == ["One"]
    (error,) = result.errors
    assert error.path == second
    assert error.reason == (
        f"duplicate id 'same', also the id of {first}: that file is kept and this one is not loaded"
    )


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


# -- front matter that would have loaded differently from what its author meant ------------


@pytest.mark.parametrize(
    "line",
    [
        "audiance: internal",
        "audiance: &staff internal",  # an anchor on the value
        "audiance: !!str internal",  # a tag on the value
        "!!str audiance: internal",  # a tag on the key
        "Audience: internal",
        "AUDIENCE: internal",
        "'audience ': internal",
        '"audi\\u200bence": internal',  # a zero-width space inside
    ],
)
def test_a_misspelled_key_is_refused_naming_the_key_it_meant(tmp_path: Path, line: str) -> None:
    """Ignored, the misspelled key would leave a staff-only article to the default audience."""
    write(tmp_path, "good.md", GOOD)
    bad = write(tmp_path, "staff.md", f"---\ntitle: T\nquestions: [a]\n{line}\n---\nx")
    result = load_articles([tmp_path], default_audience="all")
    assert [a.id for a in result.articles] == ["good"]
    (error,) = result.errors
    assert error.path == bad
    assert error.reason.startswith("unknown front-matter key '")
    assert error.reason.endswith(": did you mean 'audience'?")


def test_a_key_like_no_known_one_is_refused_with_the_keys_there_are(tmp_path: Path) -> None:
    write(tmp_path, "a.md", "---\ntitle: T\nquestions: [a]\nkeywords: [vpn]\n---\nx")
    (error,) = load_articles([tmp_path]).errors
    assert error.reason == (
        "unknown front-matter key 'keywords': use one of "
        "id, title, questions, tags, audience, locale, author, source_ticket"
    )


def test_a_key_written_twice_is_refused_rather_than_the_last_one_winning(tmp_path: Path) -> None:
    write(
        tmp_path, "a.md", "---\ntitle: T\nquestions: [a]\naudience: internal\naudience: all\n---\n"
    )
    result = load_articles([tmp_path])
    assert result.articles == ()
    (error,) = result.errors
    assert error.reason == "bad YAML in front matter at line 5: key 'audience' is written twice"


def test_every_problem_in_a_file_is_reported_not_only_the_first(tmp_path: Path) -> None:
    write(
        tmp_path,
        "many.md",
        "---\ntitle: ''\nquestions: [a, '', [b]]\naudiance: internal\naudience: staff\n"
        "locale: 'en us'\n---\nx",
    )
    reasons = [error.reason for error in load_articles([tmp_path]).errors]
    assert reasons == [
        "unknown front-matter key 'audiance': did you mean 'audience'?",
        "'title' must be a non-empty string",
        "'questions' item 2 is empty",
        "'questions' item 3 must be a string",
        "unknown audience 'staff': use one of internal, external, all",
        "bad locale 'en us': use a BCP 47 tag such as en or pt-BR",
    ]


def test_an_article_stating_no_audience_is_for_staff_unless_another_default_is_given(
    tmp_path: Path,
) -> None:
    write(tmp_path, "unstated.md", GOOD)
    write(tmp_path, "stated.md", GOOD.replace("title", "audience: external\ntitle"))

    staff_only = load_articles([tmp_path]).articles
    for_all = load_articles([tmp_path], default_audience="all").articles

    assert {a.id: a.audience for a in staff_only} == {"stated": "external", "unstated": "internal"}
    assert {a.id: a.audience for a in for_all} == {"stated": "external", "unstated": "all"}


def test_who_approved_a_learned_article_and_its_ticket_are_known_keys(tmp_path: Path) -> None:
    write(
        tmp_path, "learned.md", GOOD.replace("title", "author: slack:U1\nsource_ticket: T-1\ntitle")
    )
    result = load_articles([tmp_path])
    assert result.errors == () and [a.id for a in result.articles] == ["learned"]
