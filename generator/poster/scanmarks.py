"""What a phone photo of the poster needs: four ArUco markers and a QR code naming the pack.

The markers stand in the four corners of the grid's band around the map frame, where no letter
or number goes; the QR code stands in the map's top-left corner, a reserved box the rest of the
map keeps clear of. The QR code carries the pack's folder name and a short hash of what the
poster was made from (the team, the page and the map's view), so ``buurtkaart scan`` can tell
this poster from another team's and from an earlier version of the same one. The hash is of the
poster's inputs, never of its bytes, so it is not circular and the same input gives the same PDF.

Everything is written to ``pack.json`` in millimetres from the page's top-left corner (as a
photo is read), with the map's view, so the scan maps page millimetres to places without
working out the layout again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from generator.cartography.grid import Grid
from generator.identity import pack_slug
from generator.map.geometry import MapView, Rect
from generator.model import Team
from generator.poster.layout import MM, PosterLayout

QR_PREFIX = "buurtkaart"
HASH_LENGTH = 10
# ArUco DICT_4X4_50, ids 0 to 3 (top-left, top-right, bottom-right, bottom-left): the inner 4 x 4
# cells, 1 for white, as cv2.aruco.generateImageMarker draws them (a test holds them to it).
# Written out so drawing a poster does not need OpenCV.
MARKER_BITS = (
    ("1011", "0101", "0011", "0010"),
    ("0000", "1111", "1001", "1010"),
    ("0011", "0011", "0010", "1101"),
    ("1001", "1001", "0100", "0110"),
)
MARKER_CELLS = 6  # the 4 x 4 code and its one-cell black border
# Each marker nearly fills the band's corner square, a white gap from the map's corner, and
# reaches a little beyond the band into the page margin: bigger is found from further away.
MARKER_GAP = 0.15  # of the band, from the map frame's corner on either axis
MARKER_SIDE = 0.95  # of the band
QR_MODULE_MM = 1.6  # at A1: about four photo pixels a module in a 12 MP photo of the wall
QR_QUIET_MODULES = 2
QR_INSET_MM = 5.0  # from the map frame's corner, as the other furniture


@dataclass(frozen=True)
class Fiducial:
    marker_id: int
    box: Rect  # the marker's black square, in points


@dataclass(frozen=True)
class ScanMarks:
    payload: str  # what the QR code says: buurtkaart/<pack folder>/<hash>
    poster_hash: str
    markers: tuple[Fiducial, ...]
    qr_box: Rect  # the QR code with its white quiet zone

    @property
    def boxes(self) -> list[Rect]:
        """What the map keeps clear of: the QR code (the markers stand outside the map)."""
        return [self.qr_box]


def poster_hash(team: Team, view: MapView, layout: PosterLayout) -> str:
    """A short hash of what the poster is made from: the same team, page and view give it."""
    shown = dataclasses.asdict(team.replace(workbook=Path(team.workbook.name)))
    shown["warnings"] = []  # a warning is about the workbook, not what the poster shows
    inputs = {
        "team": shown,
        "view": dataclasses.asdict(view),
        "page": layout.page,
        "map_frame": dataclasses.asdict(layout.map_frame),
    }
    text = json.dumps(inputs, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


def qr_payload(slug: str, digest: str) -> str:
    return f"{QR_PREFIX}/{slug}/{digest}"


def plan_scan_marks(team: Team, view: MapView, layout: PosterLayout) -> ScanMarks:
    digest = poster_hash(team, view, layout)
    payload = qr_payload(pack_slug(team), digest)
    frame, band = layout.map_frame, layout.grid_band
    gap, side = band * MARKER_GAP, band * MARKER_SIDE
    shifted = (  # top-left, top-right, bottom-right, bottom-left, as the ids go
        Rect(frame.x - gap - side, frame.top + gap, side, side),
        Rect(frame.right + gap, frame.top + gap, side, side),
        Rect(frame.right + gap, frame.y - gap - side, side, side),
        Rect(frame.x - gap - side, frame.y - gap - side, side, side),
    )
    markers = tuple(Fiducial(index, box) for index, box in enumerate(shifted))
    modules = qr_code(payload).symbol_size(border=QR_QUIET_MODULES)[0]
    size = modules * layout.millimetres(QR_MODULE_MM)
    inset = layout.millimetres(QR_INSET_MM)
    qr_box = Rect(frame.x + inset, frame.top - inset - size, size, size)
    return ScanMarks(payload, digest, markers, qr_box)


def qr_code(payload: str) -> segno.QRCode:
    """The poster's QR code for this text; the scan compares a photo's against it."""
    return segno.make(payload, error="l", micro=False, boost_error=False)


def draw_scan_marks(canvas: Canvas, marks: ScanMarks) -> None:
    """Each marker and the QR code as vector squares: one filled path each, so the squares
    join without a seam."""
    canvas.saveState()
    for marker in marks.markers:
        rows = ["0" * 4, *MARKER_BITS[marker.marker_id], "0" * 4]
        bits = ["0" + row + "0" for row in rows]
        _draw_modules(canvas, marker.box, bits, MARKER_CELLS, white="1")
    box = marks.qr_box
    canvas.setFillColor(colors.white)
    canvas.rect(box.x, box.y, box.width, box.height, stroke=0, fill=1)
    matrix = qr_code(marks.payload).matrix
    count = len(matrix)
    module = box.width / (count + 2 * QR_QUIET_MODULES)
    inner = Rect(
        box.x + module * QR_QUIET_MODULES,
        box.y + module * QR_QUIET_MODULES,
        module * count,
        module * count,
    )
    _draw_modules(canvas, inner, ["".join(str(v) for v in row) for row in matrix], count, "0")
    canvas.restoreState()


def _draw_modules(canvas: Canvas, box: Rect, rows: list[str], count: int, white: str) -> None:
    """The dark modules of a square code, row 0 on top, as one path of rectangles."""
    cell = box.width / count
    path = canvas.beginPath()
    for row, line in enumerate(rows):
        column = 0
        while column < count:  # a run of dark modules is one rectangle
            if line[column] == white:
                column += 1
                continue
            end = column
            while end < count and line[end] != white:
                end += 1
            path.rect(
                box.x + column * cell, box.top - (row + 1) * cell, (end - column) * cell, cell
            )
            column = end
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)


def scan_manifest(marks: ScanMarks, layout: PosterLayout, view: MapView, grid: Grid) -> Any:
    """What ``pack.json`` keeps for the scan: all in millimetres from the page's top-left."""
    page_height = layout.page[1]

    def box_mm(box: Rect) -> dict[str, float]:
        return {
            "left": round(box.x / MM, 3),
            "top": round((page_height - box.top) / MM, 3),
            "width": round(box.width / MM, 3),
            "height": round(box.height / MM, 3),
        }

    return {
        "qr": marks.payload,
        "poster_hash": marks.poster_hash,
        "page_mm": [round(layout.page[0] / MM, 3), round(page_height / MM, 3)],
        "map_frame_mm": box_mm(layout.map_frame),
        "markers_mm": [{"id": marker.marker_id, **box_mm(marker.box)} for marker in marks.markers],
        "qr_mm": box_mm(marks.qr_box),
        "view": dataclasses.asdict(view),
        "grid": {"columns": grid.columns, "rows": grid.rows},
    }
