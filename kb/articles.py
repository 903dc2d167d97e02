"""Loading and validating knowledge-base articles (Markdown files with YAML front matter).

A KB is edited by hand, so one broken file must not take the others down: every problem
becomes a :class:`LoadError` naming the file and what is wrong, and the rest still load.
A file with any problem is not loaded at all (fail closed): a misspelled ``audiance:`` must
not leave a staff-only article visible to customers under the default audience. Every
problem of a file is reported at once, so an editor fixes it in one pass.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar, cast

from kb.front_matter import MAX_DEPTH, MAX_FILE_BYTES, Invalid, read_front_matter

__all__ = [
    "AUDIENCES",
    "DEFAULT_AUDIENCE",
    "KEYS",
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
DEFAULT_AUDIENCE: Audience = "internal"
"""The audience of an article that states none: staff only, so a forgotten field never
shows an article to customers."""
KEYS = ("id", "title", "questions", "tags", "audience", "locale", "author", "source_ticket")
"""Every key front matter may hold: the article's fields, and who approved an article
learned from a ticket and which ticket (written by :mod:`kb.writer`)."""

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
_P = ParamSpec("_P")
_T = TypeVar("_T")


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
    """One problem in one file; a file with several problems has an error for each."""

    path: Path
    reason: str


@dataclass(frozen=True)
class LoadResult:
    articles: tuple[Article, ...]
    errors: tuple[LoadError, ...]


class _Problems:
    """The problems found in one file so far. Every field is checked even after another
    failed, so whoever edits the file sees them all at once."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(
        self, fallback: _T, read: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs
    ) -> _T:
        """``read(*args, **kwargs)``; if it finds problems, they are noted and ``fallback``
        stands in so the next field can be checked."""
        try:
            return read(*args, **kwargs)
        except Invalid as exc:
            self.found.extend(exc.problems)
            return fallback


def load_articles(
    paths: Sequence[Path], *, default_audience: Audience = DEFAULT_AUDIENCE
) -> LoadResult:
    """Load every ``*.md`` under ``paths`` (folders recursively, or single files). An
    article that states no audience takes ``default_audience``. Of articles sharing an id,
    the first (in the order of ``paths``, then of file names) is kept."""
    articles: list[Article] = []
    errors: list[LoadError] = []
    seen: dict[str, Path] = {}
    for file in _markdown_files(paths, errors):
        try:
            article = _parse(file, default_audience)
        except Invalid as exc:
            errors.extend(LoadError(file, problem) for problem in exc.problems)
            continue
        except Exception as exc:  # RecursionError, MemoryError...: one file, never the rest
            errors.append(LoadError(file, f"cannot load ({type(exc).__name__}: {exc})"))
            continue
        kept = seen.get(article.id)
        if kept is not None:
            errors.append(
                LoadError(
                    file,
                    f"duplicate id {article.id!r}, also the id of {kept}: "
                    "that file is kept and this one is not loaded",
                )
            )
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


def _parse(path: Path, default_audience: Audience) -> Article:
    meta, body = read_front_matter(path)
    return _article(meta, body, path, default_audience)


def _article(meta: dict[Any, Any], body: str, path: Path, default_audience: Audience) -> Article:
    """The article ``meta`` and ``body`` make, or every problem with them at once."""
    problems = _Problems()
    problems.check(None, _known_keys, meta)
    article_id = problems.check("", _id, meta, path)
    title = problems.check("", _title, meta)
    problems.check(None, _within, len(body), MAX_BODY_CHARS, "the body is {} characters")
    questions = problems.check((), _strings, meta, "questions", required=True)
    tags = problems.check((), _strings, meta, "tags", required=False)
    audience = problems.check(default_audience, _audience, meta, default_audience)
    locale = problems.check("en", _locale, meta)
    if problems.found:
        raise Invalid(*problems.found)
    return Article(
        id=article_id,
        title=title,
        questions=questions,
        tags=tags,
        audience=audience,
        locale=locale,
        body=body,
        path=path,
    )


def _known_keys(meta: dict[Any, Any]) -> None:
    """Refuses keys the format does not have. Ignored, a misspelled ``audiance`` would
    leave the article under the default audience without a word."""
    unknown = [key for key in meta if key not in KEYS]
    if unknown:
        raise Invalid(*(_unknown_key(key) for key in unknown))


def _unknown_key(key: Hashable) -> str:
    """What is wrong with ``key``, with the known key it most likely meant (case, spaces
    and invisible characters aside, then by spelling)."""
    if not isinstance(key, str):
        return f"unknown front-matter key {key!r}: use one of {', '.join(KEYS)}"
    bare = "".join(ch for ch in key if ch.isprintable() and not ch.isspace()).casefold()
    nearest = difflib.get_close_matches(bare, KEYS, n=1, cutoff=0.6)
    if nearest:
        return f"unknown front-matter key {key!r}: did you mean {nearest[0]!r}?"
    return f"unknown front-matter key {key!r}: use one of {', '.join(KEYS)}"


def _id(meta: dict[Any, Any], path: Path) -> str:
    article_id = meta.get("id", path.stem)
    if not isinstance(article_id, str) or not article_id.strip():
        raise Invalid("'id' must be a non-empty string")
    if len(article_id.strip()) > MAX_ID_LENGTH:
        length = len(article_id.strip())
        named = "" if "id" in meta else " (it is the file name: set a shorter 'id')"
        raise Invalid(f"'id' is {length} characters: use at most {MAX_ID_LENGTH}{named}")
    return article_id.strip()


def _title(meta: dict[Any, Any]) -> str:
    title = meta.get("title")
    if title is None:
        raise Invalid("missing required 'title'")
    if not isinstance(title, str) or not title.strip():
        raise Invalid("'title' must be a non-empty string")
    _within(len(title.strip()), MAX_TITLE_CHARS, "'title' is {} characters")
    return title.strip()


def _audience(meta: dict[Any, Any], default: Audience) -> Audience:
    audience = meta.get("audience", default)
    if audience not in AUDIENCES:
        raise Invalid(f"unknown audience {audience!r}: use one of internal, external, all")
    return cast(Audience, audience)


def _locale(meta: dict[Any, Any]) -> str:
    locale = meta.get("locale", "en")
    if not isinstance(locale, str) or not _LOCALE.match(locale):
        raise Invalid(f"bad locale {locale!r}: use a BCP 47 tag such as en or pt-BR")
    return locale


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
    problems = _Problems()
    items = [problems.check("", _string, key, n, item) for n, item in enumerate(value, start=1)]
    if problems.found:
        raise Invalid(*problems.found)
    if required and not items:
        raise Invalid(f"'{key}' is empty: give at least one")
    return tuple(items)


def _string(key: str, n: int, item: object) -> str:
    """Item ``n`` of the list ``key``, stripped."""
    if not isinstance(item, str):
        raise Invalid(f"'{key}' item {n} must be a string")
    if not item.strip():
        raise Invalid(f"'{key}' item {n} is empty")
    _within(len(item.strip()), MAX_QUESTION_CHARS, f"'{key}' item {n} is {{}} characters")
    return item.strip()


def _within(size: int, limit: int, what: str) -> None:
    """Refuse ``size`` over ``limit``; ``what`` says what was measured, ``{}`` the size."""
    if size > limit:
        raise Invalid(f"{what.format(size)}: use at most {limit}")
