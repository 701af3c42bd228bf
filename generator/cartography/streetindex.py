"""The street index: every named street on the map with the grid squares it runs through.

"Dampoortstraat D3, D4": sorted the Dutch way (case, accents and punctuation do not count,
numbers in their natural order), written as an A4 sheet of columns that flows onto more pages
(platypus: a page template of column frames and a story of entries).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph
from reportlab.platypus.doctemplate import NextPageTemplate

from generator.cartography import streets_on_page
from generator.cartography.grid import Grid
from generator.map.geometry import Projection
from generator.map.osmdata import MapData

COLUMNS = 3
MARGIN = 15 * mm
GAP = 7 * mm


@dataclass(frozen=True)
class IndexEntry:
    name: str
    squares: tuple[str, ...]

    def line(self) -> str:
        return f"{self.name} {', '.join(self.squares)}"


def sort_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Dutch index order: "Sint-Annaplein" beside "Sint Annaplein", "École" under E, and
    "2de Hulstlaan" before "10de Hulstlaan". Every part is a (kind, value) pair, so numbers
    and words never meet in one comparison."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(char for char in folded if not unicodedata.combining(char))
    words = " ".join(re.sub(r"[^\w\s]", " ", letters).split())
    parts: list[tuple[int, int | str]] = [
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"(\d+)", words)
        if part
    ]
    return (*parts, (-1, name))  # a name sorts before its longer namesakes


def street_index(data: MapData, projection: Projection, grid: Grid) -> list[IndexEntry]:
    """Every named street that runs through the grid, with its squares, in index order."""
    entries = []
    for street in streets_on_page(data, projection):
        squares = grid.squares_along(street.lines)
        if squares:
            entries.append(IndexEntry(street.name, tuple(_square_order(squares))))
    return sorted(entries, key=lambda entry: sort_key(entry.name))


def _square_order(squares: Sequence[str]) -> list[str]:
    """Squares by letter, then number: D3, D4, E3."""
    return sorted(squares, key=lambda square: (square[0], int(square[1:])))


@dataclass(frozen=True)
class IndexSheet:
    """What the sheet says and how it looks: from kaart.toml and the house style."""

    title: str
    subtitle: str
    empty: str
    font: str  # registered with its bold, so <b> works
    bold: str
    text_colour: Color
    accent: Color


def write_street_index(entries: Sequence[IndexEntry], sheet: IndexSheet, path: Path) -> None:
    """The index on A4 in three columns, as many pages as it takes."""
    width, height = A4
    column = (width - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS
    header = 26 * mm

    def frames(top: float) -> list[Frame]:
        return [
            Frame(MARGIN + index * (column + GAP), MARGIN, column, top - MARGIN, 0, 0, 0, 0)
            for index in range(COLUMNS)
        ]

    def first_page(canvas: Canvas, document: BaseDocTemplate) -> None:
        _draw_header(canvas, sheet, height)

    document = BaseDocTemplate(
        str(path),
        pagesize=A4,
        title=sheet.title,
        author="",
        creator="buurtkaart",
        invariant=1,
        initialFontName=sheet.font,
        pageTemplates=[
            PageTemplate("eerste", frames(height - MARGIN - header), onPage=first_page),
            PageTemplate("verder", frames(height - MARGIN)),
        ],
    )
    style = ParagraphStyle(
        "index",
        fontName=sheet.font,
        fontSize=10,
        leading=12.5,
        leftIndent=8,
        firstLineIndent=-8,
        textColor=sheet.text_colour,
    )
    story: list[Flowable] = [NextPageTemplate("verder")]
    if not entries:
        story.append(Paragraph(escape(sheet.empty), style))
    for entry in entries:
        squares = escape(", ".join(entry.squares))
        story.append(Paragraph(f"{escape(entry.name)} <b>{squares}</b>", style))
    document.build(story)


def _draw_header(canvas: Canvas, sheet: IndexSheet, height: float) -> None:
    canvas.saveState()
    canvas.setFillColor(sheet.accent)
    canvas.setFont(sheet.bold, 18)
    canvas.drawString(MARGIN, height - MARGIN - 16, sheet.title)
    canvas.setFillColor(sheet.text_colour)
    canvas.setFont(sheet.font, 11)
    canvas.drawString(MARGIN, height - MARGIN - 34, sheet.subtitle)
    canvas.restoreState()
