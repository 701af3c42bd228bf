"""What a scan writes into the pack's ``resultaat/`` folder: the stickers as a table and as
GeoJSON, and one check image per photo. An earlier scan's results are never written over: a
later scan goes into ``resultaat/scan-2/``, ``scan-3/`` and so on."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from generator.errors import ScanError
from generator.i18n import _
from generator.model import MapSticker
from generator.resources import Templates

RESULTS = "resultaat"
WORDING = "scan.toml"
FONT = "fonts/DejaVuSans-Bold.ttf"
CIRCLE = (230, 0, 126)  # magenta: no sticker colour and no map colour is near it


@dataclass(frozen=True)
class ScannedSticker:
    """A sticker found on the poster, numbered as the check images number it."""

    number: int
    sticker: MapSticker
    colour_name: str  # geel, blauw, groen, rood: as huisstijl.toml names the colour
    question: str  # the panel question of that colour
    diameter_mm: float
    photos: tuple[int, ...]  # the photos (1, 2, ...) it was seen on


def results_folder(pack_dir: Path) -> Path:
    """``resultaat/`` when it is empty or absent, else the first free ``resultaat/scan-N``."""
    base = pack_dir / RESULTS
    if not base.exists() or not any(base.iterdir()):
        return base
    number = 2
    while (base / f"scan-{number}").exists():
        number += 1
    return base / f"scan-{number}"


def _wording(templates: Templates) -> dict[str, dict[str, object]]:
    return templates.toml(WORDING)


def write_table(stickers: Sequence[ScannedSticker], folder: Path, templates: Templates) -> Path:
    words = _wording(templates)["stickers_csv"]
    columns = [str(column) for column in words["columns"]]  # type: ignore[attr-defined]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in stickers:
        writer.writerow(_row(row))
    path = folder / str(words["file"])
    # with a byte order mark, Excel reads the street names' accents right
    _write_new(path, buffer.getvalue().encode("utf-8-sig"))
    return path


def _row(row: ScannedSticker) -> list[str]:
    sticker = row.sticker
    x, y = sticker.poster_mm or (0.0, 0.0)
    return [
        row.colour_name,
        row.question,
        f"{x:.1f}",
        f"{y:.1f}",
        f"{sticker.position.lat:.7f}",
        f"{sticker.position.lon:.7f}",
        sticker.grid_square,
        sticker.street,
    ]


def write_geojson(stickers: Sequence[ScannedSticker], folder: Path, templates: Templates) -> Path:
    columns = [str(c) for c in _wording(templates)["stickers_csv"]["columns"]]  # type: ignore[attr-defined]
    features = []
    for row in stickers:
        values = _row(row)
        properties: dict[str, object] = dict(zip(columns, values, strict=True))
        for key in ("x_mm", "y_mm", "lat", "lon"):
            if key in properties:
                properties[key] = float(str(properties[key]))
        properties["nummer"] = row.number
        position = row.sticker.position
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [position.lon, position.lat]},
                "properties": properties,
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    path = folder / str(_wording(templates)["geojson"]["file"])
    text = json.dumps(collection, ensure_ascii=False, indent=2) + "\n"
    _write_new(path, text.encode("utf-8"))
    return path


def write_control(
    page: NDArray[np.uint8],
    pixels_per_mm: float,
    stickers: Sequence[ScannedSticker],
    photo: int,
    folder: Path,
    templates: Templates,
) -> Path:
    """The straightened poster of one photo, each sticker it shows circled and numbered."""
    image = Image.fromarray(page)
    draw = ImageDraw.Draw(image)
    size = max(12, round(9 * pixels_per_mm))
    font = ImageFont.truetype(str(templates.path(FONT)), size)
    line = max(2, round(0.9 * pixels_per_mm))
    for row in stickers:
        if photo not in row.photos or row.sticker.poster_mm is None:
            continue
        x, y = (value * pixels_per_mm for value in row.sticker.poster_mm)
        radius = (row.diameter_mm / 2 + 3) * pixels_per_mm
        box = (x - radius, y - radius, x + radius, y + radius)
        draw.ellipse(box, outline=(255, 255, 255), width=line + 2)
        draw.ellipse(box, outline=CIRCLE, width=line)
        label = str(row.number)
        anchor = (x + radius * 0.75, y - radius * 0.75)
        left, top, right, bottom = draw.textbbox(anchor, label, font=font, anchor="lb")
        draw.rectangle((left - 3, top - 3, right + 3, bottom + 3), fill=(255, 255, 255))
        draw.text(anchor, label, font=font, fill=CIRCLE, anchor="lb")
    name = str(_wording(templates)["control"]["file"]).format(number=photo)
    path = folder / name
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # level 6 took 3 s for 5 % less
    _write_new(path, buffer.getvalue())
    return path


def _write_new(path: Path, content: bytes) -> None:
    """Write a file that must not exist yet: results are never written over."""
    try:
        with path.open("xb") as handle:
            handle.write(content)
    except FileExistsError as exc:
        raise ScanError(
            _("{file} already exists and is never written over; move it away").format(file=path)
        ) from exc
    except OSError as exc:
        raise ScanError(
            _("cannot write {file}: {reason}").format(file=path, reason=exc.strerror or exc)
        ) from exc
