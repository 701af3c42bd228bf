"""The nearest named street to each sticker, from the map data the pack's map was drawn from.

Only the map data cache is read (offline): a scan never asks a server. A pack whose map data is
not in the cache (a raster map, or the cache cleared) gets no street names.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely import LineString, Point, STRtree

from generator.map.mapdata import MapDataSource
from generator.map.osmdata import MapDataUnavailable
from generator.map.stage import DATA_MARGIN
from generator.model import LatLon
from generator.options import PackOptions, with_environment
from generator.progress import SilentProgress
from generator.scan.sheet import PosterSheet

NEAREST_WITHIN_M = 60.0  # further than this from every named street, a sticker names none


def nearest_streets(sheet: PosterSheet, points_mm: Sequence[tuple[float, float]]) -> list[str]:
    """The nearest named street to each point on the page, or '' where none is near."""
    if not points_mm:
        return []
    # only the cache is read: no progress to show, and a cache that cannot be written is moot
    source = MapDataSource(with_environment(PackOptions(offline=True)), SilentProgress())
    try:
        data = source.get(sheet.view.extent(DATA_MARGIN))
    except MapDataUnavailable:
        return ["" for _point in points_mm]
    finally:
        source.close()
    names: list[str] = []
    lines: list[LineString] = []
    for name, roads in sorted(data.named_roads().items()):
        for road in roads:
            if len(road.points) >= 2:
                names.append(name)
                lines.append(
                    LineString(
                        [sheet.page_mm_of(LatLon(lat=lat, lon=lon)) for lon, lat in road.points]
                    )
                )
    if not lines:
        return ["" for _point in points_mm]
    tree = STRtree(lines)
    reach_mm = NEAREST_WITHIN_M * _mm_per_metre(sheet)
    streets = []
    for x, y in points_mm:
        point = Point(x, y)
        nearest = tree.nearest(point)
        near = nearest is not None and shapely.distance(lines[int(nearest)], point) <= reach_mm
        streets.append(names[int(nearest)] if near else "")
    return streets


def _mm_per_metre(sheet: PosterSheet) -> float:
    return sheet.map_frame.width / (sheet.view.width_px * sheet.view.metres_per_pixel)
