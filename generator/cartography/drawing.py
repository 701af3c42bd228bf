"""Drawing the vector base map and its street labels into the poster's PDF.

Nothing is decided here: the layers come from the map data and the letters from the street
label plan. Each layer of one colour is one PDF path, so thousands of buildings cost one fill.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

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
    _draw_areas(canvas, data, projection, style, paper_scale, low_ink)
    _draw_waterways(canvas, data, projection, style, paper_scale, low_ink)
    _draw_buildings(canvas, data, projection, style, paper_scale, low_ink)
    _draw_roads(canvas, data, projection, style, paper_scale, denominator, low_ink)
    _draw_railways(canvas, data, projection, style, paper_scale, low_ink)
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


def _fill_areas(
    canvas: Canvas, areas: Sequence[Area], projection: Projection, *, stroke: bool, fill: bool
) -> None:
    """Single-ring areas in one path; areas with holes each with the even-odd rule."""
    simple = [projection.points(area.rings[0]) for area in areas if len(area.rings) == 1]
    if simple:
        path = lines_path(canvas, simple, closed=True)
        canvas.drawPath(path, stroke=int(stroke), fill=int(fill), fillMode=FILL_NON_ZERO)
    for area in areas:
        if len(area.rings) > 1:
            rings = (projection.points(ring) for ring in area.rings)
            path = lines_path(canvas, rings, closed=True)
            canvas.drawPath(path, stroke=int(stroke), fill=int(fill), fillMode=FILL_EVEN_ODD)


def _draw_areas(
    canvas: Canvas,
    data: MapData,
    projection: Projection,
    style: MapStyle,
    paper_scale: float,
    low_ink: bool,
) -> None:
    for kind, colour in AREA_FILLS:
        areas = [area for area in data.areas if area.kind is kind]
        if not areas:
            continue
        if low_ink:
            canvas.setStrokeColor(style.colour("low_ink_line"))
            canvas.setLineWidth(0.35 * MM * paper_scale)
            _fill_areas(canvas, areas, projection, stroke=True, fill=False)
        else:
            canvas.setFillColor(style.colour(colour))
            _fill_areas(canvas, areas, projection, stroke=False, fill=True)


def _draw_waterways(
    canvas: Canvas,
    data: MapData,
    projection: Projection,
    style: MapStyle,
    paper_scale: float,
    low_ink: bool,
) -> None:
    canvas.setStrokeColor(style.colour("low_ink_line" if low_ink else "water_line"))
    for kind, width in WATERWAY_WIDTH_MM.items():
        lines = [projection.points(line.points) for line in data.lines if line.kind is kind]
        if lines:
            canvas.setLineWidth(width * MM * paper_scale * (0.5 if low_ink else 1.0))
            canvas.drawPath(lines_path(canvas, lines), stroke=1, fill=0)


def _draw_buildings(
    canvas: Canvas,
    data: MapData,
    projection: Projection,
    style: MapStyle,
    paper_scale: float,
    low_ink: bool,
) -> None:
    buildings = [area for area in data.areas if area.kind is AreaKind.BUILDING]
    if not buildings:
        return
    canvas.setLineWidth(0.12 * MM * paper_scale)
    if low_ink:  # outlines only: no ink on the blocks where people write
        canvas.setStrokeColor(style.colour("low_ink_line"))
        _fill_areas(canvas, buildings, projection, stroke=True, fill=False)
        return
    canvas.setFillColor(style.colour("building"))
    canvas.setStrokeColor(style.colour("building_line"))
    _fill_areas(canvas, buildings, projection, stroke=True, fill=True)


def _draw_roads(
    canvas: Canvas,
    data: MapData,
    projection: Projection,
    style: MapStyle,
    paper_scale: float,
    denominator: float,
    low_ink: bool,
) -> None:
    widths = style.road_widths(paper_scale, denominator)
    casing = style.casing(paper_scale)
    by_class: dict[RoadClass, list[list[Point]]] = {}
    for road in data.roads:
        if not road.tunnel:
            by_class.setdefault(road.road_class, []).append(projection.points(road.points))
    streets = [road_class for road_class in ROAD_ORDER if road_class not in PATHS]
    for road_class in PATHS:
        if road_class in by_class:
            canvas.setStrokeColor(style.colour("low_ink_line" if low_ink else "path"))
            canvas.setLineWidth(widths[road_class])
            if road_class is RoadClass.STEPS:
                canvas.setDash(widths[road_class] * 0.6, widths[road_class] * 0.6)
            canvas.drawPath(lines_path(canvas, by_class[road_class]), stroke=1, fill=0)
            canvas.setDash()
    canvas.setStrokeColor(style.colour("low_ink_casing" if low_ink else "road_casing"))
    for road_class in streets:
        if road_class in by_class:
            canvas.setLineWidth(widths[road_class] + 2 * casing)
            canvas.drawPath(lines_path(canvas, by_class[road_class]), stroke=1, fill=0)
    for road_class in streets:
        if road_class in by_class:
            major = road_class in (RoadClass.MOTORWAY, RoadClass.TRUNK, RoadClass.PRIMARY)
            colour = "low_ink_land" if low_ink else ("road_major" if major else "road")
            canvas.setStrokeColor(style.colour(colour))
            canvas.setLineWidth(widths[road_class])
            canvas.drawPath(lines_path(canvas, by_class[road_class]), stroke=1, fill=0)


def _draw_railways(
    canvas: Canvas,
    data: MapData,
    projection: Projection,
    style: MapStyle,
    paper_scale: float,
    low_ink: bool,
) -> None:
    canvas.setStrokeColor(style.colour("low_ink_casing" if low_ink else "rail"))
    for kind, width in ((LineKind.RAIL, RAIL_WIDTH_MM), (LineKind.TRAM, TRAM_WIDTH_MM)):
        lines = [projection.points(line.points) for line in data.lines if line.kind is kind]
        if not lines:
            continue
        canvas.setLineWidth(width * MM * paper_scale)
        canvas.drawPath(lines_path(canvas, lines), stroke=1, fill=0)
        if kind is LineKind.RAIL and not low_ink:  # the white dashes of a railway on a map
            canvas.setStrokeColor(style.colour("land"))
            canvas.setLineWidth(width * MM * paper_scale * 0.45)
            canvas.setDash(3 * MM * paper_scale, 3 * MM * paper_scale)
            canvas.drawPath(lines_path(canvas, lines), stroke=1, fill=0)
            canvas.setDash()
            canvas.setStrokeColor(style.colour("rail"))


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
