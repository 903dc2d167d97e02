"""Reading a KB file: its YAML front matter and its body, whatever the file holds.

KB files are edited by hand and learned from chat, so a file may be huge, not UTF-8, or
YAML built to exhaust the parser. Each is refused here with a reason for whoever edits it
(:class:`Invalid`), cheaply and before any field is looked at (:mod:`kb.articles`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "Invalid", "read_front_matter"]

# Generous for real articles (the sample KB's largest file is 2 KB, its front matter nests 2
# deep) and cheap to refuse; with the limits on fields in kb.articles.
MAX_FILE_BYTES = 1_048_576
MAX_DEPTH = 16
"""Collections nested in the front matter, counting its mapping; checked while composing."""
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.S | re.M)


class Invalid(Exception):
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
                raise Invalid(f"front matter nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_front_matter(path: Path) -> tuple[dict[Any, Any], str]:
    """The front matter of the file at ``path`` as a mapping, and the body after it."""
    raw = _read(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"not UTF-8 text (bad byte at offset {exc.start})") from exc
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise Invalid("no YAML front matter: the file must start with '---' and close it")
    try:
        meta = yaml.load(match.group(1), Loader=_TextLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise Invalid(f"bad YAML in front matter{where}: {problem}") from exc
    if not isinstance(meta, dict):
        raise Invalid("front matter must be a YAML mapping (key: value lines)")
    return meta, text[match.end() :].strip()


def _read(path: Path) -> bytes:
    """The file's bytes, reading no more than one past the limit of a file's size."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
            size = max(len(raw), os.fstat(file.fileno()).st_size)
    except OSError as exc:
        raise Invalid(f"cannot read file: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise Invalid(f"the file is {size} bytes: the limit is {MAX_FILE_BYTES}")
    return raw
