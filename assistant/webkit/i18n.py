"""The web pages' words: Babel message catalogues, one per language, chosen per request.

``assistant/locale/<language>/LC_MESSAGES/messages.po`` holds every word every page set shows
(the kit's layout and error pages, the customer pages, later the helper portal and consoles:
one catalogue, so a translator has one file per language and the kit's words are translated
once); the msgid is the English source text. ``install.sh`` compiles each ``.po`` to its
``.mo``; a ``.mo`` that is missing or older than its ``.po`` (a fresh clone, an edit not yet
compiled) is compiled in memory instead, so the pages never show stale words. A language
without a catalogue shows the English source text.

The translations are never installed on the shared Jinja environment (that would let one
request's language leak into another's): each render gets its own :class:`Words`, whose
:meth:`Words.context` puts ``gettext``/``ngettext`` into that render's context.
"""

from __future__ import annotations

import gettext as gettext_module
import threading
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Dict, List

from babel.core import Locale, UnknownLocaleError, parse_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue where it is defined; it is translated when shown."""
    return message


def language_of(locale: str) -> str:
    """The language of a locale name: "en_US" and "en-US" are "en"."""
    try:
        return parse_locale(locale.replace("-", "_"))[0]
    except ValueError:
        return locale.split("_")[0].split("-")[0].lower()


def babel_locale(locale: str, fallback: str) -> str:
    """``locale`` if Babel knows how to format numbers and dates for it, else ``fallback``."""
    try:
        return str(Locale.parse(locale.replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        return fallback


@dataclass(frozen=True)
class Words:
    """One language's words for one request (Python code and the templates use the same)."""

    language: str
    translations: gettext_module.NullTranslations

    def gettext(self, message: str, **values: Any) -> str:
        """``message`` in this language, with ``%(name)s`` placeholders filled in."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def context(self) -> Dict[str, Any]:
        """``gettext``/``ngettext`` for one render (Jinja's newstyle gettext: autoescaped, and
        the variables filled in by the call)."""
        translations = self.translations
        # The catalogue is trusted like the templates it came from; the values are escaped.

        @pass_context
        def gettext(context: Context, message: str, **values: Any) -> str:
            text = translations.gettext(message)
            if context.eval_ctx.autoescape:
                text = Markup(text)  # noqa: S704
            return text % values

        @pass_context
        def ngettext(
            context: Context, singular: str, plural: str, count: int, **values: Any
        ) -> str:
            text = translations.ngettext(singular, plural, count)
            if context.eval_ctx.autoescape:
                text = Markup(text)  # noqa: S704
            return text % {"num": count, **values}

        return {"gettext": gettext, "ngettext": ngettext}


class Catalogues:
    """The compiled catalogues under ``directory``, loaded once per language."""

    def __init__(self, directory: Path = LOCALE_DIR) -> None:
        self.directory = Path(directory)
        self._loaded: Dict[str, gettext_module.NullTranslations] = {}
        self._lock = threading.Lock()

    def languages(self) -> List[str]:
        """The languages with a catalogue here."""
        return sorted(p.parent.parent.name for p in self.directory.glob("*/LC_MESSAGES/*.po"))

    def words(self, locale: str) -> Words:
        """The words for ``locale`` ("en_US"): its own catalogue, else its language's ("en")."""
        name = locale.replace("-", "_")
        for candidate in dict.fromkeys((name, language_of(name))):
            if (
                candidate.replace("_", "").isalpha()
                and (self.directory / candidate / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
            ):
                return Words(candidate, self._translations(candidate))
        return Words(language_of(name), gettext_module.NullTranslations())

    def _translations(self, language: str) -> gettext_module.NullTranslations:
        with self._lock:
            if language not in self._loaded:
                self._loaded[language] = self._load(language)
            return self._loaded[language]

    def _load(self, language: str) -> gettext_module.NullTranslations:
        po = self.directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            with mo.open("rb") as compiled:
                return Translations(compiled, domain=DOMAIN)
        with po.open("rb") as source:
            catalog = read_po(source, locale=language, domain=DOMAIN)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
