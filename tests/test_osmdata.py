"""OSM tags into the map's layers, and the layers through the disk cache's format."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest

from generator.map.geometry import Extent
from generator.map.mapdata import snap
from generator.map.osmcache import FORMAT_VERSION, CorruptEntry, decode, encode
from generator.map.osmdata import (
    AddressPoint,
    Area,
    AreaKind,
    Line,
    LineKind,
    MapData,
    Road,
    RoadClass,
    classify_address,
    classify_area,
    classify_way,
)

LINE = ((3.73, 51.05), (3.74, 51.05))


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "motorway_link"}, [Road(RoadClass.MOTORWAY, LINE)]),
        ({"highway": "living_street", "name": "Erf"}, [Road(RoadClass.RESIDENTIAL, LINE, "Erf")]),
        ({"highway": "unclassified"}, [Road(RoadClass.RESIDENTIAL, LINE)]),
        ({"highway": "bridleway"}, [Road(RoadClass.FOOTWAY, LINE)]),
        ({"highway": "track"}, [Road(RoadClass.PATH, LINE)]),
        ({"highway": "steps"}, [Road(RoadClass.STEPS, LINE)]),
        ({"highway": "primary", "bridge": "viaduct"}, [Road(RoadClass.PRIMARY, LINE, bridge=True)]),
        ({"highway": "primary", "tunnel": "yes"}, [Road(RoadClass.PRIMARY, LINE, tunnel=True)]),
        ({"highway": "primary", "bridge": "no"}, [Road(RoadClass.PRIMARY, LINE)]),
        ({"highway": "pedestrian", "area": "yes"}, []),  # a square: classify_area's
        ({"highway": "proposed"}, []),
        ({"railway": "light_rail"}, [Line(LineKind.RAIL, LINE)]),
        ({"railway": "rail", "tunnel": "yes", "layer": "-1"}, []),
        ({"railway": "subway", "location": "underground"}, []),
        ({"railway": "abandoned"}, []),
        (
            {"highway": "tertiary", "railway": "tram", "name": "Brugsesteenweg"},
            [Road(RoadClass.TERTIARY, LINE, "Brugsesteenweg"), Line(LineKind.TRAM, LINE)],
        ),
        ({"waterway": "canal", "name": "Visserij"}, [Line(LineKind.CANAL, LINE, "Visserij")]),
        ({"waterway": "ditch"}, [Line(LineKind.STREAM, LINE)]),
        ({"waterway": "stream", "tunnel": "culvert"}, []),
        ({"building": "yes"}, []),
    ],
)  # fmt: skip
def test_ways_become_roads_and_lines_by_their_tags(
    tags: dict[str, str], expected: list[Road | Line]
) -> None:
    assert classify_way(tags, LINE) == expected


def test_a_way_of_one_point_is_no_line() -> None:
    assert classify_way({"highway": "residential"}, LINE[:1]) == []


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"building": "yes"}, AreaKind.BUILDING),
        ({"building": "apartments", "leisure": "sports_centre"}, AreaKind.BUILDING),
        ({"building": "no", "leisure": "pitch"}, AreaKind.PLAY),
        ({"natural": "water"}, AreaKind.WATER),
        ({"waterway": "dock"}, AreaKind.WATER),
        ({"landuse": "reservoir"}, AreaKind.WATER),
        ({"highway": "pedestrian", "area": "yes"}, AreaKind.SQUARE),
        ({"place": "square"}, AreaKind.SQUARE),
        ({"amenity": "grave_yard"}, AreaKind.CEMETERY),
        ({"landuse": "cemetery"}, AreaKind.CEMETERY),
        ({"leisure": "playground"}, AreaKind.PLAY),
        ({"leisure": "park"}, AreaKind.GREEN),
        ({"landuse": "village_green"}, AreaKind.GREEN),
        ({"natural": "scrub"}, AreaKind.GREEN),
        ({"landuse": "residential"}, None),
        ({"highway": "pedestrian"}, None),
        ({"leisure": "park", "area": "no"}, None),
    ],
)
def test_closed_ways_and_multipolygons_become_areas_by_their_tags(
    tags: dict[str, str], expected: AreaKind | None
) -> None:
    assert classify_area(tags) is expected


def test_an_address_needs_a_street_and_a_number() -> None:
    point = (3.74, 51.05)
    assert classify_address({"addr:street": "Dok Noord", "addr:housenumber": "7"}, point) == (
        AddressPoint("Dok Noord", "7", "", point)
    )
    assert classify_address({"addr:housenumber": "7"}, point) is None
    assert classify_address({"addr:street": "Dok Noord", "addr:housenumber": " "}, point) is None


def test_the_cache_format_gives_back_every_layer() -> None:
    data = MapData(
        extent=Extent(51.05, 3.73, 51.06, 3.75),
        roads=(Road(RoadClass.SECONDARY, LINE, "Dampoort", bridge=True, tunnel=False),),
        lines=(Line(LineKind.RIVER, LINE, "Schelde"),),
        areas=(
            Area(
                AreaKind.WATER,
                (
                    ((3.73, 51.05), (3.74, 51.05), (3.74, 51.06), (3.73, 51.05)),
                    ((3.735, 51.052), (3.736, 51.052), (3.736, 51.053), (3.735, 51.052)),
                ),
                "Handelsdok",
            ),
        ),
        addresses=(AddressPoint("Dampoortstraat", "12a", "9000", (3.7321, 51.0513)),),
        source="Overpass API",
    )
    assert decode(encode(data)) == data


def archive(words: dict[str, Any], coords: list[list[float]], ends: list[int]) -> bytes:
    """A cache entry written by hand, to break it in one place at a time."""
    buffer = io.BytesIO()
    np.savez(
        buffer,
        words=np.array(json.dumps(words)),
        coords=np.array(coords, dtype=np.float64).reshape(-1, 2),
        ends=np.array(ends, dtype=np.int64),
    )
    return buffer.getvalue()


WORDS: dict[str, Any] = {
    "version": FORMAT_VERSION,
    "source": "",
    "extent": [51.05, 3.73, 51.06, 3.75],
    "roads": [["residential", "Dok Noord", False, False]],
    "lines": [],
    "areas": [],
    "addresses": [],
}
ROAD = [[3.73, 51.05], [3.74, 51.05]]


def test_a_hand_written_entry_is_read_so_the_breakages_below_are_the_only_fault() -> None:
    [road] = decode(archive(WORDS, ROAD, [2])).roads
    assert road == Road(RoadClass.RESIDENTIAL, LINE, "Dok Noord")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not an archive",
        archive(WORDS, ROAD, [2])[:200],
        archive({**WORDS, "version": 999}, ROAD, [2]),
        archive({**WORDS, "roads": [["lane", "", False, False]]}, ROAD, [2]),
        archive({**WORDS, "roads": [["residential", 7, False, False]]}, ROAD, [2]),
        archive(WORDS, [[3.73, float("nan")], [3.74, 51.05]], [2]),
        archive(WORDS, ROAD, [3]),
        archive(WORDS, ROAD, [1, 2]),
        archive(WORDS, ROAD[:1], [1]),
        archive({**WORDS, "roads": [], "areas": [["water", "", 0]]}, ROAD, [2]),
    ],
)
def test_a_cache_entry_that_is_not_one_is_reported_as_corrupt(raw: bytes) -> None:
    with pytest.raises(CorruptEntry):
        decode(raw)


def test_frames_are_snapped_outward_to_a_grid_of_a_ten_thousandth_degree() -> None:
    assert snap(Extent(51.05004, 3.73001, 51.05996, 3.74999)) == Extent(51.05, 3.73, 51.06, 3.75)
    assert snap(Extent(51.05, 3.73, 51.06, 3.75)) == Extent(51.05, 3.73, 51.06, 3.75)
