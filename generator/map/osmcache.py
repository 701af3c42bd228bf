"""Map data kept on disk between runs: one JSON file per frame and source.

Both sources keep a frame's layers here once they have them (the Overpass answer for a
bounding box; the clip of a local extract for a frame), so a second run asks and reads
nothing. A file that cannot be decoded is dropped and the data had again; a folder that
cannot be written costs one warning, not the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import threading
from pathlib import Path
from typing import Any, TypeVar

from generator.map.cachedir import warn_unwritable
from generator.map.geometry import Extent
from generator.map.osmdata import (
    AddressPoint,
    Area,
    AreaKind,
    Coord,
    Line,
    LineKind,
    MapData,
    Road,
    RoadClass,
)
from generator.progress import Progress

# Raise when the layers or their meaning change: older files are then simply not found.
FORMAT_VERSION = 1

Kind = TypeVar("Kind", RoadClass, LineKind, AreaKind)


class CorruptEntry(ValueError):
    """A cache file that is not what this version writes."""


def cache_key(*parts: object) -> str:
    """A file-name-safe digest of what identifies an entry (source, frame, versions)."""
    text = "\x1f".join(str(part) for part in (FORMAT_VERSION, *parts))
    return hashlib.sha256(text.encode()).hexdigest()


def _flat(points: tuple[Coord, ...]) -> list[float]:
    return [value for point in points for value in point]


def encode(data: MapData) -> bytes:
    document = {
        "version": FORMAT_VERSION,
        "source": data.source,
        "extent": [data.extent.south, data.extent.west, data.extent.north, data.extent.east],
        "roads": [
            [road.road_class.value, road.name, road.bridge, road.tunnel, _flat(road.points)]
            for road in data.roads
        ],
        "lines": [[line.kind.value, line.name, _flat(line.points)] for line in data.lines],
        "areas": [
            [area.kind.value, area.name, [_flat(ring) for ring in area.rings]]
            for area in data.areas
        ],
        "addresses": [
            [address.street, address.housenumber, address.postcode, list(address.point)]
            for address in data.addresses
        ],
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise CorruptEntry(f"expected text, found {type(value).__name__}")
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise CorruptEntry(f"expected true or false, found {type(value).__name__}")
    return value


def _list(value: object, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise CorruptEntry("expected a list" + (f" of {length}" if length is not None else ""))
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CorruptEntry(f"expected a number, found {value!r}")
    return float(value)


def _points(value: object, minimum: int) -> tuple[Coord, ...]:
    flat = [_number(item) for item in _list(value)]
    if len(flat) % 2 or len(flat) < 2 * minimum:
        raise CorruptEntry("a line or ring without enough coordinates")
    return tuple(zip(flat[0::2], flat[1::2], strict=True))


def _enum(kind: type[Kind], value: object) -> Kind:
    try:
        return kind(_str(value))
    except ValueError as exc:
        raise CorruptEntry(f"unknown {kind.__name__} {value!r}") from exc


def decode(raw: bytes) -> MapData:
    """The MapData an entry holds, or CorruptEntry when it is not one."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptEntry("not JSON") from exc
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise CorruptEntry("not a map data entry of this version")
    south, west, north, east = (_number(value) for value in _list(document.get("extent"), 4))
    roads = []
    for item in _list(document.get("roads")):
        kind, name, bridge, tunnel, points = _list(item, 5)
        roads.append(
            Road(
                _enum(RoadClass, kind), _points(points, 2), _str(name), _bool(bridge), _bool(tunnel)
            )
        )
    lines = []
    for item in _list(document.get("lines")):
        kind, name, points = _list(item, 3)
        lines.append(Line(_enum(LineKind, kind), _points(points, 2), _str(name)))
    areas = []
    for item in _list(document.get("areas")):
        kind, name, rings = _list(item, 3)
        areas.append(
            Area(
                _enum(AreaKind, kind),
                tuple(_points(ring, 3) for ring in _list(rings)),
                _str(name),
            )
        )
    addresses = []
    for item in _list(document.get("addresses")):
        street, number, postcode, point = _list(item, 4)
        (coord,) = _points(point, 1)
        addresses.append(AddressPoint(_str(street), _str(number), _str(postcode), coord))
    return MapData(
        extent=Extent(south, west, north, east),
        roads=tuple(roads),
        lines=tuple(lines),
        areas=tuple(areas),
        addresses=tuple(addresses),
        source=_str(document.get("source")),
    )


class MapDataCache:
    """Entries under ``root``, one file per key."""

    def __init__(self, root: Path, progress: Progress) -> None:
        self.root = root
        self.progress = progress

    def path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def load(self, key: str) -> MapData | None:
        path = self.path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            return decode(raw)
        except CorruptEntry:
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def store(self, key: str, data: MapData) -> None:
        path = self.path(key)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(encode(data))
            partial.replace(path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            warn_unwritable(self.root, exc, self.progress)
