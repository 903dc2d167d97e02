"""Reading a KB file: its YAML front matter and its body, whatever the file holds.

KB files are edited by hand and learned from chat, so a file may be huge, not UTF-8, or
YAML built to exhaust the parser. Each is refused here with a reason for whoever edits it
(:class:`Invalid`), cheaply and before any field is looked at (:mod:`kb.articles`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
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
    """A file breaks the article format; each problem is shown to whoever edits it."""

    def __init__(self, *problems: str) -> None:
        super().__init__(*problems)
        self.problems = problems


class _TextLoader(yaml.SafeLoader):
    """YAML that reads every unquoted value as the text written, except an empty one or
    ``null``. Every front-matter field is text, and plain YAML would turn an intent
    called ``no`` into false, ``1.10`` into 1.1 and ``2024-01-01`` into a date: the
    article would be skipped, or its phrasing changed, for want of quotes.

    It also refuses collections nested deeper than :data:`MAX_DEPTH` as it meets them,
    before PyYAML's recursive composer and constructor run out of stack, and a key written
    twice in one mapping."""

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

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        """Refuses a key written twice, which YAML settles silently by keeping the last: a
        second ``audience:`` further down must not quietly change who sees the article."""
        seen: set[tuple[str, str]] = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                if (key.tag, key.value) in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key.value!r} is written twice", key.start_mark
                    )
                seen.add((key.tag, key.value))
        return super().construct_mapping(node, deep)


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
        line = raw.count(b"\n", 0, exc.start) + 1
        raise Invalid(
            f"not UTF-8 text (bad byte at offset {exc.start}, line {line}): save it as UTF-8"
        ) from exc
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise Invalid("no YAML front matter: the file must start with '---' and close it")
    return _mapping(match.group(1)), text[match.end() :].strip()


def _mapping(source: str) -> dict[Any, Any]:
    """The front matter's mapping; bad YAML, nothing at all, a list or a value is refused."""
    try:
        meta = yaml.load(source, Loader=_TextLoader)
    except yaml.reader.ReaderError as exc:  # it has no mark: say where the character is
        line = source.count("\n", 0, exc.position) + 2
        raise Invalid(
            f"bad YAML in front matter at line {line}: "
            f"character U+{exc.character:04X} is not allowed"
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise Invalid(f"bad YAML in front matter{where}: {problem}") from exc
    if meta is None:
        raise Invalid("the front matter is empty: give at least 'title' and 'questions'")
    if not isinstance(meta, dict):
        kind = "a list" if isinstance(meta, list) else "a single value"
        raise Invalid(f"front matter must be a YAML mapping (key: value lines), not {kind}")
    return meta


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
