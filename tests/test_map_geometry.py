"""Projection, extent and the choice of zoom, checked against known tile coordinates."""

from __future__ import annotations

import math

import pytest
from staticmap.staticmap import _lat_to_y, _lon_to_x

from generator.map.basemap import MAX_PPI, MIN_PPI, choose_view, tiles_of
from generator.map.geometry import Extent, MapView, PageFrame, lonlat_to_tile, tile_to_lonlat
from generator.model import LatLon

DAMPOORT = LatLon(lat=51.0560, lon=3.7410)


@pytest.mark.parametrize(
    ("lon", "lat", "zoom", "tile"),
    [
        (0.0, 0.0, 1, (1, 1)),
        (-180.0, 85.05, 0, (0, 0)),
        (4.3517, 50.8466, 12, (2097, 1374)),  # Brussels, Grote Markt
        (3.7410, 51.0560, 18, (133796, 87695)),  # Gent-Dampoort
        (-0.1276, 51.5072, 10, (511, 340)),  # London
    ],
)
def test_lonlat_to_tile_matches_known_tiles(
    lon: float, lat: float, zoom: int, tile: tuple[int, int]
) -> None:
    x, y = lonlat_to_tile(lon, lat, zoom)
    assert (math.floor(x), math.floor(y)) == tile


@pytest.mark.parametrize("zoom", [3, 12, 17, 19])
def test_projection_agrees_with_staticmap(zoom: int) -> None:
    x, y = lonlat_to_tile(DAMPOORT.lon, DAMPOORT.lat, zoom)
    assert x == pytest.approx(_lon_to_x(DAMPOORT.lon, zoom), abs=1e-9)
    assert y == pytest.approx(_lat_to_y(DAMPOORT.lat, zoom), abs=1e-9)
    lon, lat = tile_to_lonlat(x, y, zoom)
    assert (lat, lon) == pytest.approx((DAMPOORT.lat, DAMPOORT.lon), abs=1e-9)


def test_extent_around_a_site_is_a_square_of_twice_the_radius() -> None:
    extent = Extent.around(DAMPOORT, 1000)
    view = MapView.around(extent.center, 17, 1, 1)
    width_px, height_px = extent.size_px(17)
    assert width_px * view.metres_per_pixel == pytest.approx(2000, rel=0.01)
    assert height_px * view.metres_per_pixel == pytest.approx(2000, rel=0.01)
    assert extent.center.lat == pytest.approx(DAMPOORT.lat, abs=1e-4)


def test_extent_holding_points_adds_the_margin() -> None:
    points = [LatLon(51.05, 3.73), LatLon(51.06, 3.75)]
    extent = Extent.holding(points, 111.32)
    assert extent.south == pytest.approx(51.049)
    assert extent.north == pytest.approx(51.061)
    with pytest.raises(ValueError, match="at least one point"):
        Extent.holding([], 10)


A1_FRAME = (560.0, 700.0)
A3_FRAME = (277.0, 330.0)


@pytest.mark.parametrize("frame", [A1_FRAME, A3_FRAME, (700.0, 480.0)])
@pytest.mark.parametrize("radius", [50, 300, 1000, 2500, 8000])
def test_view_prints_between_100_and_200_ppi_and_holds_the_extent(
    frame: tuple[float, float], radius: int
) -> None:
    extent = Extent.around(DAMPOORT, radius)
    view = choose_view(extent, frame)
    ppi = view.width_px / (frame[0] / 25.4)
    assert MIN_PPI <= ppi <= MAX_PPI
    assert view.height_px / view.width_px == pytest.approx(frame[1] / frame[0], rel=0.01)
    for corner in (
        LatLon(extent.south, extent.west),
        LatLon(extent.north, extent.east),
    ):
        assert view.contains(corner)
    assert view.to_pixel(extent.center) == pytest.approx(
        (view.width_px / 2, view.height_px / 2), abs=1e-6
    )


def test_view_for_512_pixel_tiles_has_twice_the_pixels_at_the_same_zoom() -> None:
    extent = Extent.around(DAMPOORT, 1000)
    small, retina = choose_view(extent, A1_FRAME), choose_view(extent, A1_FRAME, 512)
    assert retina.zoom == small.zoom
    assert retina.width_px == pytest.approx(2 * small.width_px, abs=2)
    assert len(tiles_of(retina)) == pytest.approx(len(tiles_of(small)), abs=20)


def test_scale_denominator_is_ground_over_paper() -> None:
    view = MapView.around(DAMPOORT, 17, 2878, 3597)
    ground_m = 2878 * view.metres_per_pixel
    frame = PageFrame(x=10.0, y=20.0, width=560.0 / 25.4 * 72, height=700.0 / 25.4 * 72)
    assert frame.scale_denominator(view) == pytest.approx(ground_m / 0.56)
    assert 3000 < frame.scale_denominator(view) < 5000


def test_tiles_of_a_view_are_counted_before_fetching() -> None:
    view = MapView(zoom=17, center_x=100.5, center_y=200.3, width_px=512, height_px=256)
    assert tiles_of(view) == [(17, x, y) for x in (99, 100, 101) for y in (199, 200)]
