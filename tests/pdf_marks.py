"""Reading what a PDF page paints: its fills, strokes and text in painting order, with their
colours and boxes (pypdfium2 page objects), and the colour measures the poster is held to.

Colour distance is CIE76 (Euclidean distance in CIELAB, D65): 2.3 is a just noticeable
difference, above 25 two colours are not taken for one another. Contrast is WCAG 2's.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]  # left, bottom, right, top in points


class Paint(Enum):
    FILL = "fill"
    STROKE = "stroke"
    TEXT = "text"


@dataclass(frozen=True)
class Mark:
    paint: Paint
    colour: RGB
    alpha: int
    box: Box

    @property
    def centre(self) -> tuple[float, float]:
        left, bottom, right, top = self.box
        return (left + right) / 2, (bottom + top) / 2


def marks(path: Path, page_index: int = 0) -> list[Mark]:
    """Every fill, stroke and text object of the page, in the order they are painted."""
    document = pdfium.PdfDocument(str(path))
    try:
        found: list[Mark] = []
        for item in document[page_index].get_objects(max_depth=3):
            box = tuple(float(value) for value in item.get_bounds())
            if item.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
                found.append(Mark(Paint.TEXT, *_colour(item.raw, fill=True), box))  # type: ignore[arg-type]
            elif item.type == pdfium_c.FPDF_PAGEOBJ_PATH:
                fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
                pdfium_c.FPDFPath_GetDrawMode(item.raw, fill_mode, stroke)
                if fill_mode.value:
                    found.append(Mark(Paint.FILL, *_colour(item.raw, fill=True), box))  # type: ignore[arg-type]
                if stroke.value:
                    found.append(Mark(Paint.STROKE, *_colour(item.raw, fill=False), box))  # type: ignore[arg-type]
        return found
    finally:
        document.close()


def _colour(raw: object, fill: bool) -> tuple[RGB, int]:
    red, green, blue, alpha = (ctypes.c_uint() for _ in range(4))
    getter = pdfium_c.FPDFPageObj_GetFillColor if fill else pdfium_c.FPDFPageObj_GetStrokeColor
    getter(raw, red, green, blue, alpha)
    return (red.value, green.value, blue.value), alpha.value


def ground_of(text: Mark, painted: list[Mark]) -> RGB:
    """The colour a text is printed on: the last opaque fill before it that holds its centre
    (its box, for round shapes a little generous), else the white page."""
    x, y = text.centre
    ground: RGB = (255, 255, 255)
    for mark in painted:
        if mark is text:
            return ground
        left, bottom, right, top = mark.box
        if (
            mark.paint is Paint.FILL
            and mark.alpha == 255
            and left <= x <= right
            and bottom <= y <= top
        ):
            ground = mark.colour
    return ground


def inside(box: Box, rect: Box, slack: float = 0.0) -> bool:
    left, bottom, right, top = box
    return (
        left >= rect[0] - slack
        and bottom >= rect[1] - slack
        and right <= rect[2] + slack
        and top <= rect[3] + slack
    )


def overlaps(box: Box, rect: Box) -> bool:
    return box[0] < rect[2] and rect[0] < box[2] and box[1] < rect[3] and rect[1] < box[3]


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def lab(colour: RGB) -> tuple[float, float, float]:
    red, green, blue = (_linear(channel) for channel in colour)
    x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047
    y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e76(one: RGB, other: RGB) -> float:
    return math.dist(lab(one), lab(other))


def contrast(one: RGB, other: RGB) -> float:
    def luminance(colour: RGB) -> float:
        red, green, blue = (_linear(channel) for channel in colour)
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    darker, lighter = sorted((luminance(one), luminance(other)))
    return (lighter + 0.05) / (darker + 0.05)
