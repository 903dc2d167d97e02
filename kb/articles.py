"""Loading and validating knowledge-base articles (Markdown files with YAML front matter).

A KB is edited by hand, so one broken file must not take the others down: every problem
becomes a :class:`LoadError` naming the file and what is wrong, and the rest still load.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import yaml

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

# Limits on one file, generous for real articles (the sample KB's largest file is 2 KB, its
# longest title 65 characters, its most questions 11, and front matter nests 2 deep: a
# mapping of lists), so that a hostile or broken file costs little to refuse: it cannot use
# up memory, the index, or Python's stack (PyYAML composes nested collections recursively,
# so 5,000 brackets used to raise RecursionError and stop every load).
MAX_FILE_BYTES = 1_048_576
MAX_DEPTH = 16
"""Collections nested in the front matter, counting its mapping; checked while composing."""
MAX_TITLE_CHARS = 300
MAX_BODY_CHARS = 200_000
MAX_QUESTION_CHARS = 1_000
"""Per question, and per tag."""
MAX_QUESTIONS = 1_000
"""Questions per article, and tags per article."""
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.S | re.M)


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


class _Invalid(Exception):
    """A file breaks the article format; the message is shown to whoever edits it."""


class _TextLoader(yaml.SafeLoader):
    """YAML that reads every unquoted value as the text written, except an empty one or
    ``null``. Every front-matter field is text, and plain YAML would turn an intent
    called ``no`` into false, ``1.10`` into 1.1 and ``2024-01-01`` into a date: the
    article would be skipped, or its phrasing changed, for want of quotes.

    It also refuses collections nested deeper than :data:`MAX_DEPTH` as it meets them,
    before PyYAML's recursive composer and constructor run out of stack."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Invalid(f"front matter nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_articles(paths: Sequence[Path]) -> LoadResult:
    """Load every ``*.md`` under ``paths`` (folders recursively, or single files)."""
    articles: list[Article] = []
    errors: list[LoadError] = []
    seen: dict[str, Path] = {}
    for file in _markdown_files(paths, errors):
        try:
            article = _parse(file)
        except _Invalid as exc:
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
    raw = _read(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Invalid(f"not UTF-8 text (bad byte at offset {exc.start})") from exc
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise _Invalid("no YAML front matter: the file must start with '---' and close it")
    try:
        meta = yaml.load(match.group(1), Loader=_TextLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise _Invalid(f"bad YAML in front matter{where}: {problem}") from exc
    if not isinstance(meta, dict):
        raise _Invalid("front matter must be a YAML mapping (key: value lines)")

    article_id = meta.get("id", path.stem)
    if not isinstance(article_id, str) or not article_id.strip():
        raise _Invalid("'id' must be a non-empty string")
    if len(article_id.strip()) > MAX_ID_LENGTH:
        length = len(article_id.strip())
        named = "" if "id" in meta else " (it is the file name: set a shorter 'id')"
        raise _Invalid(f"'id' is {length} characters: use at most {MAX_ID_LENGTH}{named}")
    title = meta.get("title")
    if title is None:
        raise _Invalid("missing required 'title'")
    if not isinstance(title, str) or not title.strip():
        raise _Invalid("'title' must be a non-empty string")
    _within(len(title.strip()), MAX_TITLE_CHARS, "'title' is {} characters")
    body = text[match.end() :].strip()
    _within(len(body), MAX_BODY_CHARS, "the body is {} characters")
    questions = _strings(meta, "questions", required=True)
    tags = _strings(meta, "tags", required=False)
    audience = meta.get("audience", "all")
    if audience not in AUDIENCES:
        raise _Invalid(f"unknown audience {audience!r}: use one of internal, external, all")
    locale = meta.get("locale", "en")
    if not isinstance(locale, str) or not _LOCALE.match(locale):
        raise _Invalid(f"bad locale {locale!r}: use a BCP 47 tag such as en or pt-BR")
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
            raise _Invalid(f"missing required '{key}' (a list of strings)")
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise _Invalid(f"'{key}' must be a list of strings")
    _within(len(value), MAX_QUESTIONS, f"'{key}' has {{}} items")
    items: list[str] = []
    for n, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise _Invalid(f"'{key}' item {n} must be a string")
        if not item.strip():
            raise _Invalid(f"'{key}' item {n} is empty")
        _within(len(item.strip()), MAX_QUESTION_CHARS, f"'{key}' item {n} is {{}} characters")
        items.append(item.strip())
    if required and not items:
        raise _Invalid(f"'{key}' is empty: give at least one")
    return tuple(items)


def _read(path: Path) -> bytes:
    """The file's bytes, reading no more than one past the limit of a file's size."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
            size = max(len(raw), os.fstat(file.fileno()).st_size)
    except OSError as exc:
        raise _Invalid(f"cannot read file: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise _Invalid(f"the file is {size} bytes: the limit is {MAX_FILE_BYTES}")
    return raw


def _within(size: int, limit: int, what: str) -> None:
    """Refuse ``size`` over ``limit``; ``what`` says what was measured, ``{}`` the size."""
    if size > limit:
        raise _Invalid(f"{what.format(size)}: use at most {limit}")
