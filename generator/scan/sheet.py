"""The poster as the scan knows it: what ``pack.json`` says about it, and its own rendering.

Every place is in millimetres from the page's top-left corner, as a photo is read. The map's
view in ``pack.json`` turns a place on the map frame into latitude and longitude, and the
grid's size into its square, with the same Web Mercator arithmetic the poster was drawn by.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from numpy.typing import NDArray

from generator.cartography.grid import Grid
from generator.errors import ScanError
from generator.i18n import _
from generator.map.geometry import MapView, Rect, tile_to_lonlat
from generator.model import LatLon

MANIFEST = "pack.json"
POINTS_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Box:
    """A box on the page in millimetres, from the page's top-left corner."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom


@dataclass(frozen=True)
class PosterSheet:
    pack_dir: Path
    pack_name: str  # the pack folder's name as the poster's QR code says it
    qr: str
    poster_hash: str
    poster_pdf: Path
    page_mm: tuple[float, float]
    map_frame: Box
    markers: dict[int, Box]
    qr_box: Box
    view: MapView
    grid: Grid  # over the map frame in millimetres, y up from the page's bottom

    def marker_corners(self, marker_id: int) -> NDArray[np.float64]:
        """The marker's four corners in millimetres, clockwise from top-left, as ArUco has them."""
        box = self.markers[marker_id]
        return np.array(
            [
                (box.left, box.top),
                (box.right, box.top),
                (box.right, box.bottom),
                (box.left, box.bottom),
            ],
            dtype=np.float64,
        )

    def position(self, x_mm: float, y_mm: float) -> LatLon:
        """Latitude and longitude of a place on the map frame."""
        frame, view = self.map_frame, self.view
        pixel_x = (x_mm - frame.left) / frame.width * view.width_px
        pixel_y = (y_mm - frame.top) / frame.height * view.height_px
        tile_x = view.center_x + (pixel_x - view.width_px / 2) / view.tile_size
        tile_y = view.center_y + (pixel_y - view.height_px / 2) / view.tile_size
        lon, lat = tile_to_lonlat(tile_x, tile_y, view.zoom)
        return LatLon(lat=round(lat, 7), lon=round(lon, 7))

    def page_mm_of(self, point: LatLon) -> tuple[float, float]:
        """Where a place stands on the page, in millimetres from the top-left corner."""
        pixel_x, pixel_y = self.view.to_pixel(point)
        frame = self.map_frame
        return (
            frame.left + pixel_x / self.view.width_px * frame.width,
            frame.top + pixel_y / self.view.height_px * frame.height,
        )

    def grid_square(self, x_mm: float, y_mm: float) -> str:
        return self.grid.square_at(x_mm, self.page_mm[1] - y_mm) or ""

    def render(self, pixels_per_mm: float) -> NDArray[np.uint8]:
        """The poster's page as RGB pixels, rendered from its own PDF."""
        try:
            document = pdfium.PdfDocument(str(self.poster_pdf))
        except (OSError, pdfium.PdfiumError) as exc:
            raise ScanError(
                _("{pdf} cannot be read ({reason}); make the pack again with generate").format(
                    pdf=self.poster_pdf, reason=exc
                )
            ) from exc
        try:
            bitmap = document[0].render(scale=pixels_per_mm / POINTS_PER_MM, draw_annots=False)
            return np.array(bitmap.to_pil().convert("RGB"), dtype=np.uint8)
        finally:
            document.close()


def read_sheet(pack_dir: Path) -> PosterSheet:
    """The scan's part of ``pack.json``; a pack made before posters carried markers is refused
    with what to do."""
    manifest_path = pack_dir / MANIFEST
    if not pack_dir.is_dir():
        raise ScanError(
            _("{folder} is not a folder; name the pack folder that generate made").format(
                folder=pack_dir
            )
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScanError(
            _("{folder} holds no {manifest}; name the pack folder that generate made").format(
                folder=pack_dir, manifest=MANIFEST
            )
        ) from exc
    except (OSError, ValueError) as exc:
        raise ScanError(
            _("{file} cannot be read ({reason}); make the pack again with generate").format(
                file=manifest_path, reason=type(exc).__name__
            )
        ) from exc
    scan = manifest.get("scan") if isinstance(manifest, dict) else None
    if not isinstance(scan, dict):
        raise ScanError(
            _(
                "{file} says nothing about scanning: the pack was made before posters carried "
                "markers; make the pack again with generate and print the new poster"
            ).format(file=manifest_path)
        )
    try:
        return _sheet(pack_dir, scan)
    except (KeyError, TypeError, ValueError) as exc:
        raise ScanError(
            _("{file} has a broken 'scan' section ({reason}); make the pack again").format(
                file=manifest_path, reason=f"{type(exc).__name__}: {exc}"
            )
        ) from exc


def _box(raw: Any) -> Box:
    return Box(float(raw["left"]), float(raw["top"]), float(raw["width"]), float(raw["height"]))


def _sheet(pack_dir: Path, scan: dict[str, Any]) -> PosterSheet:
    page = (float(scan["page_mm"][0]), float(scan["page_mm"][1]))
    frame = _box(scan["map_frame_mm"])
    view = scan["view"]
    grid_rect = Rect(frame.left, page[1] - frame.bottom, frame.width, frame.height)
    qr = str(scan["qr"])
    return PosterSheet(
        pack_dir=pack_dir,
        pack_name=qr.split("/")[1] if qr.count("/") == 2 else "",
        qr=qr,
        poster_hash=str(scan["poster_hash"]),
        poster_pdf=pack_dir / Path(str(scan["poster"])).name,
        page_mm=page,
        map_frame=frame,
        markers={int(marker["id"]): _box(marker) for marker in scan["markers_mm"]},
        qr_box=_box(scan["qr_mm"]),
        view=MapView(
            zoom=int(view["zoom"]),
            center_x=float(view["center_x"]),
            center_y=float(view["center_y"]),
            width_px=int(view["width_px"]),
            height_px=int(view["height_px"]),
            tile_size=int(view["tile_size"]),
        ),
        grid=Grid(grid_rect, int(scan["grid"]["columns"]), int(scan["grid"]["rows"])),
    )
