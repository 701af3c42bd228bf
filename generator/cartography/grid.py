"""The reference grid over the map: lettered columns, numbered rows, and which squares a
street runs through, so the poster, the street index and the worksheets name the same squares.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from generator.map.geometry import Rect

# No I and no O: on a wall they are read as 1 and 0.
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_ROWS = 99


@dataclass(frozen=True)
class Grid:
    """``columns`` x ``rows`` equal squares over ``rect``; column A on the left, row 1 on top."""

    rect: Rect
    columns: int
    rows: int

    def column_name(self, column: int) -> str:
        return LETTERS[column]

    def square_name(self, column: int, row: int) -> str:
        return f"{self.column_name(column)}{row + 1}"

    def cell_of(self, x: float, y: float) -> tuple[int, int] | None:
        """The (column, row) of a page point, or None outside the grid."""
        rect = self.rect
        if not (rect.x <= x <= rect.right and rect.y <= y <= rect.top):
            return None
        column = min(int((x - rect.x) / rect.width * self.columns), self.columns - 1)
        row = min(int((rect.top - y) / rect.height * self.rows), self.rows - 1)
        return column, row

    def square_at(self, x: float, y: float) -> str | None:
        cell = self.cell_of(x, y)
        return None if cell is None else self.square_name(*cell)

    def squares_along(self, lines: Iterable[Sequence[tuple[float, float]]]) -> list[str]:
        """Every square a line runs through (sampled finer than a square), column by column."""
        step = min(self.rect.width / self.columns, self.rect.height / self.rows) / 8
        cells: set[tuple[int, int]] = set()
        for line in lines:
            for (x0, y0), (x1, y1) in itertools.pairwise(line):
                samples = max(1, math.ceil(math.dist((x0, y0), (x1, y1)) / step))
                for index in range(samples + 1):
                    t = index / samples
                    cell = self.cell_of(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
                    if cell is not None:
                        cells.add(cell)
        return [self.square_name(column, row) for column, row in sorted(cells)]

    def example_square(self) -> str:
        """A square in the middle of the map, for the key's "for example"."""
        return self.square_name(self.columns // 2, self.rows // 2)


def make_grid(rect: Rect, cell: float) -> Grid:
    """Near-square cells of about ``cell`` points; at least 2 and at most 24 columns."""
    columns = min(len(LETTERS), max(2, round(rect.width / cell)))
    rows = min(MAX_ROWS, max(2, round(rect.height / cell)))
    return Grid(rect, columns, rows)


@dataclass(frozen=True)
class GridSquares:
    """Where the group finds things on the poster's grid, for the worksheets: each partner's
    square (by number) and each participant street's squares (by its name in the workbook)."""

    partners: Mapping[int, str] = field(default_factory=dict)
    streets: Mapping[str, str] = field(default_factory=dict)
