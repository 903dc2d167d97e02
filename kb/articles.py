"""Loading and validating knowledge-base articles (Markdown files with YAML front matter).

A KB is edited by hand, so one broken file must not take the others down: every problem
becomes a :class:`LoadError` naming the file and what is wrong, and the rest still load.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from kb.front_matter import MAX_DEPTH, MAX_FILE_BYTES, Invalid, read_front_matter

__all__ = [
    "AUDIENCES",
    "MAX_BODY_CHARS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_ID_LENGTH",
    "MAX_QUESTIONS",
    "MAX_QUESTION_CHARS",
    "MAX_TITLE_CHARS",
    "Article",
    "Audience",
    "LoadError",
    "LoadResult",
    "load_articles",
]

Audience = Literal["internal", "external", "all"]
AUDIENCES: tuple[Audience, ...] = ("internal", "external", "all")

MAX_ID_LENGTH = 64
"""Ids ride in button values, and Discord's custom ids hold 100 characters in all."""

# Limits on one file (with the file's size and nesting, in kb.front_matter), generous for
# real articles (the sample KB's largest file is 2 KB, its longest title 65 characters, its
# most questions 11, and front matter nests 2 deep: a mapping of lists), so that a hostile
# or broken file costs little to refuse: it cannot use up memory, the index, or Python's
# stack (PyYAML composes nested collections recursively, so 5,000 brackets used to raise
# RecursionError and stop every load).
MAX_TITLE_CHARS = 300
MAX_BODY_CHARS = 200_000
MAX_QUESTION_CHARS = 1_000
"""Per question, and per tag."""
MAX_QUESTIONS = 1_000
"""Questions per article, and tags per article."""
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Article:
    """One answer in the KB, with the ways people ask for it."""

    id: str
    title: str
    questions: tuple[str, ...]
    tags: tuple[str, ...]
    audience: Audience
    locale: str
    body: str
    path: Path

    @property
    def summary(self) -> str:
        """The first paragraph of the body: what chat shows before "read more"."""
        for paragraph in re.split(r"\n[ \t]*\n", self.body.strip()):
            if paragraph.strip():
                return paragraph.strip()
        return self.title


@dataclass(frozen=True)
class LoadError:
    path: Path
    reason: str


@dataclass(frozen=True)
class LoadResult:
    articles: tuple[Article, ...]
    errors: tuple[LoadError, ...]


def load_articles(paths: Sequence[Path]) -> LoadResult:
    """Load every ``*.md`` under ``paths`` (folders recursively, or single files)."""
    articles: list[Article] = []
    errors: list[LoadError] = []
    seen: dict[str, Path] = {}
    for file in _markdown_files(paths, errors):
        try:
            article = _parse(file)
        except Invalid as exc:
            errors.append(LoadError(file, str(exc)))
            continue
        except Exception as exc:  # RecursionError, MemoryError...: one file, never the rest
            errors.append(LoadError(file, f"cannot load ({type(exc).__name__}: {exc})"))
            continue
        first = seen.get(article.id)
        if first is not None:
            errors.append(LoadError(file, f"duplicate id {article.id!r}: already used by {first}"))
            continue
        seen[article.id] = file
        articles.append(article)
    return LoadResult(tuple(articles), tuple(errors))


def _markdown_files(paths: Sequence[Path], errors: list[LoadError]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.md") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            errors.append(LoadError(path, "no such file or folder"))
    return files


def _parse(path: Path) -> Article:
    meta, body = read_front_matter(path)
    article_id = meta.get("id", path.stem)
    if not isinstance(article_id, str) or not article_id.strip():
        raise Invalid("'id' must be a non-empty string")
    if len(article_id.strip()) > MAX_ID_LENGTH:
        length = len(article_id.strip())
        named = "" if "id" in meta else " (it is the file name: set a shorter 'id')"
        raise Invalid(f"'id' is {length} characters: use at most {MAX_ID_LENGTH}{named}")
    title = meta.get("title")
    if title is None:
        raise Invalid("missing required 'title'")
    if not isinstance(title, str) or not title.strip():
        raise Invalid("'title' must be a non-empty string")
    _within(len(title.strip()), MAX_TITLE_CHARS, "'title' is {} characters")
    _within(len(body), MAX_BODY_CHARS, "the body is {} characters")
    questions = _strings(meta, "questions", required=True)
    tags = _strings(meta, "tags", required=False)
    audience = meta.get("audience", "all")
    if audience not in AUDIENCES:
        raise Invalid(f"unknown audience {audience!r}: use one of internal, external, all")
    locale = meta.get("locale", "en")
    if not isinstance(locale, str) or not _LOCALE.match(locale):
        raise Invalid(f"bad locale {locale!r}: use a BCP 47 tag such as en or pt-BR")
    return Article(
        id=article_id.strip(),
        title=title.strip(),
        questions=questions,
        tags=tags,
        audience=cast(Audience, audience),
        locale=locale,
        body=body,
        path=path,
    )


def _strings(meta: dict[Any, Any], key: str, *, required: bool) -> tuple[str, ...]:
    value = meta.get(key)
    if value is None:
        if required:
            raise Invalid(f"missing required '{key}' (a list of strings)")
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise Invalid(f"'{key}' must be a list of strings")
    _within(len(value), MAX_QUESTIONS, f"'{key}' has {{}} items")
    items: list[str] = []
    for n, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise Invalid(f"'{key}' item {n} must be a string")
        if not item.strip():
            raise Invalid(f"'{key}' item {n} is empty")
        _within(len(item.strip()), MAX_QUESTION_CHARS, f"'{key}' item {n} is {{}} characters")
        items.append(item.strip())
    if required and not items:
        raise Invalid(f"'{key}' is empty: give at least one")
    return tuple(items)


def _within(size: int, limit: int, what: str) -> None:
    """Refuse ``size`` over ``limit``; ``what`` says what was measured, ``{}`` the size."""
    if size > limit:
        raise Invalid(f"{what.format(size)}: use at most {limit}")
