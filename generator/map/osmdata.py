"""OpenStreetMap data for one map frame, as typed layers: what the vector base map draws.

Both sources (the Overpass API and a local .osm.pbf / .osm file) turn OSM tags into these
layers through :func:`classify_way` and :func:`classify_area`, so a street is the same street
whichever way it came. Coordinates are (lon, lat) pairs, as in OSM and GeoJSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
    FOOTWAY = "footway"  # footway, bridleway, corridor
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
