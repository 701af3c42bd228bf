"""Partner markers: one symbol on the map, in the legend and on the sticker sheet.

Letters say the Soort (its colour, one of a dark, nearly grey family, only sets it apart); the
shape says what the team knows: a filled square for a partner it already works with, a filled
circle for one it knows, an open circle for one it does not know yet. Shape and letters carry
all the meaning, so a marker survives a black-and-white copy and is never taken for a sticker.
"""

from __future__ import annotations

import bisect
import itertools
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


CLEARANCE = 1.08  # markers keep 8 % of their size apart, so their outlines do not touch


def spread(
    points: list[tuple[float, float]],
    radius: float,
    obstacles: list[Obstacle],
    bounds: tuple[float, float, float, float],
) -> list[tuple[float, float]]:
    """Move overlapping markers apart, deterministically; markers with room stay put.

    Markers are placed in order: each stays on its point when that is free of the markers
    placed before it and of the obstacles, else it takes the nearest free spot of a triangular
    lattice around its point, one marker (and its clearance) apart, which packs a crowd
    tightly. So no two markers overlap where the map has room for them, and the work grows
    with the number of markers, not its square (a grid of cells finds the neighbours).
    ``bounds`` (x0, y0, x1, y1) keeps the markers on the map; the caller draws a leader from
    each moved marker to its true place.
    """
    clearance = radius * 2 * CLEARANCE
    occupied = _Occupancy(clearance)
    for obstacle in obstacles:
        occupied.add(obstacle.x, obstacle.y, obstacle.radius + radius * CLEARANCE)
    lattice = _Lattice(clearance, math.dist(bounds[:2], bounds[2:]))
    x0, y0, x1, y1 = bounds[0] + radius, bounds[1] + radius, bounds[2] - radius, bounds[3] - radius
    # A search that went out to distance d found every spot nearer its point taken, and taken
    # spots stay taken: a search from a point nearby begins about as far out. So markers in a
    # crowd do not each test the whole crowd again, and the work stays near linear.
    searched = _SearchedDiscs(clearance * 4)
    resume: dict[tuple[float, float], int] = {}  # markers sharing a point: where the last stopped
    placed: list[tuple[float, float]] = []
    for point in points:
        origin = (min(max(point[0], x0), x1), min(max(point[1], y0), y1))
        index = resume.get(origin) or lattice.first_beyond(searched.known_taken(*origin))
        index = occupied.first_free(origin, lattice, index, (x0, y0, x1, y1))
        offset = lattice.offset(index)
        spot = origin if offset is None else (origin[0] + offset[0], origin[1] + offset[1])
        searched.record(*origin, lattice.distance(index))
        resume[origin] = index + 1
        occupied.add(*spot, clearance)
        placed.append(spot)
    return placed


