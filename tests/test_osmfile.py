"""A local extract (--osm-file): .osm XML and .osm.pbf written by the tests, read with pyosmium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import osmium
import pytest
from shapely.geometry import Point, Polygon

from generator.errors import OsmFileError
from generator.map import osmfile
from generator.map.mapdata import MapDataSource, snap
from generator.map.osmdata import AddressPoint, AreaKind, LineKind, MapData, RoadClass
from generator.map.osmfile import read_extract
from generator.map.stage import MapDataProvider
from generator.options import PackOptions
from generator.progress import SilentProgress
from tests.osm_support import (
    EAST_FRAME,
    FRAME,
    HOUSE,
    ISLAND,
    LAKE_OUTER,
    PLAZA,
    OsmXml,
    neighbourhood_xml,
    to_pbf,
)


@pytest.fixture(params=["osm", "osm.pbf"])
def extract(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    xml = neighbourhood_xml(tmp_path / "buurt.osm")
    return xml if request.param == "osm" else to_pbf(xml, tmp_path / "buurt.osm.pbf")


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every time the extract is opened, its path (the seam: osmfile._processor)."""
    opened: list[Path] = []
    real: Callable[[Path], osmium.FileProcessor] = osmfile._processor

    def counted(path: Path) -> osmium.FileProcessor:
        opened.append(path)
        return real(path)

    monkeypatch.setattr(osmfile, "_processor", counted)
    return opened


def test_an_extract_gives_the_lake_with_its_island_the_street_the_house_and_no_tunnel(
    extract: Path,
) -> None:
    [data] = read_extract(extract, [FRAME])

    assert data.source == extract.name
    [water] = [area for area in data.areas if area.kind is AreaKind.WATER]
    assert water.name == "Watersportbaan"
    assert len(water.rings) == 2
    lake = Polygon(water.rings[0], [water.rings[1]])
    assert lake.area == pytest.approx(Polygon(LAKE_OUTER).area - Polygon(ISLAND).area)
    assert not lake.contains(Point(3.7400, 51.0550))  # the island stays dry
    assert lake.contains(Point(3.7360, 51.0530))

    [street] = data.roads
    assert (street.name, street.road_class, street.tunnel) == (
        "Dampoortstraat",
        RoadClass.RESIDENTIAL,
        False,
    )
    # clipped at the frame's east edge, where it leaves the frame
    assert street.points[0] == (3.7310, 51.0510)
    assert street.points[-1][0] == pytest.approx(FRAME.east)
    assert data.named_roads() == {"Dampoortstraat": [street]}

    [building] = [area for area in data.areas if area.kind is AreaKind.BUILDING]
    assert Polygon(building.rings[0]).equals(Polygon(HOUSE))
    [plaza] = [area for area in data.areas if area.kind is AreaKind.SQUARE]
    assert (plaza.name, Polygon(plaza.rings[0]).equals(Polygon(PLAZA))) == (
        "Sint-Pietersplein",
        True,
    )

    assert [(line.kind, line.name) for line in data.lines] == [(LineKind.RAIL, "Lijn 59")]

    house_address, node_address = sorted(data.addresses, key=lambda address: address.street)
    assert node_address == AddressPoint("Kasteellaan", "3", "", (3.7330, 51.0530))
    assert (house_address.street, house_address.housenumber, house_address.postcode) == (
        "Dampoortstraat",
        "12",
        "9000",
    )
    assert Polygon(HOUSE).contains(Point(house_address.point))


