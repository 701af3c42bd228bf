"""Drawing the vector base map and its street labels into the poster's PDF.

Nothing is decided here: the layers come from the map data and the letters from the street
label plan. Each layer of one colour is one PDF path, so thousands of buildings cost one fill.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import FILL_EVEN_ODD, FILL_NON_ZERO, Canvas

from generator.cartography.mapstyle import MapStyle
from generator.cartography.streetlabels import StreetLabel
from generator.map.geometry import Projection, Rect
from generator.map.osmdata import Area, AreaKind, LineKind, MapData, RoadClass

Point = tuple[float, float]
# Drawn from the least to the most important, so main roads lie on top where streets cross.
ROAD_ORDER = tuple(reversed(RoadClass))
PATHS = (RoadClass.CYCLEWAY, RoadClass.FOOTWAY, RoadClass.PATH, RoadClass.STEPS)
AREA_FILLS = (
    (AreaKind.SQUARE, "square"),
    (AreaKind.GREEN, "green"),
    (AreaKind.CEMETERY, "cemetery"),
    (AreaKind.PLAY, "play"),
    (AreaKind.WATER, "water"),
)
WATERWAY_WIDTH_MM = {LineKind.RIVER: 2.2, LineKind.CANAL: 2.2, LineKind.STREAM: 0.8}
RAIL_WIDTH_MM = 1.0
TRAM_WIDTH_MM = 0.5
MM = 72 / 25.4


@dataclass(frozen=True)
class _Sheet:
    """One base map being drawn: its canvas, data, projection and look, and each layer."""

    canvas: Canvas
    data: MapData
    projection: Projection
    style: MapStyle
    paper_scale: float
    low_ink: bool

    def ink(self, colour: str, low_ink_colour: str) -> Color:
        return self.style.colour(low_ink_colour if self.low_ink else colour)

    def mm(self, millimetres: float) -> float:
        """Points on this paper for millimetres at A1."""
        return millimetres * MM * self.paper_scale

    def lines_of(self, kind: LineKind) -> list[list[Point]]:
        return [
            self.projection.points(line.points) for line in self.data.lines if line.kind is kind
        ]

    def stroke(
        self,
        lines: Sequence[Sequence[Point]],
        width: float,
        dash: tuple[float, float] | None = None,
    ) -> None:
        self.canvas.setLineWidth(width)
        if dash is not None:
            self.canvas.setDash(*dash)
        self.canvas.drawPath(lines_path(self.canvas, lines), stroke=1, fill=0)

    def fill(self, areas: Sequence[Area], *, stroke: bool, fill: bool) -> None:
        """Single-ring areas in one path; areas with holes each with the even-odd rule."""
        simple = [self.projection.points(area.rings[0]) for area in areas if len(area.rings) == 1]
        if simple:
            path = lines_path(self.canvas, simple, closed=True)
            self.canvas.drawPath(path, stroke=int(stroke), fill=int(fill), fillMode=FILL_NON_ZERO)
        for area in areas:
            if len(area.rings) > 1:
                rings = (self.projection.points(ring) for ring in area.rings)
                path = lines_path(self.canvas, rings, closed=True)
                self.canvas.drawPath(
                    path, stroke=int(stroke), fill=int(fill), fillMode=FILL_EVEN_ODD
                )

    def areas(self) -> None:
        for kind, colour in AREA_FILLS:
            areas = [area for area in self.data.areas if area.kind is kind]
            if not areas:
                continue
            if self.low_ink:
                self.canvas.setStrokeColor(self.style.colour("low_ink_line"))
                self.canvas.setLineWidth(self.mm(0.35))
                self.fill(areas, stroke=True, fill=False)
            else:
                self.canvas.setFillColor(self.style.colour(colour))
                self.fill(areas, stroke=False, fill=True)

    def waterways(self) -> None:
        self.canvas.setStrokeColor(self.ink("water_line", "low_ink_line"))
        for kind, width in WATERWAY_WIDTH_MM.items():
            lines = self.lines_of(kind)
            if lines:
                self.stroke(lines, self.mm(width) * (0.5 if self.low_ink else 1.0))

    def buildings(self) -> None:
        buildings = [area for area in self.data.areas if area.kind is AreaKind.BUILDING]
        if not buildings:
            return
        self.canvas.setLineWidth(self.mm(0.12))
        if self.low_ink:  # outlines only: no ink on the blocks where people write
            self.canvas.setStrokeColor(self.style.colour("low_ink_line"))
            self.fill(buildings, stroke=True, fill=False)
            return
        self.canvas.setFillColor(self.style.colour("building"))
        self.canvas.setStrokeColor(self.style.colour("building_line"))
        self.fill(buildings, stroke=True, fill=True)

    def roads(self, denominator: float) -> None:
        widths = self.style.road_widths(self.paper_scale, denominator)
        casing = self.style.casing(self.paper_scale)
        by_class: dict[RoadClass, list[list[Point]]] = {}
        for road in self.data.roads:
            if not road.tunnel:
                by_class.setdefault(road.road_class, []).append(self.projection.points(road.points))
        streets = [road_class for road_class in ROAD_ORDER if road_class not in PATHS]
        for road_class in PATHS:
            if road_class in by_class:
                self.canvas.setStrokeColor(self.ink("path", "low_ink_line"))
                width = widths[road_class]
                steps = (width * 0.6, width * 0.6) if road_class is RoadClass.STEPS else None
                self.stroke(by_class[road_class], width, steps)
                self.canvas.setDash()
        self.canvas.setStrokeColor(self.ink("road_casing", "low_ink_casing"))
        for road_class in streets:
            if road_class in by_class:
                self.stroke(by_class[road_class], widths[road_class] + 2 * casing)
        for road_class in streets:
            if road_class in by_class:
                major = road_class in (RoadClass.MOTORWAY, RoadClass.TRUNK, RoadClass.PRIMARY)
                self.canvas.setStrokeColor(
                    self.ink("road_major" if major else "road", "low_ink_land")
                )
                self.stroke(by_class[road_class], widths[road_class])

    def railways(self) -> None:
        self.canvas.setStrokeColor(self.ink("rail", "low_ink_casing"))
        for kind, width in ((LineKind.RAIL, RAIL_WIDTH_MM), (LineKind.TRAM, TRAM_WIDTH_MM)):
            lines = self.lines_of(kind)
            if not lines:
                continue
            self.stroke(lines, self.mm(width))
            if kind is LineKind.RAIL and not self.low_ink:  # a railway's white dashes
                self.canvas.setStrokeColor(self.style.colour("land"))
                self.stroke(lines, self.mm(width) * 0.45, (self.mm(3), self.mm(3)))
                self.canvas.setDash()
                self.canvas.setStrokeColor(self.style.colour("rail"))


def draw_base_layers(
    canvas: Canvas,
    data: MapData,
    projection: Projection,
    rect: Rect,
    style: MapStyle,
    *,
    paper_scale: float,
    denominator: float,
    low_ink: bool,
) -> None:
    """Land, green, water, buildings, streets and railways: everything under the overlays."""
    canvas.saveState()
    canvas.setLineCap(1)
    canvas.setLineJoin(1)
    canvas.setFillColor(style.colour("low_ink_land" if low_ink else "land"))
    canvas.rect(rect.x, rect.y, rect.width, rect.height, stroke=0, fill=1)
    sheet = _Sheet(canvas, data, projection, style, paper_scale, low_ink)
    sheet.areas()
    sheet.waterways()
    sheet.buildings()
    sheet.roads(denominator)
    sheet.railways()
    canvas.restoreState()


def lines_path(canvas: Canvas, lines: Iterable[Sequence[Point]], *, closed: bool = False) -> Any:
    """One PDF path of many lines (``closed``: rings, each closed back to its start)."""
    path = canvas.beginPath()
    for line in lines:
        if len(line) < (3 if closed else 2):
            continue
        path.moveTo(*line[0])
        for point in line[1:]:
            path.lineTo(*point)
        if closed:
            path.close()
    return path


def draw_street_labels(
    canvas: Canvas,
    labels: Sequence[StreetLabel],
    font: str,
    style: MapStyle,
    *,
    halo: float,
    low_ink: bool,
) -> None:
    """Every letter twice: a white outline under all of them first, then the letters."""
    if not labels:
        return
    # The text render mode outlives its text object in PDF: each pass keeps it in its own state.
    for mode in (1, 0):  # 1: stroke only (the halo), 0: fill (the letters)
        canvas.saveState()
        canvas.setLineJoin(1)
        canvas.setStrokeColor(style.colour("label_halo"))
        canvas.setLineWidth(halo * 2)
        canvas.setFillColor(style.colour("low_ink_label" if low_ink else "label"))
        text = canvas.beginText()
        text.setTextRenderMode(mode)
        for label in labels:
            text.setFont(font, label.size)
            for glyph in label.glyphs:
                cos, sin = _turn(glyph.angle)
                text.setTextTransform(cos, sin, -sin, cos, glyph.x, glyph.y)
                text.textOut(glyph.char)
        canvas.drawText(text)
        canvas.restoreState()


def _turn(degrees: float) -> tuple[float, float]:
    radians = math.radians(degrees)
    return math.cos(radians), math.sin(radians)
