"""The language of every message buurtkaart writes for people: the one seam for translation.

Messages are written in English in the code and wrapped in ``_`` (``ngettext`` for a count),
so the message catalogue can give them in Dutch, the default, or English when asked.
"""

from __future__ import annotations


def _(message: str) -> str:
    """The message in the chosen language."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message about ``count`` things, in the chosen language."""
    return singular if count == 1 else plural
