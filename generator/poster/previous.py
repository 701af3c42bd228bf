"""The stickers of earlier sessions on the map: where their marks go, and how they are drawn.

They stand on their true places and are never moved: a sticker says "here". Each is a small
pale disc in a ring of the dark shade of its sticker colour, so the group reads it as "the
yellow ones of last time" without taking it for a live sticker (which is a filled disc in the
full colour, 8 to 20 mm). Labels and tags placed after them keep clear of them; the site's pin
and the partners' markers are drawn over them, and the plan says which marks they cover.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from generator.map.geometry import MapView, PageFrame, Rect
from generator.model import MapSticker
from generator.poster.layout import PosterLayout
from generator.poster.style import PosterStyle, Sticker

# The ring at half the brightness of the sticker colour, the disc inside at 40 % of it on
# white: the same hue, and each at least 25 CIE76 units (35 and more for the default colours)
# from every sticker hue, so no printed mark passes for a live sticker.
SHADE = 0.5
TINT = 0.4
RING_WIDTH = 0.16  # of the mark's diameter
HALO_WIDTH = 0.06  # the white edge around the ring, of the diameter


@dataclass(frozen=True)
class PreviousMark:
    """A sticker of an earlier session at its true place on the page."""

    sticker: MapSticker
    x: float
    y: float
    radius: float  # to the outer edge of the ring's white halo
    covered: bool  # under the site's pin or tag, a partner's marker or the furniture

    @property
    def box(self) -> Rect:
        return Rect(self.x - self.radius, self.y - self.radius, 2 * self.radius, 2 * self.radius)


def shade(colour: Color) -> Color:
    """The ring's colour for a sticker colour's marks from an earlier session."""
    return colors.Color(colour.red * SHADE, colour.green * SHADE, colour.blue * SHADE)


def tint(colour: Color) -> Color:
    """The fill inside the ring: the sticker colour much paler, so the family shows."""
    return colors.Color(
        *(1 - (1 - part) * TINT for part in (colour.red, colour.green, colour.blue))
    )


def plan_previous(
    stickers: tuple[MapSticker, ...],
    view: MapView,
    frame: PageFrame,
    rect: Rect,
    drawn_over: list[Rect],
    layout: PosterLayout,
    style: PosterStyle,
) -> tuple[tuple[PreviousMark, ...], int]:
    """The marks of the stickers on the map, and how many fall beyond its edge. ``drawn_over``
    are the boxes of what is drawn on top of them (pin, tag, markers, furniture)."""
    known = {sticker.key for sticker in style.stickers}
    radius = layout.millimetres(style.size("previous_sticker_mm")) / 2
    marks = []
    outside = 0
    for sticker in stickers:
        if sticker.colour not in known:
            raise ValueError(f"sticker colour {sticker.colour!r} is not in the house style")
        x, y = frame.place(view, sticker.position)
        if not view.contains(sticker.position) or not (
            rect.x + radius <= x <= rect.right - radius
            and rect.y + radius <= y <= rect.top - radius
        ):
            outside += 1
            continue
        box = Rect(x - radius, y - radius, 2 * radius, 2 * radius)
        covered = any(box.meets(other) for other in drawn_over)
        marks.append(PreviousMark(sticker, x, y, radius, covered))
    return tuple(marks), outside


def draw_previous(
    canvas: Canvas, marks: tuple[PreviousMark, ...], layout: PosterLayout, style: PosterStyle
) -> None:
    colours = {sticker.key: sticker.colour for sticker in style.stickers}
    for mark in marks:
        draw_previous_symbol(canvas, mark.x, mark.y, mark.radius, colours[mark.sticker.colour])


def draw_previous_symbol(
    canvas: Canvas, x: float, y: float, radius: float, sticker_colour: Color
) -> None:
    """A pale disc in a ring of the dark shade, on a thin white halo whose edge is at
    ``radius``."""
    diameter = 2 * radius
    ring = diameter * RING_WIDTH
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.circle(x, y, radius, stroke=0, fill=1)
    canvas.setStrokeColor(shade(sticker_colour))
    canvas.setFillColor(tint(sticker_colour))
    canvas.setLineWidth(ring)
    canvas.circle(x, y, radius - diameter * HALO_WIDTH - ring / 2, stroke=1, fill=1)
    canvas.restoreState()


def counts_by_colour(
    marks: tuple[PreviousMark, ...], style: PosterStyle
) -> list[tuple[Sticker, int]]:
    """How many marks of each sticker colour, in the order of huisstijl.toml; none left out."""
    counted = Counter(mark.sticker.colour for mark in marks)
    return [(sticker, counted[sticker.key]) for sticker in style.stickers if counted[sticker.key]]
