"""The "Save as article" review form on Slack: a modal with the draft, and its submission.

The modal is opened with the button press's ``trigger_id`` (valid for three seconds), so it
is not an outbox action; what the agent approves comes back as a ``view_submission`` and
becomes the engine's ``ArticleSubmitted``. The ticket and the card's thread ride in the
view's ``private_metadata``, so the confirmation lands where the agent pressed the button.
"""

from __future__ import annotations

import json
from typing import Any, Final

from adapters.malformed import ignoring_malformed
from adapters.slack.translate import ACTION_PREFIX, PLATFORM
from bot.events import ArticleSubmitted, Person, Place
from bot.i18n.messages import say
from bot.learning.drafts import ArticleDraft

__all__ = ["ARTICLE_FORM_CALLBACK", "SAVE_ARTICLE_ACTION", "article_form", "article_submission"]

JSON = dict[str, Any]
SAVE_ARTICLE_ACTION: Final = f"{ACTION_PREFIX}:save_article"
ARTICLE_FORM_CALLBACK: Final = f"{ACTION_PREFIX}:article_form"
TITLE_LIMIT: Final = 150
TEXT_LIMIT: Final = 3000
"""Slack's most for a plain-text input: a longer draft is cut, and the agent sees the cut."""
_VALUE: Final = "value"


def article_form(draft: ArticleDraft, place: Place, locale: str) -> JSON:
    """The modal for reviewing ``draft``; ``place`` is the card's thread, for the answer."""
    metadata = {"key": draft.ticket_key, "channel": place.channel, "thread": place.thread}
    return {
        "type": "modal",
        "callback_id": ARTICLE_FORM_CALLBACK,
        "private_metadata": json.dumps(metadata),
        "title": _plain(say("learning.form_title", locale), 24),
        "submit": _plain(say("learning.form_submit", locale), 24),
        "close": _plain(say("slack.close", locale), 24),
        "blocks": [
            _input("title", say("learning.field_title", locale), draft.title, TITLE_LIMIT),
            _input(
                "questions",
                say("learning.field_questions", locale),
                "\n".join(draft.questions),
                TEXT_LIMIT,
                multiline=True,
            ),
            _input("answer", say("learning.field_answer", locale), draft.answer, TEXT_LIMIT, True),
        ],
    }


@ignoring_malformed(PLATFORM, None)
def article_submission(payload: JSON, person: Person) -> ArticleSubmitted | None:
    """The approved form as the engine's event (one per view: Slack closes it on submit)."""
    view = payload["view"]
    if view.get("callback_id") != ARTICLE_FORM_CALLBACK:
        return None
    metadata = json.loads(view["private_metadata"])
    values = view["state"]["values"]

    def field(block: str) -> str:
        return str(values[block][_VALUE].get("value") or "")

    return ArticleSubmitted(
        person,
        Place(PLATFORM, str(metadata["channel"]), metadata.get("thread")),
        ticket_key=str(metadata["key"]),
        title=field("title"),
        questions=tuple(field("questions").splitlines()),
        answer=field("answer"),
        event_id=f"view:{view['id']}",
    )


def _plain(text: str, limit: int) -> JSON:
    return {"type": "plain_text", "text": text[:limit]}


def _input(block: str, label: str, initial: str, limit: int, multiline: bool = False) -> JSON:
    element: JSON = {
        "type": "plain_text_input",
        "action_id": _VALUE,
        "multiline": multiline,
        "max_length": limit,
    }
    if initial:
        element["initial_value"] = initial[:limit]
    return {"type": "input", "block_id": block, "label": _plain(label, 2000), "element": element}
