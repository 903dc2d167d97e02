"""How Slack, Discord and a terminal read what tier0 posts, modelled for the escaping tests.

Discord (its client's markdown): a backslash before a punctuation character shows that
character literally; a bare ``http(s)://`` URL is one link whose text is its target; an
unescaped ``[label](`` starts a masked link, ``<...>`` is an autolink, a mention, a channel,
an emoji or a timestamp; ``* _ ~ | `` `` and ``>`` format; ``#``, ``-``, ``+`` and ``1.`` at the
start of a line make headings and lists. The server pings for ``@everyone``, ``@here`` and
``<@id>``/``<@&id>`` in the raw text, whatever the markdown around them (``@`` followed by
a zero-width space is not a mention).

Slack (mrkdwn): ``&lt;``, ``&gt;`` and ``&amp;`` are the only entities, and every link,
mention, channel, user group and date is a ``<...>`` token; there is no other way to make one.

The tests define here, independently of the adapters, which characters are never words.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "INVISIBLE",
    "discord_leaks",
    "discord_pings",
    "discord_shown",
    "slack_shown",
    "slack_tokens",
]

INVISIBLE: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
"""C0 and C1 control characters (tab and newline aside) and bidirectional controls."""

_ESCAPED: Final = re.compile(r"\\([^0-9A-Za-z\s])")
_LITERAL: Final = "\ue000"
_BARE_URL: Final = re.compile(r"https?://[^\s<]+[^<.,:;\"')\]\s]")
_MASKED_LINK: Final = re.compile(r"\[[\s\S]*?\]\(")
_ANGLE_TOKEN: Final = re.compile(r"<[^<>\n]*>")
_FORMATTING: Final = re.compile(r"[*_~|`>]|^[ \t]*(?:[#+-]|\d+\.)", re.MULTILINE)
_PING: Final = re.compile(r"@(?:everyone|here)|<@[!&]?\d+>")
_SLACK_TOKEN: Final = re.compile(r"<[^<>]*>")


def discord_shown(text: str) -> str:
    """What a Discord reader sees: escapes resolved, zero-width spaces invisible."""
    return _ESCAPED.sub(r"\1", text).replace("\u200b", "")


def discord_leaks(text: str) -> list[str]:
    """Everything in ``text`` that Discord would show as a link, mention or formatting
    rather than as the characters typed (bare URLs show their target, so they do not count;
    each stands in as one plain character, so what followed it is not read as a line start)."""
    raw = _BARE_URL.sub(_LITERAL, _ESCAPED.sub(_LITERAL, text))
    found = _MASKED_LINK.findall(raw) + _ANGLE_TOKEN.findall(raw)
    return found + [m.group() for m in _FORMATTING.finditer(raw)]


def discord_pings(text: str) -> list[str]:
    """The mentions Discord's server finds in the raw text."""
    return _PING.findall(text)


def slack_tokens(text: str) -> set[str]:
    return set(_SLACK_TOKEN.findall(text))


def slack_shown(mrkdwn: str) -> str:
    """What a Slack reader sees of text without tokens."""
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