def test_one_read_serves_every_frame_and_routes_each_feature_to_the_frames_it_meets(
    extract: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = counting_reads(monkeypatch)
    source = MapDataSource(PackOptions(osm_file=extract), SilentProgress())

    source.prefetch([FRAME, EAST_FRAME, FRAME])
    west, east = source.get(FRAME), source.get(EAST_FRAME)

    assert opened == [extract]
    assert west.extent == snap(FRAME)
    assert [road.name for road in east.roads] == ["Dampoortstraat"]
    [piece] = east.roads
    assert piece.points[0][0] == pytest.approx(EAST_FRAME.west)
    assert piece.points[-1] == (3.7600, 51.0590)
    assert east.areas == ()  # the lake, the house and the square lie west of it
    assert [area.kind for area in west.areas].count(AreaKind.WATER) == 1


def test_the_source_is_what_the_map_stage_asks_for(extract: Path) -> None:
    provider: MapDataProvider = MapDataSource(PackOptions(osm_file=extract), SilentProgress())
    provider.prefetch([FRAME])
    assert [road.name for road in provider.get(FRAME).roads] == ["Dampoortstraat"]


def test_a_second_run_takes_the_clip_from_the_cache_without_opening_the_file(
    extract: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = MapDataSource(PackOptions(osm_file=extract), SilentProgress()).get(FRAME)
    opened = counting_reads(monkeypatch)

    second = MapDataSource(PackOptions(osm_file=extract), SilentProgress())
    second.prefetch([FRAME])

    assert second.get(FRAME) == first
    assert opened == []


def test_a_changed_extract_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xml = neighbourhood_xml(tmp_path / "buurt.osm")
    MapDataSource(PackOptions(osm_file=xml), SilentProgress()).get(FRAME)
    with xml.open("a", encoding="utf-8") as file:
        file.write("\n")  # a new size: another extract as far as the cache knows
    opened = counting_reads(monkeypatch)

    data = MapDataSource(PackOptions(osm_file=xml), SilentProgress()).get(FRAME)

    assert opened == [xml]
    assert [road.name for road in data.roads] == ["Dampoortstraat"]


def test_a_coastline_in_the_extract_gives_the_sea_on_its_right(tmp_path: Path) -> None:
    osm = OsmXml()
    osm.way([(3.7600, 51.0550), (3.7200, 51.0550)], {"natural": "coastline"})  # land south
    [data] = read_extract(osm.write(tmp_path / "kust.osm"), [FRAME])

    [sea] = data.areas
    assert sea.kind is AreaKind.WATER
    assert Polygon(sea.rings[0]).bounds == pytest.approx(
        (FRAME.west, 51.0550, FRAME.east, FRAME.north)
    )


def test_a_coast_cut_short_by_the_extract_is_carried_on_to_the_frame_edge(tmp_path: Path) -> None:
    osm = OsmXml()
    # the extract's coast stops 0.002 degrees short of both the west and east edges
    osm.way([(3.7480, 51.0540), (3.7400, 51.0560), (3.7320, 51.0540)], {"natural": "coastline"})
    [data] = read_extract(osm.write(tmp_path / "kust.osm"), [FRAME])

    [sea] = data.areas
    water = Polygon(sea.rings[0])
    assert water.contains(Point(3.7310, 51.0590))  # north-west corner: right of the coast
    assert water.contains(Point(3.7490, 51.0590))
    assert not water.contains(Point(3.7400, 51.0510))  # south: land


def test_frames_without_data_in_the_extract_are_empty_not_an_error(extract: Path) -> None:
    far = FRAME.__class__(south=50.0, west=4.0, north=50.01, east=4.01)
    [data] = read_extract(extract, [far])
    assert data == MapData(extent=far, source=extract.name)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("nergens.osm.pbf", None, "het bestand bestaat niet"),
        ("kapot.osm", b"dit is geen XML", "is geen leesbaar OpenStreetMap-bestand (XML parsing"),
        ("kapot.osm.pbf", b"garbage", "is geen leesbaar OpenStreetMap-bestand (PBF error"),
        ("kaart.geojson", b"{}", "is geen .osm.pbf- of .osm-bestand"),
    ],
)
def test_a_missing_or_broken_extract_is_a_message_naming_the_file(
    tmp_path: Path, name: str, content: bytes | None, problem: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(OsmFileError) as caught:
        MapDataSource(PackOptions(osm_file=path), SilentProgress()).get(FRAME)

    message = caught.value.message
    assert message.startswith(f"{path}: {problem}")
    assert message.endswith(
        "geef --osm-file een uittreksel van OpenStreetMap in .osm.pbf- of .osm-formaat "
        "(bijvoorbeeld een regio van download.geofabrik.de)"
    )
