"""Web Mercator in one place: lon/lat to tile pixels and to points on the page.

Every overlay (markers, rings, participant circles, grid, scale bar) goes through ``MapView``,
so the vectors drawn by the poster line up with the raster that staticmap assembled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from generator.model import LatLon

EARTH_RADIUS_M = 6378137.0
MAX_LATITUDE = 85.0511287798
POINTS_PER_INCH = 72.0
METRES_PER_INCH = 0.0254
# How far around a view the projection looks for the antimeridian: the map data's margin and
# more, so features that run on past the frame's edge wrap too.
PROJECTION_MARGIN = 0.5


def lonlat_to_tile(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Fractional XYZ tile coordinates, as in the OSM slippy-map convention."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    n = 2.0**zoom
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return x, y


def tile_to_lonlat(x: float, y: float, zoom: int) -> tuple[float, float]:
    n = 2.0**zoom
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat


def metres_per_pixel(lat: float, zoom: int, tile_size: int = 256) -> float:
    """Ground metres covered by one tile pixel at this latitude and zoom."""
    circumference = 2 * math.pi * EARTH_RADIUS_M
    return circumference * math.cos(math.radians(lat)) / (tile_size * 2.0**zoom)


@dataclass(frozen=True)
class MapView:
    """A rectangle of the Mercator plane: what the base map image shows.

    ``center_x``/``center_y`` are in tile units at ``zoom`` (as staticmap's ``x_center`` and
    ``y_center`` after ``render``); ``width_px``/``height_px`` is the image size in pixels of
    ``tile_size``-pixel tiles.
    """

    zoom: int
    center_x: float
    center_y: float
    width_px: int
    height_px: int
    tile_size: int = 256

    @classmethod
    def around(
        cls, center: LatLon, zoom: int, width_px: int, height_px: int, tile_size: int = 256
    ) -> MapView:
        x, y = lonlat_to_tile(center.lon, center.lat, zoom)
        return cls(zoom, x, y, width_px, height_px, tile_size)

    @property
    def center(self) -> LatLon:
        lon, lat = tile_to_lonlat(self.center_x, self.center_y, self.zoom)
        return LatLon(lat=lat, lon=lon)

    def to_pixel(self, point: LatLon) -> tuple[float, float]:
        """Image pixels from the top-left corner of the base map."""
        x, y = lonlat_to_tile(point.lon, point.lat, self.zoom)
        # the copy of the point nearest the view: a map across the date line holds both 179.9
        # and -179.9, one world width apart on the plane
        world = 2.0**self.zoom
        x += world * round((self.center_x - x) / world)
        return (
            (x - self.center_x) * self.tile_size + self.width_px / 2,
            (y - self.center_y) * self.tile_size + self.height_px / 2,
        )

    def extent(self, margin: float = 0.0) -> Extent:
        """The lon/lat rectangle the view shows, grown by ``margin`` of its size on each side."""
        half_w = self.width_px / 2 / self.tile_size * (1 + 2 * margin)
        half_h = self.height_px / 2 / self.tile_size * (1 + 2 * margin)
        west, north = tile_to_lonlat(self.center_x - half_w, self.center_y - half_h, self.zoom)
        east, south = tile_to_lonlat(self.center_x + half_w, self.center_y + half_h, self.zoom)
        return Extent(south=south, west=west, north=north, east=east)

    def contains(self, point: LatLon) -> bool:
        px, py = self.to_pixel(point)
        return 0 <= px <= self.width_px and 0 <= py <= self.height_px

    @property
    def metres_per_pixel(self) -> float:
        return metres_per_pixel(self.center.lat, self.zoom, self.tile_size)


@dataclass(frozen=True)
class Rect:
    """A box on the page in points, origin bottom-left as in reportlab."""

    x: float
    y: float
    width: float
    height: float

    @property
    def top(self) -> float:
        return self.y + self.height

    @property
    def right(self) -> float:
        return self.x + self.width

    def inset(self, amount: float) -> Rect:
        return Rect(
            self.x + amount, self.y + amount, self.width - 2 * amount, self.height - 2 * amount
        )

    def split_top(self, height: float, gap: float = 0.0) -> tuple[Rect, Rect]:
        """The top ``height`` of this box, and what is left below it after ``gap``."""
        top = Rect(self.x, self.top - height, self.width, height)
        rest = Rect(self.x, self.y, self.width, max(0.0, self.height - height - gap))
        return top, rest

    def split_left(self, width: float, gap: float = 0.0) -> tuple[Rect, Rect]:
        left = Rect(self.x, self.y, width, self.height)
        rest = Rect(self.x + width + gap, self.y, max(0.0, self.width - width - gap), self.height)
        return left, rest

    def as_frame(self) -> PageFrame:
        return PageFrame(self.x, self.y, self.width, self.height)

    def meets(self, other: Rect) -> bool:
        """Whether the two boxes share any area (touching edges do not count)."""
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.top
            and other.y < self.top
        )


@dataclass(frozen=True)
class PageFrame:
    """Where the map image is drawn on a page, in points (reportlab: origin bottom-left)."""

    x: float
    y: float
    width: float
    height: float

    def place(self, view: MapView, point: LatLon) -> tuple[float, float]:
        """Page coordinates of a point of the map, for overlays drawn as vectors."""
        px, py = view.to_pixel(point)
        return (
            self.x + px * self.width / view.width_px,
            self.y + self.height - py * self.height / view.height_px,
        )

    def projection(self, view: MapView) -> Projection:
        """The same mapping as :meth:`place`, prepared for many points at once."""
        n = 2.0**view.zoom
        x_scale = self.width / view.width_px * view.tile_size
        y_scale = self.height / view.height_px * view.tile_size
        # the view's centre as a longitude on its own copy of the world (it may pass 180)
        center_lon = view.center_x / n * 360.0 - 180.0
        extent = view.extent(PROJECTION_MARGIN)
        return Projection(
            x_per_degree=x_scale * n / 360.0,
            x_origin=self.x + self.width / 2 + x_scale * (n / 2 - view.center_x),
            y_per_unit=y_scale * n / (2 * math.pi),
            y_origin=self.y + self.height / 2 - y_scale * (n / 2 - view.center_y),
            wrap_around=center_lon if extent.west < -180.0 or extent.east > 180.0 else None,
        )

    def points_per_metre(self, view: MapView) -> float:
        return self.width / view.width_px / view.metres_per_pixel

    def scale_denominator(self, view: MapView) -> float:
        """N in the print scale 1:N (ground metres per paper metre)."""
        paper_metres_per_point = METRES_PER_INCH / POINTS_PER_INCH
        return 1.0 / (self.points_per_metre(view) * paper_metres_per_point)


@dataclass(frozen=True)
class Projection:
    """lon/lat to page points as ``PageFrame.place`` does, without a LatLon per point.

    Web Mercator is linear in longitude and in asinh(tan(latitude)), so a base map of
    thousands of paths projects with two multiplications a point.
    """

    x_per_degree: float
    x_origin: float
    y_per_unit: float
    y_origin: float
    # For a view across the antimeridian, the longitude of its centre: each point is then
    # taken on the copy of the world nearest it (179.9 and -179.9 lie side by side).
    wrap_around: float | None = None

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
        if self.wrap_around is not None:
            lon += 360.0 * round((self.wrap_around - lon) / 360.0)
        return (
            self.x_origin + lon * self.x_per_degree,
            self.y_origin + math.asinh(math.tan(math.radians(lat))) * self.y_per_unit,
        )

    def points(self, coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        """Page points of (lon, lat) pairs."""
        if self.wrap_around is not None:
            return [self.point(lon, lat) for lon, lat in coords]
        x0, xs, y0, ys = self.x_origin, self.x_per_degree, self.y_origin, self.y_per_unit
        asinh, tan, radians = math.asinh, math.tan, math.radians
        return [(x0 + lon * xs, y0 + asinh(tan(radians(lat))) * ys) for lon, lat in coords]


MILLIMETRES_PER_INCH = 25.4
METRES_PER_DEGREE_LATITUDE = 111_320.0


def wrapped_longitude(lon: float) -> float:
    """The same meridian in -180 (inclusive) to 180 degrees."""
    return (lon + 180.0) % 360.0 - 180.0


def longitude_span(lons: list[float]) -> tuple[float, float]:
    """West and east edges of the narrower way round that holds every longitude.

    Points on both sides of the date line (179.9 and -179.9) are 0.2 degrees apart, not
    359.8: then east runs past 180 (180.1 for -179.9), which the Mercator plane takes as is.
    """
    west, east = min(lons), max(lons)
    across = [lon + 360.0 if lon < 0 else lon for lon in lons]
    if max(across) - min(across) < east - west:
        return min(across), max(across)
    return west, east


@dataclass(frozen=True)
class Extent:
    """A lon/lat rectangle the base map must show whole: the neighbourhood plus its margin.

    Across the date line ``east`` is above 180, so ``west < east`` always holds.
    """

    south: float
    west: float
    north: float
    east: float

    @classmethod
    def around(cls, center: LatLon, radius_m: float) -> Extent:
        """The square that holds a circle of ``radius_m`` around ``center``."""
        dlat = radius_m / METRES_PER_DEGREE_LATITUDE
        dlon = radius_m / (METRES_PER_DEGREE_LATITUDE * math.cos(math.radians(center.lat)))
        return cls(center.lat - dlat, center.lon - dlon, center.lat + dlat, center.lon + dlon)

    @classmethod
    def holding(cls, points: list[LatLon], margin_m: float) -> Extent:
        """The smallest rectangle holding every point, grown by ``margin_m`` on each side."""
        if not points:
            raise ValueError("an extent needs at least one point")
        south = min(point.lat for point in points)
        north = max(point.lat for point in points)
        west, east = longitude_span([point.lon for point in points])
        dlat = margin_m / METRES_PER_DEGREE_LATITUDE
        mid_lat = math.radians((south + north) / 2)
        dlon = margin_m / (METRES_PER_DEGREE_LATITUDE * math.cos(mid_lat))
        return cls(south - dlat, west - dlon, north + dlat, east + dlon)

    @property
    def center(self) -> LatLon:
        """The middle in Web Mercator, so the extent sits centred on the map."""
        west_x, north_y = lonlat_to_tile(self.west, self.north, 0)
        east_x, south_y = lonlat_to_tile(self.east, self.south, 0)
        lon, lat = tile_to_lonlat((west_x + east_x) / 2, (north_y + south_y) / 2, 0)
        return LatLon(lat=lat, lon=wrapped_longitude(lon))

    def size_px(self, zoom: int, tile_size: int = 256) -> tuple[float, float]:
        """Width and height in tile pixels at ``zoom``."""
        west_x, north_y = lonlat_to_tile(self.west, self.north, zoom)
        east_x, south_y = lonlat_to_tile(self.east, self.south, zoom)
        return (east_x - west_x) * tile_size, (south_y - north_y) * tile_size
