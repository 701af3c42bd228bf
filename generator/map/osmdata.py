"""OpenStreetMap data for one map frame, as typed layers: what the vector base map draws.

Both sources (the Overpass API and a local .osm.pbf / .osm file) turn OSM tags into these
layers through :func:`classify_way` and :func:`classify_area`, so a street is the same street
whichever way it came. Coordinates are (lon, lat) pairs, as in OSM and GeoJSON.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from generator.map.geometry import Extent

Coord = tuple[float, float]  # (lon, lat)


class MapDataUnavailable(Exception):
    """No map data for a frame, and why (in plain English, shown in the pack's warning).

    Not a user error: the pack is made without a base map. The reason says what happened (no
    network and no cache, the server busy, an answer too large ...).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RoadClass(StrEnum):
    """Roads and paths by how prominently the map draws them, most prominent first."""

    MOTORWAY = "motorway"  # motorway, and its links
    TRUNK = "trunk"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"
    RESIDENTIAL = "residential"  # residential, unclassified, living_street, road
    SERVICE = "service"
    PEDESTRIAN = "pedestrian"
    CYCLEWAY = "cycleway"
    FOOTWAY = "footway"  # footway, bridleway (not corridor: those are indoors)
    PATH = "path"  # path, track
    STEPS = "steps"


class LineKind(StrEnum):
    RIVER = "river"
    CANAL = "canal"
    STREAM = "stream"  # stream, ditch, drain
    RAIL = "rail"  # rail, light_rail, narrow_gauge, subway above ground
    TRAM = "tram"


class AreaKind(StrEnum):
    WATER = "water"  # natural=water, waterway=riverbank/dock, landuse=basin/reservoir
    GREEN = "green"  # park, grass, forest, wood, garden, recreation ground, meadow ...
    PLAY = "play"  # playground, sports pitch, track
    CEMETERY = "cemetery"
    BUILDING = "building"
    SQUARE = "square"  # place=square, highway=pedestrian areas, plazas


@dataclass(frozen=True)
class Road:
    road_class: RoadClass
    points: tuple[Coord, ...]
    name: str = ""
    bridge: bool = False
    tunnel: bool = False


@dataclass(frozen=True)
class Line:
    kind: LineKind
    points: tuple[Coord, ...]
    name: str = ""


@dataclass(frozen=True)
class Area:
    """A polygon, possibly with holes or several parts: fill ``rings`` with the even-odd rule."""

    kind: AreaKind
    rings: tuple[tuple[Coord, ...], ...]
    name: str = ""


@dataclass(frozen=True)
class AddressPoint:
    """An OSM address (``addr:street`` + ``addr:housenumber``), at its node or building."""

    street: str
    housenumber: str
    postcode: str
    point: Coord


@dataclass(frozen=True)
class MapData:
    """The layers of one frame (its extent plus a margin), clipped to ``extent``."""

    extent: Extent
    roads: tuple[Road, ...] = ()
    lines: tuple[Line, ...] = ()
    areas: tuple[Area, ...] = ()
    addresses: tuple[AddressPoint, ...] = ()
    source: str = ""  # "Overpass API" or the extract's file name, for messages

    def named_roads(self) -> dict[str, list[Road]]:
        """Every named street (not tunnels) by name, for labels, the index and placing."""
        streets: dict[str, list[Road]] = {}
        for road in self.roads:
            if road.name and not road.tunnel:
                streets.setdefault(road.name, []).append(road)
        return streets

    def counts(self) -> dict[str, int]:
        """How many features each layer holds, for benchmarks and messages."""
        return {
            "roads": len(self.roads),
            "named streets": len(self.named_roads()),
            "lines": len(self.lines),
            **{
                f"areas: {kind.value}": sum(1 for area in self.areas if area.kind is kind)
                for kind in AreaKind
            },
            "addresses": len(self.addresses),
        }


class Tags(Protocol):
    """An element's tags: a dict, or pyosmium's TagList read in place (copying its tags into a
    dict costs more than reading the few a layer needs)."""

    def get(self, key: str, default: str, /) -> str | None: ...


def tag(tags: Tags, key: str) -> str:
    """The value of ``key``, or "" when the element does not have it."""
    return tags.get(key, "") or ""


HIGHWAY_CLASSES: dict[str, RoadClass] = {
    "motorway": RoadClass.MOTORWAY,
    "motorway_link": RoadClass.MOTORWAY,
    "trunk": RoadClass.TRUNK,
    "trunk_link": RoadClass.TRUNK,
    "primary": RoadClass.PRIMARY,
    "primary_link": RoadClass.PRIMARY,
    "secondary": RoadClass.SECONDARY,
    "secondary_link": RoadClass.SECONDARY,
    "tertiary": RoadClass.TERTIARY,
    "tertiary_link": RoadClass.TERTIARY,
    "residential": RoadClass.RESIDENTIAL,
    "unclassified": RoadClass.RESIDENTIAL,
    "living_street": RoadClass.RESIDENTIAL,
    "road": RoadClass.RESIDENTIAL,
    "service": RoadClass.SERVICE,
    "pedestrian": RoadClass.PEDESTRIAN,
    "cycleway": RoadClass.CYCLEWAY,
    "footway": RoadClass.FOOTWAY,
    "bridleway": RoadClass.FOOTWAY,
    "path": RoadClass.PATH,
    "track": RoadClass.PATH,
    "steps": RoadClass.STEPS,
}
RAILWAY_KINDS: dict[str, LineKind] = {
    "rail": LineKind.RAIL,
    "light_rail": LineKind.RAIL,
    "narrow_gauge": LineKind.RAIL,
    "subway": LineKind.RAIL,
    "tram": LineKind.TRAM,
}
WATERWAY_KINDS: dict[str, LineKind] = {
    "river": LineKind.RIVER,
    "canal": LineKind.CANAL,
    "stream": LineKind.STREAM,
    "ditch": LineKind.STREAM,
    "drain": LineKind.STREAM,
}
# Checked in this order: the first key whose value is listed decides the kind.
AREA_KINDS: tuple[tuple[str, dict[str, AreaKind]], ...] = (
    ("natural", {"water": AreaKind.WATER}),
    ("waterway", {"riverbank": AreaKind.WATER, "dock": AreaKind.WATER}),
    ("landuse", {"basin": AreaKind.WATER, "reservoir": AreaKind.WATER}),
    ("place", {"square": AreaKind.SQUARE}),
    ("landuse", {"cemetery": AreaKind.CEMETERY}),
    ("amenity", {"grave_yard": AreaKind.CEMETERY}),
    (
        "leisure",
        {
            "playground": AreaKind.PLAY,
            "pitch": AreaKind.PLAY,
            "track": AreaKind.PLAY,
            "sports_centre": AreaKind.PLAY,
            "park": AreaKind.GREEN,
            "garden": AreaKind.GREEN,
            "nature_reserve": AreaKind.GREEN,
        },
    ),
    (
        "landuse",
        {
            "grass": AreaKind.GREEN,
            "forest": AreaKind.GREEN,
            "meadow": AreaKind.GREEN,
            "recreation_ground": AreaKind.GREEN,
            "village_green": AreaKind.GREEN,
        },
    ),
    ("natural", {"wood": AreaKind.GREEN, "scrub": AreaKind.GREEN, "grassland": AreaKind.GREEN}),
)
# Keys that can make a way or relation one of the layers: what both sources ask for.
LAYER_KEYS = (
    "highway",
    "railway",
    "waterway",
    "building",
    *dict.fromkeys(k for k, _ in AREA_KINDS),
)


def _yes(tags: Tags, key: str) -> bool:
    """OSM's booleans: anything but absent or "no" counts (bridge=viaduct, tunnel=culvert)."""
    return tag(tags, key) not in ("", "no")


def _underground(tags: Tags) -> bool:
    return _yes(tags, "tunnel") or tag(tags, "location") == "underground"


def is_coastline(tags: Tags) -> bool:
    """OSM draws the sea as coastline ways, land on their left, water on their right; the
    frame's sea is made from them (see osmshapes.sea)."""
    return tag(tags, "natural") == "coastline"


def is_linear(tags: Tags) -> bool:
    """Whether a way with these tags may give a line (:func:`classify_way`) or a coastline:
    a quick test before its points are read."""
    return (
        tag(tags, "highway") in HIGHWAY_CLASSES
        or tag(tags, "railway") in RAILWAY_KINDS
        or tag(tags, "waterway") in WATERWAY_KINDS
        or is_coastline(tags)
    )


def classify_way(tags: Tags, points: Sequence[Coord]) -> list[Road | Line]:
    """The line features an OSM way (or a member-less line) is: a road, a railway, a waterway.

    Usually one; a street that also carries tram tracks gives both. Areas (a pedestrian square
    tagged area=yes) are :func:`classify_area`'s; railways and waterways underground are left
    out, as the map does not show them.
    """
    line = tuple(points)
    if len(line) < 2:
        return []
    features: list[Road | Line] = []
    name = tag(tags, "name")
    road_class = HIGHWAY_CLASSES.get(tag(tags, "highway"))
    if road_class is not None and tag(tags, "area") != "yes":
        features.append(
            Road(road_class, line, name, bridge=_yes(tags, "bridge"), tunnel=_yes(tags, "tunnel"))
        )
    rail = RAILWAY_KINDS.get(tag(tags, "railway"))
    if rail is not None and not _underground(tags):
        features.append(Line(rail, line, name if road_class is None else ""))
    water = WATERWAY_KINDS.get(tag(tags, "waterway"))
    if water is not None and not _underground(tags):
        features.append(Line(water, line, name))
    return features


def classify_area(tags: Tags) -> AreaKind | None:
    """The area layer a closed way or multipolygon belongs to, or None."""
    if tag(tags, "area") == "no":
        return None
    if _yes(tags, "building"):
        return AreaKind.BUILDING
    if tag(tags, "highway") == "pedestrian" and tag(tags, "area") == "yes":
        return AreaKind.SQUARE
    for key, kinds in AREA_KINDS:
        kind = kinds.get(tag(tags, key))
        if kind is not None:
            return kind
    return None


def classify_address(tags: Tags, point: Coord) -> AddressPoint | None:
    """The address on a node, building or site, at ``point``; None without street and number."""
    street = tag(tags, "addr:street").strip()
    number = tag(tags, "addr:housenumber").strip()
    if not street or not number:
        return None
    return AddressPoint(street, number, tag(tags, "addr:postcode").strip(), point)


def valid_coord(lon: float, lat: float) -> bool:
    """A finite longitude and latitude within their ranges: anything else is not drawn."""
    return math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
