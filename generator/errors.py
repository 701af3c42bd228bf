"""The project's exceptions: one root, so the CLI turns every one into a message and exit 1."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from generator.i18n import _


class BuurtkaartError(click.ClickException):
    """Something the user can fix: click prints ``Error: <message>`` (in Dutch ``Fout:``) and
    exits 1."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a workbook, located as precisely as the file allows."""

    file: Path
    message: str
    hint: str = ""
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        if self.sheet is None:
            where = str(self.file)
        elif self.cell is None:
            where = _("{file}: sheet '{sheet}'").format(file=self.file, sheet=self.sheet)
        else:
            where = _("{file}: sheet '{sheet}', cell {cell}").format(
                file=self.file, sheet=self.sheet, cell=self.cell
            )
        text = f"{where}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


def how_to_set(variable: str, value: str) -> str:
    """How to set an environment variable for this window, in each shell a facilitator may use:
    most work on Windows (PowerShell or cmd), some on macOS or Linux."""
    return _(
        'in PowerShell: $env:{variable} = "{value}"; in cmd: set {variable}={value}; '
        'in a macOS or Linux shell: export {variable}="{value}"'
    ).format(variable=variable, value=value)


class WorkbookError(BuurtkaartError):
    """A workbook that cannot be read, or that holds values the tool cannot use."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class TemplateError(BuurtkaartError):
    """A template (wording, house style, DOCX) that is missing or broken."""


class MapError(BuurtkaartError):
    """The base map cannot be made within the tile server's rules (too many tiles, bad URL)."""


class OsmFileError(BuurtkaartError):
    """The OpenStreetMap extract given with --osm-file is missing, unreadable or not OSM data."""


class OutputError(BuurtkaartError):
    """The pack cannot be written where it was asked to go."""


class ServeError(BuurtkaartError):
    """The page's server cannot start (the port is taken, the address is not this computer's)."""


class ScanError(BuurtkaartError):
    """``buurtkaart scan`` cannot read this pack or write its results (exit 1)."""


class PhotoRefused(ScanError):
    """A photo the scan refuses: not an image, too large, no poster, too few markers, or
    another poster than the pack's. Its own exit code lets a script ask for another photo."""

    exit_code = 3
