"""OSM geometry made into the layers of one frame: rings assembled, everything clipped.

Both sources end here once they have read the tags, so the Overpass answer and a local extract
give the same shapes for the same data. Geometry work is shapely's; coordinates stay (lon, lat).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from generator.map.geometry import Extent
from generator.map.osmdata import AddressPoint, Area, AreaKind, Coord, Line, MapData, Road

Bounds = tuple[float, float, float, float]  # west, south, east, north
POLYGON_TYPE = 3  # shapely.get_type_id


def extent_bounds(extent: Extent) -> Bounds:
    return extent.west, extent.south, extent.east, extent.north


def points_bounds(points: Sequence[Coord]) -> Bounds:
    lons = [lon for lon, _ in points]
    lats = [lat for _, lat in points]
    return min(lons), min(lats), max(lons), max(lats)


def meets(outer: Bounds, inner: Bounds) -> bool:
    """Whether two rectangles share at least a point."""
    return (
        inner[0] <= outer[2]
        and inner[2] >= outer[0]
        and inner[1] <= outer[3]
        and inner[3] >= outer[1]
    )


def _within(outer: Bounds, inner: Bounds) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def ring_center(points: Sequence[Coord]) -> Coord:
    """The mean of a ring's points (the closing point not counted twice): where an address
    on a building is placed."""
    corners = points[:-1] if len(points) > 1 and points[0] == points[-1] else points
    return (
        sum(lon for lon, _ in corners) / len(corners),
        sum(lat for _, lat in corners) / len(corners),
    )


def assemble_rings(ways: Iterable[Sequence[Coord]]) -> list[Polygon]:
    """Join member ways end to end into closed rings; pieces that do not close are left out."""
    lines = [LineString(way) for way in ways if len(way) >= 2]
    if not lines:
        return []
    merged = shapely.line_merge(MultiLineString(lines))
    return [
        Polygon(part.coords)
        for part in shapely.get_parts(merged)
        if part.is_closed and len(part.coords) >= 4
    ]


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygons of what make_valid gave (a ring folded on itself leaves lines)."""
    parts = shapely.get_parts(geometry)
    return shapely.union_all(parts[shapely.get_type_id(parts) == POLYGON_TYPE])


def multipolygon(
    outer: Iterable[Sequence[Coord]], inner: Iterable[Sequence[Coord]]
) -> BaseGeometry | None:
    """A multipolygon relation's area from its member ways, by role.

    Rings are combined even-odd (each ring flips inside and outside), which is what the roles
    mean for well-formed data and still gives a sensible area when a role is wrong.
    """
    rings = assemble_rings(outer) + assemble_rings(inner)
    if not rings:
        return None
    area = _polygonal(shapely.make_valid(rings[0]))
    for ring in rings[1:]:
        area = area.symmetric_difference(_polygonal(shapely.make_valid(ring)))
    return None if area.is_empty else area


def sea(coastlines: Sequence[LineString], bounds: Bounds) -> BaseGeometry:
    """The water side of the coastlines within a frame (empty without coastlines).

    The frame's edge and the coastlines cut the frame into faces; a face lies in the sea when
    it is on the right of the coastline nearest to it, as OSM draws coastlines with the land
    on their left. A frame with no coastline is taken to be land. A coast that stops inside
    the frame (an extract cut short of it) is carried on straight to the frame's edge.
    """
    if not coastlines:
        return Polygon()
    frame = shapely.box(*bounds)
    merged = shapely.get_parts(shapely.line_merge(shapely.union_all(list(coastlines))))
    coasts = [_to_the_edge(coast, frame) for coast in merged if isinstance(coast, LineString)]
    noded = shapely.union_all([frame.boundary, *coasts])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    water = [face for face in faces if _right_of_coast(face.representative_point(), coasts)]
    return shapely.union_all(water) if water else Polygon()


def _to_the_edge(coast: LineString, frame: Polygon) -> LineString:
    """The coast with each loose end carried on in its last direction to the frame's edge."""
    if coast.is_closed or len(coast.coords) < 2:
        return coast
    points = list(coast.coords)
    reach = 2 * math.hypot(frame.bounds[2] - frame.bounds[0], frame.bounds[3] - frame.bounds[1])
    for end, inner in ((0, 1), (-1, -2)):
        (x, y), (ix, iy) = points[end], points[inner]
        length = math.hypot(x - ix, y - iy)
        if length == 0 or frame.boundary.distance(Point(x, y)) < 1e-9:
            continue
        points[end] = (x + (x - ix) / length * reach, y + (y - iy) / length * reach)
    carried = shapely.clip_by_rect(LineString(points), *frame.bounds)
    return carried if isinstance(carried, LineString) and not carried.is_empty else coast


