"""Small OpenStreetMap data written by the tests: Overpass JSON elements and .osm XML.

Everything lies around a made-up neighbourhood near Gent-Dampoort; the coordinates are the
tests' own, not cut from a real extract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import osmium

from generator.map.geometry import Extent

Point = tuple[float, float]  # (lon, lat)

FRAME = Extent(south=51.0500, west=3.7300, north=51.0600, east=3.7500)
EAST_FRAME = Extent(south=51.0500, west=3.7500, north=51.0600, east=3.7700)


def way_element(way_id: int, tags: dict[str, str], points: list[Point]) -> dict[str, Any]:
    return {
        "type": "way",
        "id": way_id,
        "tags": tags,
        "geometry": [{"lat": lat, "lon": lon} for lon, lat in points],
    }


def node_element(node_id: int, tags: dict[str, str], point: Point) -> dict[str, Any]:
    return {"type": "node", "id": node_id, "lat": point[1], "lon": point[0], "tags": tags}


def relation_element(
    relation_id: int, tags: dict[str, str], members: list[tuple[str, list[Point]]]
) -> dict[str, Any]:
    return {
        "type": "relation",
        "id": relation_id,
        "tags": {"type": "multipolygon", **tags},
        "members": [
            {
                "type": "way",
                "ref": 1000 + index,
                "role": role,
                "geometry": [{"lat": lat, "lon": lon} for lon, lat in points],
            }
            for index, (role, points) in enumerate(members)
        ],
    }


def answer(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"version": 0.6, "generator": "stand-in", "elements": list(elements)}


def square(west: float, south: float, east: float, north: float) -> list[Point]:
    """A closed ring, anticlockwise from the south-west corner."""
    return [(west, south), (east, south), (east, north), (west, north), (west, south)]


# The lake of both sources: an outer ring in two halves (joined end to end) and an island.
LAKE_OUTER = square(3.7350, 51.0520, 3.7450, 51.0580)
LAKE_OUTER_SOUTH = LAKE_OUTER[:3]  # west-south, east-south, east-north
LAKE_OUTER_NORTH = LAKE_OUTER[2:]  # east-north, west-north, west-south
ISLAND = square(3.7390, 51.0540, 3.7410, 51.0560)
# Dampoortstraat runs from inside the frame across its east edge into EAST_FRAME.
STREET = [(3.7310, 51.0510), (3.7490, 51.0510), (3.7600, 51.0590)]
HOUSE = square(3.7320, 51.0512, 3.7322, 51.0514)
PLAZA = square(3.7460, 51.0585, 3.7480, 51.0595)


class OsmXml:
    """Builds an .osm XML file: nodes are numbered as points are added, shared when equal."""

    def __init__(self) -> None:
        self.nodes: dict[Point, int] = {}
        self.node_tags: dict[int, dict[str, str]] = {}
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []
        self.relations: list[tuple[int, list[tuple[int, str]], dict[str, str]]] = []

    def node(self, point: Point, tags: dict[str, str] | None = None) -> int:
        node_id = self.nodes.setdefault(point, len(self.nodes) + 1)
        if tags:
            self.node_tags[node_id] = tags
        return node_id

    def way(self, points: list[Point], tags: dict[str, str] | None = None) -> int:
        way_id = len(self.ways) + 1
        self.ways.append((way_id, [self.node(point) for point in points], tags or {}))
        return way_id

    def relation(self, members: list[tuple[int, str]], tags: dict[str, str]) -> int:
        relation_id = len(self.relations) + 1
        self.relations.append((relation_id, members, tags))
        return relation_id

    def write(self, path: Path) -> Path:
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
        for (lon, lat), node_id in sorted(self.nodes.items(), key=lambda item: item[1]):
            node_tags = _tags(self.node_tags.get(node_id, {}))
            lines.append(
                f'<node id="{node_id}" version="1" lat="{lat}" lon="{lon}">{node_tags}</node>'
            )
        for way_id, refs, way_tags in self.ways:
            nds = "".join(f'<nd ref="{ref}"/>' for ref in refs)
            lines.append(f'<way id="{way_id}" version="1">{nds}{_tags(way_tags)}</way>')
        for relation_id, members, relation_tags in self.relations:
            member_refs = "".join(
                f'<member type="way" ref="{ref}" role="{role}"/>' for ref, role in members
            )
            lines.append(
                f'<relation id="{relation_id}" version="1">{member_refs}{_tags(relation_tags)}'
                "</relation>"
            )
        lines.append("</osm>")
        path.write_text("\n".join(lines), encoding="utf-8")
        return path


def _tags(tags: dict[str, str]) -> str:
    return "".join(f"<tag k={quoteattr(key)} v={quoteattr(value)}/>" for key, value in tags.items())


def neighbourhood_xml(path: Path) -> Path:
    """The test neighbourhood as .osm XML: a lake with an island (a multipolygon), a named
    street, a house with an address, a square, an address node, a railway above ground and
    one in a tunnel."""
    osm = OsmXml()
    osm.node((3.7330, 51.0530), {"addr:street": "Kasteellaan", "addr:housenumber": "3"})
    south = osm.way(LAKE_OUTER_SOUTH)
    north = osm.way(LAKE_OUTER_NORTH)
    island = osm.way(ISLAND)
    osm.relation(
        [(south, "outer"), (north, "outer"), (island, "inner")],
        {"type": "multipolygon", "natural": "water", "name": "Watersportbaan"},
    )
    osm.way(STREET, {"highway": "residential", "name": "Dampoortstraat"})
    osm.way(
        HOUSE,
        {
            "building": "house",
            "addr:street": "Dampoortstraat",
            "addr:housenumber": "12",
            "addr:postcode": "9000",
        },
    )
    osm.way(PLAZA, {"highway": "pedestrian", "area": "yes", "name": "Sint-Pietersplein"})
    osm.way([(3.7300, 51.0595), (3.7400, 51.0595)], {"railway": "rail", "name": "Lijn 59"})
    osm.way(
        [(3.7300, 51.0590), (3.7400, 51.0590)],
        {"railway": "rail", "tunnel": "yes", "layer": "-1", "name": "Tunnel"},
    )
    return osm.write(path)


def to_pbf(xml: Path, pbf: Path) -> Path:
    """The same data as .osm.pbf, written by pyosmium."""
    with osmium.SimpleWriter(str(pbf)) as writer:
        for entity in osmium.FileProcessor(str(xml)):
            writer.add(entity)
    return pbf
