"""The shipped languages: gettext catalogues read from ``bot/i18n/locales`` with Babel.

Each language is one ``.po`` file, ``bot/i18n/locales/<lang>/LC_MESSAGES/tier0.po``, the format
translators and their tools (Poedit, Weblate, ``pybabel``) know. The files are read when
tier0 starts, not compiled beforehand, so a fresh clone or an edited translation needs no
build step. Message ids are symbolic (``ticket.opened``); English is the source language
and the last fallback, so a message missing from a translation is still said, in English.

Locale tags come in many spellings (``pt_BR``, ``pt-br``, Slack's ``pt-BR``, Discord's
``en-US``); :func:`supported_locale` maps each to the shipped catalogue that fits it.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = [
    "DOMAIN",
    "LOCALES_DIR",
    "SOURCE_LOCALE",
    "Language",
    "babel_locale",
    "language_name",
    "languages",
    "read_catalogue",
    "supported_locale",
]

DOMAIN: Final = "tier0"
LOCALES_DIR: Final = Path(__file__).parent / "locales"
SOURCE_LOCALE: Final = "en"
_TAG: Final = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,8}))?(?:[-_.@].*)?$")


@dataclass(frozen=True)
class Language:
    """One shipped catalogue: its BCP 47 tag (``pt-BR``), its messages and plural rule.

    ``plural_ids`` are the messages that change with a count (``{count}`` picks the form).
    """

    tag: str
    catalog: Catalog
    translations: gettext.GNUTranslations
    plural_ids: frozenset[str]


def read_catalogue(path: Path) -> Catalog:
    """A ``.po`` file as a Babel catalogue (its header names the language and plural rule)."""
    with path.open("rb") as file:
        return read_po(file, domain=DOMAIN)


def _translations(catalog: Catalog) -> gettext.GNUTranslations:
    """The stdlib's gettext over ``catalog``: it evaluates the ``Plural-Forms`` rule."""
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def languages(directory: Path = LOCALES_DIR) -> Mapping[str, Language]:
    """Every catalogue under ``directory`` by tag, each falling back to English."""
    found: dict[str, Language] = {}
    for path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        tag = _bcp47(path.parents[1].name)
        catalog = read_catalogue(path)
        plural_ids = frozenset(str(m.id[0]) for m in catalog if m.id and m.pluralizable)
        found[tag] = Language(tag, catalog, _translations(catalog), plural_ids)
    source = found.get(SOURCE_LOCALE)
    if source is None:
        raise RuntimeError(f"no {SOURCE_LOCALE} catalogue in {directory}")
    for language in found.values():
        if language is not source:
            language.translations.add_fallback(source.translations)
    return found


def supported_locale(tag: str | None, directory: Path = LOCALES_DIR) -> str | None:
    """The shipped catalogue for ``tag``: ``pt_BR``, ``pt-br`` and ``pt`` all give ``pt-BR``.

    An exact language and region wins; otherwise the same language in another region (the
    bare language first). None when no catalogue speaks the language at all.
    """
    match = _TAG.match((tag or "").strip())
    if match is None:
        return None
    language, region = match.group(1).lower(), (match.group(2) or "").upper()
    shipped = languages(directory)
    exact = f"{language}-{region}" if region else language
    if exact in shipped:
        return exact
    same = sorted(t for t in shipped if t.split("-")[0] == language)
    if not same:
        return None
    return language if language in same else same[0]


def babel_locale(tag: str) -> Locale:
    """Babel's locale for a tag, for dates and names; English when Babel does not know it."""
    try:
        return Locale.parse(tag, sep="-")
    except (ValueError, UnknownLocaleError):
        return Locale.parse(SOURCE_LOCALE)


def language_name(tag: str, in_locale: str) -> str:
    """``pt-BR`` as people of ``in_locale`` call it: "Portuguese (Brazil)", "português (Brasil)"."""
    name = babel_locale(tag).get_display_name(babel_locale(in_locale))
    return name or tag


def _bcp47(directory_name: str) -> str:
    """Folder names follow gettext (``pt_BR``); tags follow BCP 47 (``pt-BR``)."""
    language, _, region = directory_name.partition("_")
    return f"{language.lower()}-{region.upper()}" if region else language.lower()
