"""Small map data made by the tests: a town of straight named streets around the example's site."""

from __future__ import annotations

import math
from typing import Any

from generator.map.geometry import Extent
from generator.map.osmdata import (
    AddressPoint,
    Area,
    AreaKind,
    Line,
    LineKind,
    MapData,
    Road,
    RoadClass,
)
from generator.model import LatLon
from tests.osm_support import answer, node_element, relation_element, way_element

SITE = LatLon(51.056, 3.741)
METRES_PER_DEGREE = 111_320.0
EAST_WEST = [
    "Aalststraat",
    "Beukenlaan",
    "Cederstraat",
    "Dampoortstraat",
    "Eikenlaan",
    "Fazantstraat",
]
NORTH_SOUTH = ["Geitstraat", "Hoveniersstraat", "Iepenlaan", "Jasmijnstraat", "Kastanjelaan"]


def offset(point: LatLon, east_m: float, north_m: float) -> tuple[float, float]:
    """(lon, lat) of the point ``east_m`` east and ``north_m`` north of ``point``."""
    lat = point.lat + north_m / METRES_PER_DEGREE
    lon = point.lon + east_m / (METRES_PER_DEGREE * math.cos(math.radians(point.lat)))
    return lon, lat


def town(site: LatLon = SITE, half_m: float = 1300.0, spacing_m: float = 420.0) -> MapData:
    """Named streets every ``spacing_m`` both ways, a main road, a river with an island,
    a park, a block of buildings and a few addresses, reaching ``half_m`` around the site."""
    roads: list[Road] = []
    for index, name in enumerate(EAST_WEST):
        north = (index - (len(EAST_WEST) - 1) / 2) * spacing_m
        points = tuple(offset(site, east, north) for east in (-half_m, 0.0, half_m))
        roads.append(Road(RoadClass.RESIDENTIAL, points, name))
    for index, name in enumerate(NORTH_SOUTH):
        east = (index - (len(NORTH_SOUTH) - 1) / 2) * spacing_m + spacing_m / 2
        points = tuple(offset(site, east, north) for north in (-half_m, 0.0, half_m))
        roads.append(Road(RoadClass.RESIDENTIAL, points, name))
    diagonal = tuple(offset(site, d, d * 0.6) for d in (-half_m, -half_m / 2, 0.0, half_m / 2))
    roads.append(Road(RoadClass.PRIMARY, diagonal, "Grote Steenweg"))
    roads.append(Road(RoadClass.FOOTWAY, (offset(site, 50, 50), offset(site, 120, 90))))
    river = tuple(offset(site, east, -half_m * 0.8 + east * 0.1) for east in (-half_m, half_m))
    outer = tuple(
        offset(site, east, north)
        for east, north in ((250, -750), (950, -750), (950, -500), (250, -500), (250, -750))
    )
    island = tuple(
        offset(site, east, north)
        for east, north in ((500, -680), (700, -680), (700, -570), (500, -570), (500, -680))
    )
    park = tuple(
        offset(site, east, north)
        for east, north in ((300, 300), (600, 300), (600, 550), (300, 550), (300, 300))
    )
    buildings = [
        Area(
            AreaKind.BUILDING,
            (
                tuple(
                    offset(site, x + dx, y + dy)
                    for dx, dy in ((0, 0), (30, 0), (30, 20), (0, 20), (0, 0))
                ),
            ),
        )
        for x in range(-600, -300, 50)
        for y in range(-200, 0, 40)
    ]
    addresses = (
        AddressPoint("Dampoortstraat", "12", "9000", offset(site, -200, 0 * spacing_m + 210)),
        AddressPoint("Eikenlaan", "3A", "9000", offset(site, 400, 630)),
        AddressPoint("Eikenlaan", "3A", "9040", offset(site, 800, 630)),
    )
    south, west = offset(site, -half_m, -half_m)[1], offset(site, -half_m, -half_m)[0]
    north, east = offset(site, half_m, half_m)[1], offset(site, half_m, half_m)[0]
    return MapData(
        extent=Extent(south, west, north, east),
        roads=tuple(roads),
        lines=(Line(LineKind.RIVER, river, "Schelde"), Line(LineKind.RAIL, diagonal[::-1])),
        areas=(
            Area(AreaKind.WATER, (outer, island), "Dok"),
            Area(AreaKind.GREEN, (park,), "Park"),
            *buildings,
        ),
        addresses=addresses,
        source="test town",
    )


HIGHWAY_TAGS = {
    RoadClass.RESIDENTIAL: "residential",
    RoadClass.PRIMARY: "primary",
    RoadClass.FOOTWAY: "footway",
}


def town_answer(data: MapData | None = None) -> dict[str, Any]:
    """The town as the Overpass API would answer it (``[out:json]`` with ``out geom``)."""
    data = data or town()
    elements: list[dict[str, Any]] = []
    for index, road in enumerate(data.roads):
        tags = {
            "highway": HIGHWAY_TAGS[road.road_class],
            **({"name": road.name} if road.name else {}),
        }
        elements.append(way_element(100 + index, tags, list(road.points)))
    for index, line in enumerate(data.lines):
        tags = {"waterway": "river"} if line.kind is LineKind.RIVER else {"railway": "rail"}
        elements.append(way_element(300 + index, tags, list(line.points)))
    for index, area in enumerate(data.areas):
        if area.kind is AreaKind.WATER:
            members = [
                ("outer", list(area.rings[0])),
                *(("inner", list(ring)) for ring in area.rings[1:]),
            ]
            elements.append(relation_element(500 + index, {"natural": "water"}, members))
        else:
            tags = {"leisure": "park"} if area.kind is AreaKind.GREEN else {"building": "yes"}
            elements.append(way_element(600 + index, tags, list(area.rings[0])))
    for index, address in enumerate(data.addresses):
        tags = {
            "addr:street": address.street,
            "addr:housenumber": address.housenumber,
            "addr:postcode": address.postcode,
        }
        elements.append(node_element(900 + index, tags, address.point))
    return answer(*elements)
