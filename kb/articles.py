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

import yaml

__all__ = [
    "AUDIENCES",
    "MAX_ID_LENGTH",
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
    article would be skipped, or its phrasing changed, for want of quotes."""


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
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _Invalid(f"cannot read file: {exc.strerror or exc}") from exc
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
        body=text[match.end() :].strip(),
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
    items: list[str] = []
    for n, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise _Invalid(f"'{key}' item {n} must be a string")
        if not item.strip():
            raise _Invalid(f"'{key}' item {n} is empty")
        items.append(item.strip())
    if required and not items:
        raise _Invalid(f"'{key}' is empty: give at least one")
    return tuple(items)
