"""A neighbourhood across the antimeridian (lon 180): asked of Overpass one box per side, drawn
on one page at the neighbourhood's scale, with the streets of both sides where they belong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.map.geometry import MapView, PageFrame
from generator.map.stage import map_stage
from generator.model import LatLon
from generator.options import PackOptions
from generator.poster import write_poster
from generator.progress import SilentProgress
from generator.resources import Templates
from tests.osm_support import answer, way_element
from tests.poster_support import pdf_text, squashed
from tests.servers import OverpassServer
from tests.test_maptiles import team_at

SITE = LatLon(lat=-16.5, lon=179.99)  # Fiji: the antimeridian runs through the islands
BBOX = re.compile(r"\[bbox:([-\d.]+),([-\d.]+),([-\d.]+),([-\d.]+)\]")
WEST_OF_THE_LINE = [(179.991, -16.501), (179.995, -16.5), (179.999, -16.499)]
EAST_OF_THE_LINE = [(-179.999, -16.502), (-179.997, -16.5), (-179.995, -16.498)]


def test_a_projection_across_the_antimeridian_puts_both_sides_side_by_side() -> None:
    frame = PageFrame(0.0, 0.0, 1000.0, 1000.0)
    view = MapView.around(LatLon(lat=-16.5, lon=180.0), 16, 1000, 1000)
    projection = frame.projection(view)
    (west_x, _), (east_x, _) = projection.points([(179.999, -16.5), (-179.999, -16.5)])
    assert 0 < west_x < 500 < east_x < 1000
    assert east_x - west_x == pytest.approx(projection.x_per_degree * 0.002)
    assert projection.point(-179.999, -16.5) == pytest.approx(
        frame.place(view, LatLon(-16.5, -179.999))
    )


def test_a_site_at_lon_179_99_is_drawn_at_its_neighbourhoods_scale_with_both_sides(
    overpass_server: OverpassServer, tmp_path: Path
) -> None:
    overpass_server.answer = answer(
        way_element(1, {"highway": "residential", "name": "Westkant"}, WEST_OF_THE_LINE),
        way_element(2, {"highway": "residential", "name": "Oostkant"}, EAST_OF_THE_LINE),
    )
    team = team_at(SITE, radius=1500)  # its circle reaches past lon 180
    options = PackOptions(cache_dir=tmp_path / "cache", overpass_url=overpass_server.url)
    progress = SilentProgress()
    with map_stage(options, progress) as stage:
        placed, base = stage.map_team(team, (500.0, 700.0), tmp_path / "work")

    boxes = [tuple(map(float, BBOX.findall(query)[0])) for query in overpass_server.queries]
    assert len(boxes) == 2  # one query per side of the line, each a box Overpass accepts
    assert all(-180 <= west < east <= 180 for _, west, _, east in boxes)
    assert {boxes[0][3], boxes[1][1]} == {180.0, -180.0}
    assert base.data is not None and progress.warnings == []
    extent = base.data.extent
    names = sorted(road.name for road in base.data.roads)
    assert names == ["Oostkant", "Westkant"]  # each once, though both boxes got both
    for road in base.data.roads:
        assert all(extent.west <= lon <= extent.east for lon, _ in road.points)

    folder = tmp_path / "pack"
    folder.mkdir()
    write_poster(placed, base, options, folder, Templates())
    text = squashed(pdf_text(folder / "poster-A1.pdf"))
    scale = re.search(r"schaal1:([\d.]+)", text)
    assert scale is not None, text
    assert 2_000 < int(scale.group(1).replace(".", "")) < 20_000  # not 1:97.000.000
    assert "Westkant" in text and "Oostkant" in text