def _right_of_coast(point: Point, coastlines: Sequence[LineString]) -> bool:
    nearest = min(coastlines, key=point.distance)
    along = nearest.project(point)
    step = min(nearest.length / 2, 1e-6)
    before = nearest.interpolate(max(along - step, 0.0))
    after = nearest.interpolate(min(along + step, nearest.length))
    cross = (after.x - before.x) * (point.y - before.y) - (after.y - before.y) * (
        point.x - before.x
    )
    return cross < 0


@dataclass(frozen=True)
class AreaBatch:
    """Areas handed over together, so shapely works on arrays rather than one at a time."""

    kinds: list[AreaKind]
    names: list[str]
    geometries: NDArray[np.object_]  # Polygon / MultiPolygon

    @property
    def bounds(self) -> NDArray[np.float64]:
        """One row per area: west, south, east, north."""
        return shapely.bounds(self.geometries)


def _rings_of(geometries: NDArray[np.object_]) -> list[tuple[tuple[Coord, ...], ...]]:
    """Each geometry's rings (outer and inner of every part), as coordinate tuples."""
    parts, part_owner = shapely.get_parts(geometries, return_index=True)
    polygons = shapely.get_type_id(parts) == POLYGON_TYPE
    parts, part_owner = parts[polygons], part_owner[polygons]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    starts = np.searchsorted(coord_ring, np.arange(len(rings) + 1))
    owners: list[list[tuple[Coord, ...]]] = [[] for _ in range(len(geometries))]
    flat = coords.tolist()
    for ring, owner in enumerate(part_owner[ring_part].tolist()):
        points = flat[starts[ring] : starts[ring + 1]]
        if len(points) >= 4:
            owners[owner].append(tuple((x, y) for x, y in points))
    return [tuple(rings) for rings in owners]


class FrameLayers:
    """The features of one frame, clipped to its extent, in the order they are added."""

    def __init__(self, extent: Extent) -> None:
        self.extent = extent
        self.bounds = extent_bounds(extent)
        self.roads: list[Road] = []
        self.lines: list[Line] = []
        self.areas: list[Area] = []
        self.addresses: list[AddressPoint] = []
        self.coastlines: list[LineString] = []

    def add_coastline(self, points: Sequence[Coord], bounds: Bounds) -> None:
        """A piece of coastline; the sea is made from all of them in :meth:`map_data`."""
        if meets(self.bounds, bounds):
            clipped = shapely.clip_by_rect(LineString(points), *self.bounds)
            self.coastlines.extend(
                part
                for part in shapely.get_parts(clipped)
                if isinstance(part, LineString) and not part.is_empty
            )

    def add_line(self, feature: Road | Line, bounds: Bounds) -> None:
        """A road or line whose points span ``bounds``; only its pieces inside are kept."""
        if not meets(self.bounds, bounds):
            return
        if _within(self.bounds, bounds):
            pieces = [feature.points]
        else:
            clipped = shapely.clip_by_rect(LineString(feature.points), *self.bounds)
            pieces = [
                tuple((x, y) for x, y in part.coords)
                for part in shapely.get_parts(clipped)
                if isinstance(part, LineString) and len(part.coords) >= 2
            ]
        if isinstance(feature, Road):
            self.roads.extend(replace(feature, points=piece) for piece in pieces)
        else:
            self.lines.extend(replace(feature, points=piece) for piece in pieces)

    def add_areas(self, batch: AreaBatch, bounds: NDArray[np.float64]) -> None:
        """Areas whose geometries span ``bounds`` (one row each); only their parts inside
        the frame are kept."""
        west, south, east, north = self.bounds
        meeting = (
            (bounds[:, 0] <= east)
            & (bounds[:, 2] >= west)
            & (bounds[:, 1] <= north)
            & (bounds[:, 3] >= south)
        )
        inside = (
            (bounds[:, 0] >= west)
            & (bounds[:, 2] <= east)
            & (bounds[:, 1] >= south)
            & (bounds[:, 3] <= north)
        )
        chosen = np.flatnonzero(meeting)
        geometries = batch.geometries[chosen].copy()
        cut = ~inside[chosen]
        if cut.any():
            geometries[cut] = shapely.clip_by_rect(geometries[cut], *self.bounds)
        for index, rings in zip(chosen.tolist(), _rings_of(geometries), strict=True):
            if rings:
                self.areas.append(Area(batch.kinds[index], rings, batch.names[index]))

    def add_address(self, address: AddressPoint) -> None:
        lon, lat = address.point
        if self.bounds[0] <= lon <= self.bounds[2] and self.bounds[1] <= lat <= self.bounds[3]:
            self.addresses.append(address)

    def map_data(self, source: str) -> MapData:
        """The frame's layers; the sea, when the frame has a coast, comes first of the areas."""
        sea_rings = _rings_of(np.array([sea(self.coastlines, self.bounds)], dtype=object))[0]
        seas = [Area(AreaKind.WATER, sea_rings)] if sea_rings else []
        return MapData(
            extent=self.extent,
            roads=tuple(self.roads),
            lines=tuple(self.lines),
            areas=(*seas, *self.areas),
            addresses=tuple(self.addresses),
            source=source,
        )