class _Occupancy:
    """Placed markers and obstacles, found by a grid of cells one clearance wide.

    Each entry keeps other markers' centres at least ``reach`` away and is filed in every cell
    that reach touches, so a query looks at the cell of its point alone.
    """

    def __init__(self, cell: float) -> None:
        self._cell = cell
        self._cells: dict[tuple[float, float], list[tuple[float, float, float]]] = {}

    def add(self, x: float, y: float, reach: float) -> None:
        entry = (x, y, reach * reach * (1 - 1e-9))  # a spot exactly at the limit is free
        for column in range(self._index(x - reach), self._index(x + reach) + 1):
            for row in range(self._index(y - reach), self._index(y + reach) + 1):
                self._cells.setdefault((column, row), []).append(entry)  # same keys as x // cell

    def first_free(
        self,
        origin: tuple[float, float],
        lattice: _Lattice,
        start: int,
        box: tuple[float, float, float, float],
    ) -> int:
        """The index of the first lattice offset from ``origin``, from ``start`` on, that is
        free and inside ``box``; past the lattice's end when there is none.

        The hot loop of spreading, so written for speed: local names, no calls per spot.
        """
        x, y = origin
        x0, y0, x1, y1 = box
        cells, cell = self._cells, self._cell
        index = start
        while True:
            offsets = lattice.offsets
            for position in range(index, len(offsets)):
                dx, dy = offsets[position]
                cx, cy = x + dx, y + dy
                if not (x0 <= cx <= x1 and y0 <= cy <= y1):
                    continue
                for ex, ey, reach_squared in cells.get((cx // cell, cy // cell), ()):
                    if (cx - ex) ** 2 + (cy - ey) ** 2 < reach_squared:
                        break
                else:
                    return position
            index = len(offsets)
            if not lattice.grow():
                return index

    def _index(self, value: float) -> int:
        return math.floor(value / self._cell)


class _Lattice:
    """Offsets of a triangular lattice, nearest first, made as far out as the search needs."""

    def __init__(self, spacing: float, farthest: float) -> None:
        self.spacing = spacing
        self._farthest = farthest
        self._reach = 0.0
        self.offsets: list[tuple[float, float]] = [(0.0, 0.0)]
        self._distances: list[float] = [0.0]

    def offset(self, index: int) -> tuple[float, float] | None:
        """The index-th nearest offset, or None past the farthest the search may go."""
        return self.offsets[index] if self._holds(index) else None

    def distance(self, index: int) -> float:
        """How far the index-th offset lies; past the end, the farthest the search may go."""
        return self._distances[index] if self._holds(index) else self._farthest

    def first_beyond(self, distance: float) -> int:
        """The index of the nearest offset at least ``distance`` away."""
        while self._distances[-1] < distance and self.grow():
            pass
        return bisect.bisect_left(self._distances, distance)

    def _holds(self, index: int) -> bool:
        while index >= len(self.offsets):
            if not self.grow():
                return False
        return True

    def grow(self) -> bool:
        """Make the lattice reach twice as far; False when it already reaches the farthest."""
        if self._reach >= self._farthest:
            return False
        self._reach = min(max(self._reach * 2, self.spacing * 8), self._farthest)
        within = self._within(self._reach)
        self._distances = [distance for distance, _ in within]
        self.offsets = [offset for _, offset in within]
        return True

    def _within(self, reach: float) -> list[tuple[float, tuple[float, float]]]:
        # Sorted by distance, then by lattice position: every list made is a prefix of the
        # next, larger one, so an index stays valid when the lattice grows.
        row_height = self.spacing * math.sqrt(3) / 2
        rows = math.ceil(reach / row_height)
        columns = math.ceil(reach / self.spacing) + rows
        found = []
        for row in range(-rows, rows + 1):
            for column in range(-columns, columns + 1):
                dx, dy = self.spacing * (column + row / 2), row_height * row
                distance = round(math.hypot(dx, dy), 9)
                if distance <= reach:
                    found.append((distance, row, column, dx, dy))
        found.sort()
        return [(distance, (dx, dy)) for distance, _, _, dx, dy in found]


class _SearchedDiscs:
    """Discs around earlier searches' points in which every spot was found taken."""

    def __init__(self, cell: float) -> None:
        self._cell = cell
        self._largest: dict[tuple[int, int], tuple[float, float, float]] = {}

    def record(self, x: float, y: float, radius: float) -> None:
        key = (math.floor(x / self._cell), math.floor(y / self._cell))
        known = self._largest.get(key)
        if known is None or radius > known[2]:
            self._largest[key] = (x, y, radius)

    def known_taken(self, x: float, y: float) -> float:
        """How far from (x, y) every spot is known to be taken (0 when nothing is known)."""
        column, row = math.floor(x / self._cell), math.floor(y / self._cell)
        deepest = 0.0
        for key in itertools.product(range(column - 1, column + 2), range(row - 1, row + 2)):
            disc = self._largest.get(key)
            if disc is not None:
                deepest = max(deepest, disc[2] - math.hypot(x - disc[0], y - disc[1]))
        return deepest
