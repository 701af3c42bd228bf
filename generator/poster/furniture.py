"""The map's furniture: grid letters and numbers, scale bar, north arrow and attribution.

Each piece is placed first (a box the rest of the map keeps clear of) and drawn from that
placement, so street labels and markers know where the furniture stands before anything is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from generator.cartography.grid import Grid
from generator.map.geometry import MapView, PageFrame, Rect
from generator.poster.layout import PosterLayout
from generator.poster.scanmarks import ScanMarks
from generator.poster.style import PosterStyle
from generator.poster.text import para

HALO = colors.Color(1, 1, 1, alpha=0.88)


@dataclass(frozen=True)
class ScaleBar:
    box: Rect
    length: float  # points on paper
    metres: float  # what that length is on the ground
    denominator: float
    size: float  # font size


@dataclass(frozen=True)
class NorthArrow:
    x: float
    y: float
    radius: float

    @property
    def box(self) -> Rect:
        return Rect(self.x - self.radius, self.y - self.radius, 2 * self.radius, 2 * self.radius)


@dataclass(frozen=True)
class Attribution:
    text: str
    box: Rect
    size: float
    pad: float


@dataclass(frozen=True)
class Furniture:
    scale_bar: ScaleBar
    north_arrow: NorthArrow
    attribution: Attribution | None
    scan: ScanMarks  # the markers and QR code a photo of the poster is read by

    @property
    def boxes(self) -> list[Rect]:
        boxes = [self.scale_bar.box, self.north_arrow.box, *self.scan.boxes]
        if self.attribution is not None:
            boxes.append(self.attribution.box)
        return boxes


def plan_furniture(
    rect: Rect,
    view: MapView,
    frame: PageFrame,
    attribution: str,
    layout: PosterLayout,
    style: PosterStyle,
    scan: ScanMarks,
) -> Furniture:
    return Furniture(
        scale_bar=_plan_scale_bar(rect, view, frame, layout, style),
        north_arrow=_plan_north_arrow(rect, layout),
        attribution=_plan_attribution(rect, attribution, layout, style),
        scan=scan,
    )


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is not longer than ``metres``."""
    power = 10 ** math.floor(math.log10(metres))
    return float(max(step * power for step in (1, 2, 5) if step * power <= metres))


def format_metres(value: float, style: PosterStyle) -> str:
    words = style.wording("map")
    if value >= 1000:
        kilometres = f"{value / 1000:g}".replace(".", ",")
        return words.text("kilometres", value=kilometres)
    return words.text("metres", value=f"{value:g}")


def format_denominator(denominator: float) -> str:
    """1:N rounded as on printed maps, with Dutch thousands dots: 4.400, 12.000."""
    step = 100 if denominator < 20000 else 1000
    rounded = round(denominator / step) * step or round(denominator)
    return f"{rounded:,}".replace(",", ".")


def _plan_scale_bar(
    rect: Rect, view: MapView, frame: PageFrame, layout: PosterLayout, style: PosterStyle
) -> ScaleBar:
    per_metre = frame.points_per_metre(view)
    metres = nice_length(rect.width * 0.22 / per_metre)
    length = metres * per_metre
    size = layout.points(style.size("small"))
    pad = layout.millimetres(4)
    bar_height = layout.millimetres(3.2)
    box = Rect(
        rect.x + layout.millimetres(5),
        rect.y + layout.millimetres(5),
        length + 2 * pad + size * 2,
        pad * 2 + size * 2.6 + bar_height,
    )
    return ScaleBar(box, length, metres, frame.scale_denominator(view), size)


def draw_scale_bar(canvas: Canvas, bar: ScaleBar, layout: PosterLayout, style: PosterStyle) -> None:
    box, size, length = bar.box, bar.size, bar.length
    pad = layout.millimetres(4)
    bar_height = layout.millimetres(3.2)
    canvas.setFillColor(HALO)
    canvas.roundRect(box.x, box.y, box.width, box.height, pad, 0, 1)
    bar_x = box.x + pad + size * 0.6
    bar_y = box.y + pad + size * 1.3
    segments = 4
    canvas.setStrokeColor(style.text_colour)
    canvas.setLineWidth(layout.points(1))
    for index in range(segments):
        canvas.setFillColor(style.text_colour if index % 2 == 0 else colors.white)
        segment = length / segments
        canvas.rect(bar_x + index * segment, bar_y, segment, bar_height, stroke=1, fill=1)
    canvas.setFillColor(style.text_colour)
    canvas.setFont(style.fonts.regular, size)
    below = bar_y - size * 1.1
    canvas.drawCentredString(bar_x, below, "0")
    canvas.drawCentredString(bar_x + length / 2, below, format_metres(bar.metres / 2, style))
    canvas.drawCentredString(bar_x + length, below, format_metres(bar.metres, style))
    canvas.setFont(style.fonts.bold, size)
    denominator = format_denominator(bar.denominator)
    scale_text = style.wording("map").text("scale", denominator=denominator)
    canvas.drawString(bar_x, bar_y + bar_height + size * 0.5, scale_text)


