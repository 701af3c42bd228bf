"""Values read from the template TOML files, checked, with messages that name file and key.

Shared by the poster's style and the base map's style (cartography may not import the poster).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.colors import Color

from generator.errors import TemplateError
from generator.i18n import _


def section(file: Path, raw: dict[str, Any], name: str) -> dict[str, Any]:
    """The table ``[name]`` of a template file, or a TemplateError that says it is missing."""
    found = raw.get(name)
    if not isinstance(found, dict):
        raise TemplateError(
            _("{file}: section [{name}] is missing; add it or restore the file").format(
                file=file, name=name
            )
        )
    return found


def colour(file: Path, table: dict[str, Any], key: str, where: str) -> Color:
    """The colour ``key`` of a table (``where`` names it, as ``[colours]``), written as hex."""
    value = table.get(key)
    try:
        return colors.HexColor(str(value))
    except ValueError as exc:
        raise TemplateError(
            _(
                "{file}: {where} colour '{key}' = {value} is not a colour like \"#1F5C66\"; "
                "fix it or restore the file"
            ).format(file=file, where=where, key=key, value=repr(value))
        ) from exc
