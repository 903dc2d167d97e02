"""Writing a reviewed article into the knowledge-base folder as a Markdown file.

Articles learned from tickets arrive from chat, so nothing about them is trusted: the file
name is a slug of the title (no path can be smuggled in), a file is never overwritten (it
is published with a hard link, which fails on an existing name), the front matter is dumped
by YAML (no field can break out of it), and the file is loaded with the KB's own loader
before it is published, so a file the KB would refuse never reaches the folder.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from kb.articles import MAX_ID_LENGTH, Article, Audience, load_articles

__all__ = ["ArticleExists", "NewArticle", "learned_from", "slugify", "write_article"]

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SOURCE_TICKET = re.compile(r"^source_ticket:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


class ArticleExists(Exception):
    """Every name this article could take is used already (by a file or an article id)."""


@dataclass(frozen=True)
class NewArticle:
    """A reviewed article, with where it came from (kept in its front matter)."""

    title: str
    questions: tuple[str, ...]
    body: str
    audience: Audience
    locale: str
    author: str
    source_ticket: str


def slugify(text: str, limit: int = MAX_ID_LENGTH) -> str:
    """``"Can't reach the VPN (Windows)"`` -> ``"can-t-reach-the-vpn-windows"``: ASCII letters,
    digits and single dashes only, at most ``limit`` characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:limit].rstrip("-")


def write_article(folder: Path, article: NewArticle, taken_ids: Collection[str]) -> Article:
    """Write ``article`` as ``folder/<locale>/<slug>.md`` and return it as the KB loads it.

    The id is the title's slug, or, when that id or file is taken, the slug followed by the
    source ticket's key; ``taken_ids`` are the ids the KB already has (the loader refuses
    a second article with the same id).
    """
    locale_folder = folder / slugify(article.locale)
    locale_folder.mkdir(parents=True, exist_ok=True)
    for article_id in _candidate_ids(article):
        if article_id in taken_ids:
            continue
        path = locale_folder / f"{article_id}.md"
        # Staged under a name the KB does not read, checked, then published with a hard link:
        # the live KB never reads half a file, and a link never replaces an existing file.
        staged = locale_folder / f".{article_id}.{uuid.uuid4().hex}.draft"
        staged.write_text(_markdown(article, article_id), encoding="utf-8")
        try:
            checked = load_articles([staged])
            if checked.errors:
                raise ValueError(checked.errors[0].reason)
            try:
                os.link(staged, path)
            except FileExistsError:
                continue
            return replace(checked.articles[0], path=path)
        finally:
            staged.unlink()
    raise ArticleExists(f"an article named like {article.title!r} exists already")


def _candidate_ids(article: NewArticle) -> list[str]:
    ticket = slugify(article.source_ticket)
    title = slugify(article.title, MAX_ID_LENGTH - len(ticket) - 1) or "article"
    return [slugify(article.title) or f"article-{ticket}", f"{title}-{ticket}"]


def _markdown(article: NewArticle, article_id: str) -> str:
    meta = {
        "id": article_id,
        "title": article.title,
        "questions": list(article.questions),
        "audience": article.audience,
        "locale": article.locale,
        "author": article.author,
        "source_ticket": article.source_ticket,
    }
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n{article.body.strip()}\n"


def learned_from(folder: Path, source_tickets: Collection[str]) -> list[tuple[Path, str]]:
    """The articles under ``folder`` written from one of ``source_tickets`` (any case),
    with the ticket each names as its source in its front matter."""
    wanted = {key.casefold() for key in source_tickets}
    if not wanted or not folder.is_dir():
        return []
    found: list[tuple[Path, str]] = []
    for path in sorted(folder.rglob("*.md")):
        source = _source_ticket(path.read_text(encoding="utf-8"))
        if source is not None and source.casefold() in wanted:
            found.append((path, source))
    return found


def _source_ticket(markdown: str) -> str | None:
    """``source_ticket`` as :func:`_markdown` writes it (one line of YAML, a ticket key)."""
    front = markdown.split("\n---", 1)[0]
    match = _SOURCE_TICKET.search(front)
    if match is None:
        return None
    value = yaml.safe_load(match.group(1))
    return value if isinstance(value, str) else None
