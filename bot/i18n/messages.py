"""Every sentence the bot writes, by message id, in the language of whoever reads it.

The wording lives in gettext catalogues (``bot/i18n/locales``, see :mod:`bot.i18n.catalogues` and
docs/translating.md), so support leads edit it in one place and translators get a single
list of ids to cover. Requester-facing text is said in the requester's language; the agent
side in the help desk's default language (``default_locale``).
"""

from __future__ import annotations

from typing import Any

from bot.i18n.catalogues import SOURCE_LOCALE, languages, supported_locale

__all__ = ["pick_locale", "priority_label", "say"]


def say(message_id: str, locale: str | None = None, **values: Any) -> str:
    """The text of ``message_id`` in ``locale`` with ``values`` filled in.

    ``locale`` is any spelling of a tag (``pt_BR``, ``pt-br``); without one, or for a
    language no catalogue speaks, English. A message with plural forms picks the form for
    ``values["count"]``. An id no catalogue has is a programming error: KeyError.
    """
    shipped = languages()
    source = shipped[SOURCE_LOCALE]
    if message_id not in source.catalog:
        raise KeyError(message_id)
    translations = shipped[supported_locale(locale) or SOURCE_LOCALE].translations
    if message_id in source.plural_ids:
        text = translations.ngettext(message_id, message_id, int(values["count"]))
    else:
        text = translations.gettext(message_id)
    return text.format(**values)


def pick_locale(tag: str | None, default: str) -> str:
    """The language to speak with someone: theirs if a catalogue speaks it, else ``default``
    (the help desk's), else English. Always a shipped tag such as ``pt-BR``."""
    return supported_locale(tag) or supported_locale(default) or SOURCE_LOCALE


def priority_label(priority: str, locale: str | None = None) -> str:
    """A priority as its reader says it: the shipped names (low, normal, high, urgent) are
    translated; a help desk's own names are configuration and are shown as configured."""
    message_id = f"priority.{priority}"
    if message_id not in languages()[SOURCE_LOCALE].catalog:
        return priority
    return say(message_id, locale)
