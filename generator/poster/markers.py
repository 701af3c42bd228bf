"""Partner markers: one symbol on the map, in the legend and on the sticker sheet.

Letters say the Soort (its colour, one of a dark, nearly grey family, only sets it apart); the
shape says what the team knows: a filled square for a partner it already works with, a filled
circle for one it knows, an open circle for one it does not know yet. Shape and letters carry
all the meaning, so a marker survives a black-and-white copy and is never taken for a sticker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from generator.model import Partner


class Status(Enum):
    USED = "used"
    KNOWN = "known"
    NOT_KNOWN = "not_known"


def partner_status(partner: Partner) -> Status:
    if partner.used:
        return Status.USED
    if partner.known:
        return Status.KNOWN
    return Status.NOT_KNOWN


def draw_marker(
    canvas: Canvas,
    x: float,
    y: float,
    diameter: float,
    colour: Color,
    status: Status,
    label: str,
    font: str,
    letter: str = "",
) -> None:
    """A marker centred on (x, y): its number in the middle, its Soort's ``letter`` below it.

    A filled marker writes in white on its (dark) colour, an open one in its colour on white,
    so the words stand out at 4.5:1 or more either way.
    """
    radius = diameter / 2
    canvas.saveState()
    outline = max(diameter * 0.09, 0.6)
    if status is Status.NOT_KNOWN:
        canvas.setFillColor(colors.white)
        canvas.setStrokeColor(colour)
        canvas.setLineWidth(outline * 1.6)
        canvas.circle(x, y, radius - outline * 0.8, stroke=1, fill=1)
        text_colour: Color = colour
    else:
        canvas.setFillColor(colour)
        canvas.setStrokeColor(colors.white)
        canvas.setLineWidth(outline)
        if status is Status.USED:
            side = diameter * 0.9
            canvas.roundRect(x - side / 2, y - side / 2, side, side, side * 0.14, 1, 1)
        else:
            canvas.circle(x, y, radius, stroke=1, fill=1)
        text_colour = colors.white
    canvas.setFillColor(text_colour)
    if label and letter:
        # Two lines in a round space: an open marker's ring leaves them four fifths of it.
        inner = diameter * (0.8 if status is Status.NOT_KNOWN else 1.0)
        size = label_size(label, inner, Status.KNOWN, font, NUMBER_OVER_LETTER)
        canvas.setFont(font, size)
        canvas.drawCentredString(x, y - inner * 0.02, label)
        letter_size = label_size(letter, inner * 0.8, Status.KNOWN, font, LETTER_UNDER_NUMBER)
        canvas.setFont(font, letter_size)
        canvas.drawCentredString(x, y - inner * 0.31, letter)
    elif label or letter:
        size = label_size(label or letter, diameter, status, font)
        canvas.setFont(font, size)
        canvas.drawCentredString(x, y - size * 0.36, label or letter)
    canvas.restoreState()


# Font size as a share of the diameter: a number alone, a number over its Soort's letter, the
# letter under it (of a narrower room: the circle is narrower there).
NUMBER_ALONE = 0.52
NUMBER_OVER_LETTER = 0.42
LETTER_UNDER_NUMBER = 0.36


def label_room(diameter: float, status: Status) -> float:
    """How wide the number may be: inside the ring of an open marker, not over it."""
    return diameter * (0.6 if status is Status.NOT_KNOWN else 0.74)


def label_size(
    label: str, diameter: float, status: Status, font: str, share: float = NUMBER_ALONE
) -> float:
    """The number's font size: large, but never so wide that it runs into the outline."""
    width_at_one_point = float(stringWidth(label, font, 1.0))
    return float(
        min(diameter * share, label_room(diameter, status) / max(width_at_one_point, 1e-6))
    )


@dataclass(frozen=True)
class Obstacle:
    x: float
    y: float
    radius: float


def spread(
    points: list[tuple[float, float]],
    radius: float,
    obstacles: list[Obstacle],
    bounds: tuple[float, float, float, float],
    rounds: int = 80,
) -> list[tuple[float, float]]:
    """Move overlapping markers apart a little, deterministically; far ones stay put.

    ``bounds`` (x0, y0, x1, y1) keeps the moved markers on the map. The caller draws a leader
    from each moved marker to its true place.
    """
    moved = [list(point) for point in points]
    clearance = radius * 2 * 1.08
    for _ in range(rounds):
        changed = False
        for i in range(len(moved)):
            for j in range(i + 1, len(moved)):
                changed |= _separate(moved[i], moved[j], clearance, i, j)
            for obstacle in obstacles:
                changed |= _push_off(moved[i], obstacle, radius * 1.08)
            _clamp(moved[i], radius, bounds)
        if not changed:
            break
    return [(point[0], point[1]) for point in moved]


def _separate(a: list[float], b: list[float], clearance: float, i: int, j: int) -> bool:
    dx, dy = b[0] - a[0], b[1] - a[1]
    distance = math.hypot(dx, dy)
    if distance >= clearance:
        return False
    if distance < 1e-6:
        angle = (i * 7 + j * 13) % 360  # coincident markers: a fixed direction per pair
        dx, dy, distance = math.cos(math.radians(angle)), math.sin(math.radians(angle)), 1.0
    push = (clearance - distance) / 2 + 0.01
    a[0] -= dx / distance * push
    a[1] -= dy / distance * push
    b[0] += dx / distance * push
    b[1] += dy / distance * push
    return True


def _push_off(point: list[float], obstacle: Obstacle, radius: float) -> bool:
    dx, dy = point[0] - obstacle.x, point[1] - obstacle.y
    distance = math.hypot(dx, dy)
    clearance = obstacle.radius + radius
    if distance >= clearance:
        return False
    if distance < 1e-6:
        dx, dy, distance = 1.0, -1.0, math.sqrt(2)
    point[0] = obstacle.x + dx / distance * (clearance + 0.01)
    point[1] = obstacle.y + dy / distance * (clearance + 0.01)
    return True


def _clamp(point: list[float], radius: float, bounds: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = bounds
    point[0] = min(max(point[0], x0 + radius), x1 - radius)
    point[1] = min(max(point[1], y0 + radius), y1 - radius)
