"""The language of every message buurtkaart writes for people: the one seam for translation.

Messages are written in English in the code and wrapped in ``_`` (``ngettext`` for a count),
so the message catalogue can give them in Dutch, the default, or English when asked. The
catalogue is ``templates/locale/<lang>/LC_MESSAGES/buurtkaart.po``, compiled to ``.mo`` when the
package is built (see hatch_build.py); only the stdlib's gettext reads it at run time.

The language is, in this order: the one asked for with ``use_language`` (the CLI's ``--lang``),
``BUURTKAART_LANG``, the system's locale, else Dutch.
"""

from __future__ import annotations

import gettext
import locale
import sys
from pathlib import Path

from generator.options import language_settings

DOMAIN = "buurtkaart"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

# The names a system gives these languages: POSIX codes (nl_BE.UTF-8) and Windows names
# (Dutch_Belgium.1252, as locale.getlocale() reports them there).
_LOCALE_PREFIXES = {"nl": "nl", "dutch": "nl", "en": "en", "english": "en"}

_chosen: gettext.NullTranslations | None = None
_chosen_language = DEFAULT_LANGUAGE


# N_ is the name gettext's extractors look for.
def N_(message: str) -> str:
    """Marks a message for the catalogue where it must be translated later, when shown."""
    return message


def _(message: str) -> str:
    """The message in the chosen language."""
    return _translations().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message about ``count`` things, in the chosen language."""
    return _translations().ngettext(singular, plural, count)


def current_language() -> str:
    _translations()
    return _chosen_language


def use_language(requested: str | None = None) -> str:
    """Speak ``requested``, or the language the environment asks for; returns the one chosen."""
    global _chosen, _chosen_language
    language = language_from_environment() if requested is None else requested.lower()
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    _chosen_language = language
    if language == "en":
        # The messages are written in English: no catalogue to read.
        _chosen = gettext.NullTranslations()
    else:
        # A missing catalogue (a source checkout never built) shows the English messages
        # rather than stopping the command; the tests build it (tests/conftest.py).
        _chosen = gettext.translation(
            DOMAIN, str(catalogue_dir()), languages=[language], fallback=True
        )
    return language


def language_from_environment() -> str:
    """BUURTKAART_LANG, else the system's locale when it is Dutch or English, else Dutch."""
    asked, system = language_settings()
    if asked in LANGUAGES:
        return asked
    if not system and sys.platform == "win32":
        # Windows sets no such variable: ask the system.
        name = locale.getlocale()[0]
        system = [name] if name else []
    for name in system:
        for prefix, language in _LOCALE_PREFIXES.items():
            if name.lower().startswith(prefix):
                return language
    return DEFAULT_LANGUAGE


def catalogue_dir() -> Path:
    # Imported here: resources imports errors, whose messages are translated by this module.
    from generator.resources import default_templates_dir

    return default_templates_dir() / "locale"


def _translations() -> gettext.NullTranslations:
    if _chosen is None:
        use_language()
    assert _chosen is not None
    return _chosen