def _plan_north_arrow(rect: Rect, layout: PosterLayout) -> NorthArrow:
    radius = layout.millimetres(11)
    return NorthArrow(
        rect.right - radius - layout.millimetres(5),
        rect.top - radius - layout.millimetres(5),
        radius,
    )


def draw_north_arrow(
    canvas: Canvas, arrow: NorthArrow, layout: PosterLayout, style: PosterStyle
) -> None:
    """Web Mercator keeps north straight up, so the arrow always points to the top edge."""
    x, y, radius = arrow.x, arrow.y, arrow.radius
    canvas.setFillColor(HALO)
    canvas.circle(x, y, radius, stroke=0, fill=1)
    tip, base_y, half = y + radius * 0.45, y - radius * 0.7, radius * 0.32
    canvas.setStrokeColor(style.text_colour)
    canvas.setLineWidth(layout.points(1.2))
    for side, fill in ((-1, style.text_colour), (1, colors.white)):
        arrow_path = canvas.beginPath()
        arrow_path.moveTo(x, tip)
        arrow_path.lineTo(x + side * half, base_y)
        arrow_path.lineTo(x, base_y + radius * 0.25)
        arrow_path.close()
        canvas.setFillColor(fill)
        canvas.drawPath(arrow_path, stroke=1, fill=1)
    size = layout.points(style.size("small"))
    canvas.setFillColor(style.text_colour)
    canvas.setFont(style.fonts.bold, size)
    canvas.drawCentredString(x, tip + size * 0.1, style.wording("map").text("north"))


def _plan_attribution(
    rect: Rect, attribution: str, layout: PosterLayout, style: PosterStyle
) -> Attribution | None:
    """The licence notice on a near-opaque tag in the bottom-right corner."""
    if not attribution:
        return None
    size = max(layout.points(style.size("attribution")), 7.0)
    pad = size * 0.45
    natural = stringWidth(attribution, style.fonts.regular, size) + 1
    width = min(rect.width * 0.5, natural)
    _, height = para(attribution, style.fonts.regular, size, style.text_colour, "right").wrap(
        width, rect.height
    )
    left = rect.right - width - 2 * pad
    return Attribution(
        attribution, Rect(left, rect.y, width + 2 * pad, height + 2 * pad), size, pad
    )


def draw_attribution(canvas: Canvas, attribution: Attribution, style: PosterStyle) -> None:
    box, pad, size = attribution.box, attribution.pad, attribution.size
    text = para(attribution.text, style.fonts.regular, size, style.text_colour, "right")
    text.wrap(box.width - 2 * pad, box.height)
    canvas.setFillColor(colors.Color(1, 1, 1, alpha=0.92))
    canvas.rect(box.x, box.y, box.width, box.height, stroke=0, fill=1)
    text.drawOn(canvas, box.x + pad, box.y + pad)


def draw_grid_labels(canvas: Canvas, grid: Grid, layout: PosterLayout, style: PosterStyle) -> None:
    """The columns' letters above and below the map, the rows' numbers left and right."""
    rect = grid.rect
    size = layout.points(style.size("grid_label"))
    band = layout.grid_band
    canvas.setFillColor(style.muted)
    canvas.setFont(style.fonts.bold, size)
    for column in range(grid.columns):
        letter = grid.column_name(column)
        x = rect.x + rect.width * (column + 0.5) / grid.columns
        canvas.drawCentredString(x, rect.top + (band - size * 0.72) / 2, letter)
        canvas.drawCentredString(x, rect.y - band + (band - size * 0.72) / 2, letter)
    for row in range(grid.rows):
        y = rect.top - rect.height * (row + 0.5) / grid.rows - size * 0.36
        canvas.drawCentredString(rect.x - band / 2, y, str(row + 1))
        canvas.drawCentredString(rect.right + band / 2, y, str(row + 1))


def draw_grid_lines(canvas: Canvas, grid: Grid, layout: PosterLayout) -> None:
    rect = grid.rect
    canvas.setStrokeColor(colors.Color(0.13, 0.13, 0.13, alpha=0.35))
    canvas.setLineWidth(layout.points(1.1))
    for column in range(1, grid.columns):
        x = rect.x + rect.width * column / grid.columns
        canvas.line(x, rect.y, x, rect.top)
    for row in range(1, grid.rows):
        y = rect.top - rect.height * row / grid.rows
        canvas.line(rect.x, y, rect.right, y)
