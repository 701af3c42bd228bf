"""Where wording, house style, fonts and DOCX templates are found.

In a source checkout they live in the top-level ``templates/`` folder; a wheel carries the
same folder as ``generator/templates`` (see pyproject.toml). A facilitator's ``--templates DIR``
overrides any file it holds; the rest still comes from the defaults.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

from generator.errors import TemplateError
from generator.i18n import _

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_templates_dir() -> Path:
    packaged = _PACKAGE_DIR / "templates"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / "templates"


class Templates:
    """Looks a template file up in the facilitator's folder first, then in the defaults."""

    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir
        self.default_dir = default_templates_dir()

    def path(self, name: str) -> Path:
        if self.override_dir is not None:
            candidate = self.override_dir / name
            if candidate.exists():
                return candidate
        candidate = self.default_dir / name
        if not candidate.exists():
            raise TemplateError(
                _(
                    "template file {name} is missing from {folder}; reinstall buurtkaart or "
                    "restore the file"
                ).format(name=name, folder=self.default_dir)
            )
        return candidate

    def toml(self, name: str) -> dict[str, Any]:
        path = self.path(name)
        try:
            with path.open("rb") as handle:
                return tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise TemplateError(
                _("{file}: {reason}; fix the TOML syntax or restore the file").format(
                    file=path, reason=exc
                )
            ) from exc


def export_templates(target: Path, *, force: bool = False) -> list[Path]:
    """Copy the default templates to ``target`` for a facilitator to edit."""
    if target.exists() and any(target.iterdir()) and not force:
        raise TemplateError(
            _(
                "{folder} already holds files; choose an empty folder or add --force to overwrite"
            ).format(folder=target)
        )
    source = default_templates_dir()
    written = []
    for path in sorted(source.rglob("*")):
        # The message catalogue is not a template: --templates never overrides it.
        if path.is_file() and not {"__pycache__", "locale"} & set(path.relative_to(source).parts):
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            written.append(destination)
    return written
