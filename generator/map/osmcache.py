"""Map data kept on disk between runs: one file per frame and source.

Both sources keep a frame's layers here once they have them (the Overpass answer for a
bounding box; the clip of a local extract for a frame), so a second run asks and reads
nothing. A file that cannot be decoded is dropped and the data had again; a folder that
cannot be written costs one warning, not the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import threading
import time
import zipfile
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

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
from generator.map.runstate import RunState
from generator.progress import Progress

# Raise when the layers or their meaning change: older files are then simply not found.
FORMAT_VERSION = 2

Kind = TypeVar("Kind", RoadClass, LineKind, AreaKind)


class CorruptEntry(ValueError):
    """A cache file that is not what this version writes."""


def cache_key(*parts: object) -> str:
    """A file-name-safe digest of what identifies an entry (source, frame, versions)."""
    text = "\x1f".join(str(part) for part in (FORMAT_VERSION, *parts))
    return hashlib.sha256(text.encode()).hexdigest()


class _Sequences:
    """Every line, ring and address point of an entry, end to end in one coordinate array."""

    def __init__(self) -> None:
        self.coords: list[Coord] = []
        self.ends: list[int] = []

    def add(self, points: tuple[Coord, ...]) -> None:
        self.coords.extend(points)
        self.ends.append(len(self.coords))


def encode(data: MapData) -> bytes:
    """The entry: the words as JSON, the coordinates as arrays (an .npz archive)."""
    sequences = _Sequences()
    for road in data.roads:
        sequences.add(road.points)
    for line in data.lines:
        sequences.add(line.points)
    for area in data.areas:
        for ring in area.rings:
            sequences.add(ring)
    for address in data.addresses:
        sequences.add((address.point,))
    words = {
        "version": FORMAT_VERSION,
        "source": data.source,
        "extent": [data.extent.south, data.extent.west, data.extent.north, data.extent.east],
        "roads": [
            [road.road_class.value, road.name, road.bridge, road.tunnel] for road in data.roads
        ],
        "lines": [[line.kind.value, line.name] for line in data.lines],
        "areas": [[area.kind.value, area.name, len(area.rings)] for area in data.areas],
        "addresses": [
            [address.street, address.housenumber, address.postcode] for address in data.addresses
        ],
    }
    buffer = io.BytesIO()
    np.savez(
        buffer,
        words=np.array(json.dumps(words, ensure_ascii=False)),
        coords=np.array(sequences.coords, dtype=np.float64).reshape(-1, 2),
        ends=np.array(sequences.ends, dtype=np.int64),
    )
    return buffer.getvalue()


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


def _enum(kind: type[Kind], value: object) -> Kind:
    try:
        return kind(_str(value))
    except ValueError as exc:
        raise CorruptEntry(f"unknown {kind.__name__} {value!r}") from exc


def _arrays(raw: bytes) -> tuple[Any, NDArray[np.float64], NDArray[np.int64]]:
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            words, coords, ends = archive["words"], archive["coords"], archive["ends"]
        document = json.loads(str(words[()]))
    except (OSError, ValueError, EOFError, KeyError, IndexError, zipfile.BadZipFile) as exc:
        raise CorruptEntry(f"not a map data entry ({type(exc).__name__})") from exc
    if coords.dtype != np.float64 or coords.ndim != 2 or coords.shape[1] != 2:
        raise CorruptEntry("coordinates of the wrong shape")
    if ends.dtype != np.int64 or ends.ndim != 1:
        raise CorruptEntry("sequence ends of the wrong shape")
    if not np.isfinite(coords).all():
        raise CorruptEntry("a coordinate that is not a number")
    starts = np.concatenate(([0], ends[:-1]))
    if len(ends) and (ends[-1] != len(coords) or (ends < starts).any()):
        raise CorruptEntry("sequence ends that do not fit the coordinates")
    return document, coords, ends


class _Reader:
    """Hands out the coordinate sequences in the order they were written."""

    def __init__(self, coords: NDArray[np.float64], ends: NDArray[np.int64]) -> None:
        self.points = [(x, y) for x, y in coords.tolist()]
        self.ends = ends.tolist()
        self.index = 0

    def next(self, minimum: int) -> tuple[Coord, ...]:
        if self.index >= len(self.ends):
            raise CorruptEntry("fewer coordinate sequences than features")
        start = self.ends[self.index - 1] if self.index else 0
        points = tuple(self.points[start : self.ends[self.index]])
        self.index += 1
        if len(points) < minimum:
            raise CorruptEntry("a line or ring without enough coordinates")
        return points


def decode(raw: bytes) -> MapData:
    """The MapData an entry holds, or CorruptEntry when it is not one."""
    document, coords, ends = _arrays(raw)
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise CorruptEntry("not a map data entry of this version")
    south, west, north, east = (_number(value) for value in _list(document.get("extent"), 4))
    reader = _Reader(coords, ends)
    roads = []
    for item in _list(document.get("roads")):
        kind, name, bridge, tunnel = _list(item, 4)
        roads.append(
            Road(_enum(RoadClass, kind), reader.next(2), _str(name), _bool(bridge), _bool(tunnel))
        )
    lines = []
    for item in _list(document.get("lines")):
        kind, name = _list(item, 2)
        lines.append(Line(_enum(LineKind, kind), reader.next(2), _str(name)))
    areas = []
    for item in _list(document.get("areas")):
        kind, name, count = _list(item, 3)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise CorruptEntry("an area without rings")
        rings = tuple(reader.next(4) for _ in range(count))
        areas.append(Area(_enum(AreaKind, kind), rings, _str(name)))
    addresses = []
    for item in _list(document.get("addresses")):
        street, number, postcode = _list(item, 3)
        (point,) = reader.next(1)
        addresses.append(AddressPoint(_str(street), _str(number), _str(postcode), point))
    if reader.index != len(reader.ends):
        raise CorruptEntry("more coordinate sequences than features")
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

    def __init__(self, root: Path, progress: Progress, state: RunState) -> None:
        self.root = root
        self.progress = progress
        self.state = state

    def path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def load(self, key: str, *, max_age_s: float | None = None) -> MapData | None:
        """The entry, or None when there is none, it is damaged (then it is dropped) or it
        was stored more than ``max_age_s`` ago (then it stays, for a run that cannot ask)."""
        path = self.path(key)
        try:
            if max_age_s is not None and time.time() - path.stat().st_mtime > max_age_s:
                return None
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
            self.state.warn_unwritable(self.root, exc, self.progress)
