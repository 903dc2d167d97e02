"""KB files, however broken or strangely named: the loader never raises; each file is an
article or the errors that say what is wrong with it, and ids stay usable in buttons."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.articles import (
    MAX_BODY_CHARS,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_ID_LENGTH,
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    MAX_TITLE_CHARS,
    load_articles,
)
from kb.live import LiveKnowledgeBase
from kb.search import KnowledgeBase
from tests.security.payloads import hostile_text, json_values
from tests.service.process import clean_environment, command

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
    assert len(loaded.articles) + len({error.path for error in loaded.errors}) == 1
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


# -- one hostile file among good ones: reported and skipped, never a crash ------------------

NESTED_FLOW = "---\ntitle: Nested\nquestions: " + "[" * 5000 + "]" * 5000 + "\n---\nBody.\n"
NESTED_BLOCK = (
    "---\ntitle: Nested\nquestions:\n"
    + "".join(" " * depth + "- \n" for depth in range(1, 700))
    + "---\nBody.\n"
)
HOSTILE = {
    "nested-flow.md": (NESTED_FLOW, f"nested deeper than {MAX_DEPTH} levels"),
    "nested-block.md": (NESTED_BLOCK, f"nested deeper than {MAX_DEPTH} levels"),
    "huge-file.md": (
        article_file(GOOD, "x" * MAX_FILE_BYTES),
        f"bytes: the limit is {MAX_FILE_BYTES}",
    ),
    "long-title.md": (
        article_file({**GOOD, "title": "t" * (MAX_TITLE_CHARS + 1)}),
        f"'title' is {MAX_TITLE_CHARS + 1} characters: use at most {MAX_TITLE_CHARS}",
    ),
    "long-body.md": (
        article_file(GOOD, "b" * (MAX_BODY_CHARS + 1)),
        f"the body is {MAX_BODY_CHARS + 1} characters: use at most {MAX_BODY_CHARS}",
    ),
    "long-question.md": (
        article_file({**GOOD, "questions": ["q" * (MAX_QUESTION_CHARS + 1)]}),
        f"'questions' item 1 is {MAX_QUESTION_CHARS + 1} characters: "
        f"use at most {MAX_QUESTION_CHARS}",
    ),
    "many-questions.md": (
        article_file({**GOOD, "questions": [f"q{n}" for n in range(MAX_QUESTIONS + 1)]}),
        f"'questions' has {MAX_QUESTIONS + 1} items: use at most {MAX_QUESTIONS}",
    ),
}


TYPO = "unknown front-matter key 'audiance': did you mean 'audience'?"
BAD_FRONT_MATTER = {
    "anchored-typo.md": (b"---\ntitle: T\nquestions: [q]\naudiance: &a internal\n---\n", TYPO),
    "tagged-typo.md": (b"---\ntitle: T\nquestions: [q]\naudiance: !!str internal\n---\n", TYPO),
    "odd-case.md": (
        b"---\ntitle: T\nquestions: [q]\n' Audience': internal\n---\n",
        "unknown front-matter key ' Audience': did you mean 'audience'?",
    ),
    "empty.md": (b"---\n---\nBody.\n", "the front matter is empty"),
    "list.md": (b"---\n- title\n- questions\n---\n", "YAML mapping (key: value lines), not a list"),
    "latin-1.md": ("---\ntitle: Café\nquestions: [q]\n---\n".encode("latin-1"), "not UTF-8 text"),
}
"""Front matter that says something other than it seems to, or nothing: one error each."""


def tier0(cwd: Path, env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """A ``tier0`` command run to completion as an operator runs it (slow on a busy machine:
    the KB index is built in a child process)."""
    config = cwd / "tier0.toml"
    return subprocess.run(
        command(config if config.exists() else None, *arguments),
        env=clean_environment(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def kb_folder(root: Path, *hostile: str) -> Path:
    """Two good articles and the named hostile files, in ``root/articles``."""
    folder = root / "articles"
    folder.mkdir()
    for name in ("vpn", "printer"):
        meta = {"title": f"Fix the {name}", "questions": [f"my {name} is broken"]}
        (folder / f"{name}.md").write_text(article_file(meta), encoding="utf-8")
    for name in hostile:
        (folder / name).write_text(HOSTILE[name][0], encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_reported_with_its_limit_and_the_others_load(
    name: str, tmp_path: Path
) -> None:
    loaded = load_articles([kb_folder(tmp_path, name)])

    assert sorted(article.id for article in loaded.articles) == ["printer", "vpn"]
    [error] = loaded.errors
    assert error.path.name == name
    assert HOSTILE[name][1] in error.reason


def test_kb_validate_names_each_hostile_or_misleading_file_and_exits_non_zero(
    tmp_path: Path,
) -> None:
    folder = kb_folder(tmp_path, *HOSTILE)
    markup = article_file({**GOOD, "audience": "[/red]"})  # shown as written, not as markup
    (folder / "[bold]markup.md").write_text(markup, encoding="utf-8")
    for name, (content, _) in BAD_FRONT_MATTER.items():
        (folder / name).write_bytes(content)
    expected = {name: reason for name, (_, reason) in {**HOSTILE, **BAD_FRONT_MATTER}.items()}
    expected["[bold]markup.md"] = "unknown audience '[/red]'"

    done = tier0(tmp_path, {"COLUMNS": "1000"}, "kb", "validate", str(folder))

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for name, reason in expected.items():
        assert any(name in line and reason in line for line in done.stdout.splitlines()), name
    assert f"2 article(s) loaded, {len(expected)} error(s)" in done.stdout


def test_a_live_kb_keeps_rebuilding_past_a_hostile_file(tmp_path: Path) -> None:
    folder = kb_folder(tmp_path, "nested-flow.md")
    live = LiveKnowledgeBase([folder], build=lambda articles, _: KnowledgeBase.build(articles))
    assert [error.path.name for error in live.errors] == ["nested-flow.md"]

    (folder / "nested-block.md").write_text(NESTED_BLOCK, encoding="utf-8")
    (folder / "mail.md").write_text(
        article_file({"title": "Fix the mail", "questions": ["my mail is broken"]}),
        encoding="utf-8",
    )
    later = time.time_ns() + 5_000_000_000
    os.utime(folder / "mail.md", ns=(later, later))

    assert live.refresh()
    assert sorted(article.id for article in live.articles) == ["mail", "printer", "vpn"]
    assert sorted(error.path.name for error in live.errors) == ["nested-block.md", "nested-flow.md"]


def test_tier0_run_check_starts_with_a_hostile_file_in_the_kb(tmp_path: Path) -> None:
    """The service's start-up (``run --check`` builds what ``run`` builds, then stops)."""
    kb_folder(tmp_path, "nested-flow.md", "nested-block.md")
    config = tmp_path / "tier0.toml"
    config.write_text(
        '[kb]\npaths = ["articles"]\ncache_dir = "cache"\n'
        '[slack]\nenabled = true\nmode = "socket"\n',
        encoding="utf-8",
    )
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tier0.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never called by --check
    }

    done = tier0(tmp_path, env, "run", "--check")

    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert "configuration OK: slack; 2 articles (2 file(s) with errors)" in done.stdout
    assert "nested-flow.md" in done.stderr and "nested-block.md" in done.stderr
