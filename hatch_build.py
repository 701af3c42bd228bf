"""Build hook: compiles the message catalogues (templates/locale/*/LC_MESSAGES/*.po) to the .mo
files that gettext reads at run time, for a wheel and for an editable install alike.

Babel is needed only here, when building: the installed package reads .mo files with the stdlib.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALE = Path("templates") / "locale"


def compile_catalogues(root: Path) -> list[Path]:
    """Compile every .po under the project's locale folder whose .mo is missing or older."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po_path in sorted((root / LOCALE).glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file)
        # Written aside and moved into place: test workers may compile at the same moment.
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.part")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalogue)
        partial.replace(mo_path)
        compiled.append(mo_path)
    return compiled


class CatalogueBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return  # an sdist ships the .po; the wheel built from it compiles them
        # Compiled into templates/locale before the files are collected: the wheel's
        # force-include of templates/ (pyproject.toml) then carries the .mo files, and an
        # editable install reads them from the source tree.
        compile_catalogues(Path(self.root))
