"""Cartography: the vector base map drawn from OpenStreetMap data, its street labels and index.

The map stage (``generator.map``) hands over typed layers; this package turns them into a plan
(which street is labelled where, which grid squares a street runs through) and draws it.
"""

from __future__ import annotations

from generator.cartography.streetlabels import Street
from generator.map.geometry import Projection
from generator.map.osmdata import MapData, RoadClass

__all__ = ["streets_on_page"]


def streets_on_page(data: MapData, projection: Projection) -> list[Street]:
    """Every named street as lines of page points, with the most important class of its parts."""
    streets = []
    for name, roads in sorted(data.named_roads().items()):
        road_class = min((road.road_class for road in roads), key=list(RoadClass).index)
        lines = tuple(tuple(projection.points(road.points)) for road in roads)
        streets.append(Street(name, road_class, lines))
    return streets
