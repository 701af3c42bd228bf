"""Map data from a local OpenStreetMap extract (``--osm-file``): .osm.pbf or .osm XML.

A regional extract can be hundreds of megabytes, so it is read once for every frame of a
batch (:func:`read_extract` routes each feature to the frames it meets) and each frame's clip
is kept on disk, keyed by the file's path, size and modification time: a second run does not
open the file at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import osmium
import shapely
from osmium.osm import AREA, NODE, WAY

from generator.errors import OsmFileError
from generator.i18n import N_, _
from generator.map.geometry import Extent
from generator.map.osmcache import MapDataCache, cache_key
from generator.map.osmdata import (
    LAYER_KEYS,
    AddressPoint,
    AreaKind,
    Coord,
    MapData,
    classify_address,
    classify_area,
    classify_way,
    is_coastline,
    is_linear,
    tag,
)
from generator.map.osmshapes import AreaBatch, FrameLayers, points_bounds

SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
AREA_BATCH = 20_000  # areas converted together: shapely's arrays, in bounded memory
HOW_TO_GET_ONE = N_(
    "give --osm-file an OpenStreetMap extract in .osm.pbf or .osm format "
    "(for example a region from download.geofabrik.de)"
)


def _check_file(path: Path) -> None:
    if not path.name.lower().endswith(SUFFIXES):
        raise OsmFileError(
            _("{file}: is not an .osm.pbf or .osm file; {fix}").format(
                file=path, fix=_(HOW_TO_GET_ONE)
            )
        )
    try:
        with path.open("rb"):
            pass
    except FileNotFoundError as exc:
        raise OsmFileError(
            _("{file}: the file does not exist; {fix}").format(file=path, fix=_(HOW_TO_GET_ONE))
        ) from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OsmFileError(
            _("{file}: cannot be read ({reason}); {fix}").format(
                file=path, reason=reason, fix=_(HOW_TO_GET_ONE)
            )
        ) from exc


def _processor(path: Path) -> osmium.FileProcessor:
    """Nodes only for their addresses; ways and areas only with a key some layer uses."""
    addresses_only = osmium.filter.KeyFilter("addr:housenumber")
    addresses_only.enable_for(NODE)
    layers_only = osmium.filter.KeyFilter(*LAYER_KEYS)
    layers_only.enable_for(WAY | AREA)
    return (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.KeyFilter(*LAYER_KEYS))
        .with_filter(osmium.filter.EntityFilter(NODE | WAY | AREA))
        .with_filter(addresses_only)
        .with_filter(layers_only)
    )


def _way_runs(way: osmium.osm.Way) -> list[list[Coord]]:
    """The way's points, split where a node has no location (cut off by the extract)."""
    runs: list[list[Coord]] = [[]]
    for node in way.nodes:
        if node.location.valid():
            runs[-1].append((node.lon, node.lat))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if len(run) >= 2]


class _Router:
    """Sends every feature to the frames it meets; areas go in batches, for shapely's arrays."""

    def __init__(self, extents: Sequence[Extent]) -> None:
        self.frames = [FrameLayers(extent) for extent in extents]
        self.wkb = osmium.geom.WKBFactory()
        self.pending_wkb: list[str] = []
        self.pending_kinds: list[AreaKind] = []
        self.pending_names: list[str] = []
        self.pending_addresses: list[tuple[int, AddressPoint]] = []  # placed when converted

    def node(self, node: osmium.osm.Node) -> None:
        if not node.location.valid():
            return
        address = classify_address(node.tags, (node.lon, node.lat))
        if address is not None:
            for frame in self.frames:
                frame.add_address(address)

    def way(self, way: osmium.osm.Way) -> None:
        tags = way.tags
        if not is_linear(tags):
            return
        for run in _way_runs(way):
            bounds = points_bounds(run)
            if is_coastline(tags):
                for frame in self.frames:
                    frame.add_coastline(run, bounds)
            for feature in classify_way(tags, run):
                for frame in self.frames:
                    frame.add_line(feature, bounds)

    def area(self, area: osmium.osm.Area) -> None:
        tags = area.tags
        kind = classify_area(tags)
        if kind is None:
            return
        try:
            wkb = self.wkb.create_multipolygon(area)
        except (RuntimeError, osmium.InvalidLocationError):
            return  # a multipolygon that does not close in this extract
        address = classify_address(tags, (0.0, 0.0))
        if address is not None:
            self.pending_addresses.append((len(self.pending_wkb), address))
        self.pending_wkb.append(wkb)
        self.pending_kinds.append(kind)
        self.pending_names.append(tag(tags, "name"))
        if len(self.pending_wkb) >= AREA_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending_wkb:
            return
        batch = AreaBatch(
            self.pending_kinds, self.pending_names, shapely.from_wkb(self.pending_wkb)
        )
        bounds = batch.bounds
        centres = shapely.get_coordinates(
            shapely.centroid(batch.geometries[[index for index, _ in self.pending_addresses]])
        ).tolist()
        for frame in self.frames:
            frame.add_areas(batch, bounds)
        for (_way, address), (lon, lat) in zip(self.pending_addresses, centres, strict=True):
            for frame in self.frames:
                frame.add_address(replace(address, point=(lon, lat)))
        self.pending_wkb, self.pending_kinds, self.pending_names = [], [], []
        self.pending_addresses = []


def read_extract(path: Path, extents: Sequence[Extent]) -> list[MapData]:
    """Read ``path`` once and return each frame's layers, clipped to its extent, in order.

    Raises OsmFileError when the file is missing, unreadable or not OpenStreetMap data.
    """
    _check_file(path)
    router = _Router(extents)
    try:
        for entity in _processor(path):
            if isinstance(entity, osmium.osm.Node):
                router.node(entity)
            elif isinstance(entity, osmium.osm.Way):
                router.way(entity)
            elif isinstance(entity, osmium.osm.Area):
                router.area(entity)
        router.flush()
    except RuntimeError as exc:
        raise OsmFileError(
            _("{file}: is not a readable OpenStreetMap file ({reason}); {fix}").format(
                file=path, reason=exc, fix=_(HOW_TO_GET_ONE)
            )
        ) from exc
    return [frame.map_data(path.name) for frame in router.frames]


class ExtractSource:
    """A local extract for a run: clips from the disk cache, else one read for all frames."""

    def __init__(self, path: Path, cache: MapDataCache) -> None:
        self.path = path
        self.cache = cache

    def _key(self, extent: Extent) -> str:
        try:
            stat = self.path.stat()
        except OSError:
            _check_file(self.path)  # says what is wrong with it
            raise
        return cache_key("osm-file", self.path.resolve(), stat.st_size, stat.st_mtime_ns, extent)

    def fetch(self, extents: Sequence[Extent]) -> list[MapData]:
        """Every frame's layers: from the cache where it has them, the rest in one read."""
        found: dict[Extent, MapData] = {}
        for extent in extents:
            cached = self.cache.load(self._key(extent))
            if cached is not None:
                found[extent] = cached
        missing = list(dict.fromkeys(extent for extent in extents if extent not in found))
        if missing:
            for extent, data in zip(missing, read_extract(self.path, missing), strict=True):
                self.cache.store(self._key(extent), data)
                found[extent] = data
        return [found[extent] for extent in extents]
