"""The "Save as article" review form on Discord: a modal holding the draft.

A modal can only be the first answer to an interaction, within three seconds, so the
card's button is answered with it straight away (interaction response type 9) instead of
through the outbox; its submission (custom id ``tier0:article:<key>``) comes back as an
interaction that :mod:`adapters.discord_adapter.translate` turns into ``ArticleSubmitted``.
"""

from __future__ import annotations

from typing import Final

import discord

from adapters.discord_adapter.ids import custom_id
from adapters.discord_adapter.render import cut
from bot.i18n.messages import say
from bot.learning.drafts import ArticleDraft

__all__ = ["ARTICLE_FORM", "TEXT_LIMIT", "article_modal"]

ARTICLE_FORM: Final = "article"
TEXT_LIMIT: Final = 4000
"""Discord's most for a text input: a longer draft is cut, and the agent sees the cut."""
TITLE_LIMIT: Final = 150
LABEL_LIMIT: Final = 45


def article_modal(draft: ArticleDraft, locale: str) -> discord.ui.Modal:
    """The form with the draft filled in, in the agents' language (the desk's)."""
    form = discord.ui.Modal(
        title=cut(say("learning.form_title", locale), LABEL_LIMIT),
        custom_id=custom_id(ARTICLE_FORM, draft.ticket_key),
        timeout=None,
    )
    fields = (
        ("title", "learning.field_title", draft.title, TITLE_LIMIT, discord.TextStyle.short),
        ("questions", "learning.field_questions", "\n".join(draft.questions), TEXT_LIMIT, None),
        ("answer", "learning.field_answer", draft.answer, TEXT_LIMIT, None),
    )
    for name, label, value, limit, style in fields:
        form.add_item(
            discord.ui.TextInput(
                label=cut(say(label, locale), LABEL_LIMIT),
                custom_id=name,
                style=style or discord.TextStyle.paragraph,
                default=value[:limit] or None,
                max_length=limit,
            )
        )
    return form
