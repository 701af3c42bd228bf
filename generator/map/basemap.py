"""The base map handed from the map stage to the poster: a raster plus where it lies."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from generator.errors import MapError
from generator.i18n import _
from generator.map.cachedir import cache_root
from generator.map.geometry import MILLIMETRES_PER_INCH, Extent, MapView
from generator.map.maptiles import (
    FetchPolicy,
    TileCache,
    TileFetcher,
    TileMap,
    TileSource,
    how_to_switch,
    parse_tile_template,
    tile_grid,
)
from generator.map.osmdata import MapData
from generator.map.runstate import MapBudget, RunState
from generator.model import Delimitation, LatLon, Team
from generator.options import PackOptions
from generator.progress import Progress
from generator.resources import Templates

# Tile pixels per printed inch, counted in 256-px tiles (a 512-px @2x tile counts half):
# below 100 the map looks coarse, above 200 OSM's labels shrink under 1.5 mm.
MIN_PPI = 100.0
MAX_PPI = 200.0
MIN_ZOOM = 1
MAX_ZOOM = 19  # the OSM server answers 400 above
SITE_MARGIN = 0.08  # around the site's circle, so its ring does not touch the frame
PARTICIPANT_MARGIN = 0.15
MIN_PARTICIPANT_MARGIN_M = 150.0
# Where a map without any placed record is centred: the middle of Belgium.
BELGIUM = LatLon(lat=50.64, lon=4.67)
FALLBACK_RADIUS_M = 1000
IMAGE_NAME = "basemap.jpg"
JPEG_QUALITY = 90


@dataclass(frozen=True)
class BaseMap:
    """Tiles only, no overlays: the poster draws markers and rings as vectors on top.

    ``image`` is a file of ``view.width_px`` x ``view.height_px`` pixels, or None when no tiles
    could be had (the poster then draws a plain background and says why in ``warning``).
    """

    view: MapView
    image: Path | None
    attribution: str
    low_ink: bool = False
    warning: str | None = None
    data: MapData | None = None  # the vector base map's layers; then ``image`` is None

    @property
    def is_blank(self) -> bool:
        """Neither tiles nor map data: the poster draws a plain background and a note."""
        return self.image is None and self.data is None


def neighbourhood_extent(team: Team) -> Extent | None:
    """The area the map must show, by the team's choice; None when nothing can be placed."""
    organisation = team.organisation
    participants = [record.coordinates for record in team.participants if record.coordinates]
    if organisation.delimitation is Delimitation.PARTICIPANTS and participants:
        points = [*participants]
        if organisation.coordinates is not None:
            points.append(organisation.coordinates)
        span = Extent.holding(points, 0.0)
        width_m, height_m = _extent_size_m(span)
        margin = max(PARTICIPANT_MARGIN * max(width_m, height_m), MIN_PARTICIPANT_MARGIN_M)
        return Extent.holding(points, margin)
    if organisation.coordinates is not None:
        return Extent.around(organisation.coordinates, organisation.radius_m * (1 + SITE_MARGIN))
    others = [record.coordinates for record in team.partners if record.coordinates]
    if participants or others:
        return Extent.holding(participants + others, MIN_PARTICIPANT_MARGIN_M)
    return None


def _extent_size_m(extent: Extent) -> tuple[float, float]:
    view = MapView.around(extent.center, MAX_ZOOM, 1, 1)
    width_px, height_px = extent.size_px(MAX_ZOOM)
    return width_px * view.metres_per_pixel, height_px * view.metres_per_pixel


def choose_view(extent: Extent, frame_mm: tuple[float, float], tile_size: int = 256) -> MapView:
    """The zoom and image size that show the whole extent at 100 to 200 tile pixels per inch.

    Each zoom level doubles the pixels per inch the extent needs, so the lowest zoom that
    reaches 100 stays under 200. Past the highest zoom the map shows more than the extent.
    """
    frame_in = (frame_mm[0] / MILLIMETRES_PER_INCH, frame_mm[1] / MILLIMETRES_PER_INCH)

    def needed_ppi(zoom: int) -> float:
        width_px, height_px = extent.size_px(zoom)
        return max(width_px / frame_in[0], height_px / frame_in[1])

    zoom = next((z for z in range(MIN_ZOOM, MAX_ZOOM + 1) if needed_ppi(z) >= MIN_PPI), MAX_ZOOM)
    ppi = max(needed_ppi(zoom), MIN_PPI) * tile_size / 256
    width_px = math.ceil(frame_in[0] * ppi)
    height_px = math.ceil(frame_in[1] * ppi)
    return MapView.around(extent.center, zoom, width_px, height_px, tile_size)


def tiles_of(view: MapView) -> list[tuple[int, int, int]]:
    """The (z, x, y) tiles fetched for this view."""
    grid = tile_grid(
        view.zoom, view.center_x, view.center_y, view.width_px, view.height_px, view.tile_size
    )
    return [(view.zoom, x, y) for _, _, x, y in grid]


def attribution(source: TileSource, templates: Templates) -> str:
    wording = templates.toml("kaart.toml")["attribution"]
    osm = osm_attribution(templates)
    if source.is_osm:
        return osm
    providers: dict[str, str] = wording.get("providers", {})
    provider = providers.get(source.host) or str(wording["provider"]).format(host=source.host)
    return f"{osm} · {provider}"


def tile_source(options: PackOptions) -> TileSource:
    """The tile server to use: --tiles or BUURTKAART_TILE_URL, else OpenStreetMap."""
    return parse_tile_template(options.tile_url, options.tile_keys)


def make_base_map(
    team: Team,
    frame_mm: tuple[float, float],
    options: PackOptions,
    work_dir: Path,
    progress: Progress,
    *,
    policy: FetchPolicy | None = None,
    state: RunState | None = None,
    budget: MapBudget | None = None,
) -> BaseMap:
    """Fetch and assemble the tiles behind the poster's map frame (``frame_mm`` wide, high).

    Tiles that cannot be had give a BaseMap without image and one warning; what the user must
    change (too many tiles for the OSM server, a broken template URL) raises MapError.
    ``state`` is the run's and ``budget`` the pack's (new ones when not given).
    """
    templates = Templates(options.templates_dir)
    source = tile_source(options)
    credit = attribution(source, templates)
    extent = neighbourhood_extent(team)
    if extent is None:
        return no_extent_base_map(team, frame_mm, options, progress, credit)
    planned = choose_view(extent, frame_mm)
    _check_budget(planned, source, options)
    fetcher = TileFetcher(
        source,
        tile_cache(source, options),
        contact=options.contact,
        offline=options.offline,
        progress=progress,
        budget=budget or MapBudget(options.map_budget_s),
        state=state or RunState(),
        policy=policy,
    )
    try:
        return _render(
            team, planned, extent, frame_mm, fetcher, options, templates, work_dir, credit
        )
    finally:
        fetcher.close()


def no_extent_base_map(
    team: Team,
    frame_mm: tuple[float, float],
    options: PackOptions,
    progress: Progress,
    credit: str,
) -> BaseMap:
    """A map of nowhere in particular, for a team none of whose records could be placed."""
    view = choose_view(Extent.around(BELGIUM, FALLBACK_RADIUS_M), frame_mm)
    warning = _(
        "{workbook}: no address or coordinates could be placed, so the map has no base map; "
        "type the coordinates of the site on sheet '{sheet}'"
    ).format(workbook=team.workbook, sheet=team.organisation.source.sheet)
    progress.warn(warning)
    return BaseMap(view, None, credit, options.low_ink, warning)


def osm_attribution(templates: Templates) -> str:
    """The credit OpenStreetMap's licence asks for, as kaart.toml words it."""
    return str(templates.toml("kaart.toml")["attribution"]["osm"])


def tile_cache(source: TileSource, options: PackOptions) -> TileCache:
    """The disk cache of one tile server: shared by every run and every pack."""
    host = "".join(c if c.isalnum() or c in ".-" else "_" for c in source.host) or "tiles"
    return TileCache(cache_root(options) / "tiles" / host)


def _check_budget(view: MapView, source: TileSource, options: PackOptions) -> None:
    count = len(tiles_of(view))
    if source.is_osm and count > options.tile_budget:
        raise MapError(
            _(
                "this base map needs {count} tiles from {host}, more than the {budget} its "
                "usage policy allows buurtkaart to fetch for one map (bulk downloads are "
                "banned); {fix}, or choose a smaller poster size"
            ).format(count=count, host=source.host, budget=options.tile_budget, fix=how_to_switch())
        )


def _render(
    team: Team,
    planned: MapView,
    extent: Extent,
    frame_mm: tuple[float, float],
    fetcher: TileFetcher,
    options: PackOptions,
    templates: Templates,
    work_dir: Path,
    credit: str,
) -> BaseMap:
    source = fetcher.source
    n = 2**planned.zoom
    first = source.public_url(planned.zoom, int(planned.center_x) % n, int(planned.center_y) % n)
    tile_size = fetcher.probe(first) or source.tile_size
    view = choose_view(extent, frame_mm, tile_size)
    tile_map = TileMap(view.width_px, view.height_px, fetcher, tile_size)
    center = extent.center
    fetcher.progress.start(_("Fetching map tiles"), len(tiles_of(view)))
    try:
        image = tile_map.render(zoom=view.zoom, center=(center.lon, center.lat))
    finally:
        fetcher.progress.finish()
    view = MapView(
        tile_map.zoom,
        tile_map.x_center,
        tile_map.y_center,
        view.width_px,
        view.height_px,
        tile_size,
    )
    warning = _warning(team, fetcher, tile_map, len(tiles_of(view)))
    if warning is not None:
        fetcher.progress.warn(warning)
    if len(tile_map.missing) >= len(tiles_of(view)):
        return BaseMap(view, None, credit, options.low_ink, warning)
    if options.low_ink:
        image = faded(image, float(templates.toml("kaart.toml")["low_ink"]["fade"]))
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / IMAGE_NAME
    image.save(path, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    return BaseMap(view, path, credit, options.low_ink, warning)


def _warning(team: Team, fetcher: TileFetcher, tile_map: TileMap, total: int) -> str | None:
    missing = len(tile_map.missing)
    if not missing:
        return None
    reasons = Counter(fetcher.failures[url] for url in tile_map.missing if url in fetcher.failures)
    reason = reasons.most_common(1)[0][0] if reasons else _("unknown reason")
    host = fetcher.source.host
    if missing >= total:
        return _(
            "{workbook}: no map tiles could be had from {host} ({reason}); the map gets a "
            "plain background under its overlays. Try again later, or {fix}"
        ).format(workbook=team.workbook, host=host, reason=reason, fix=how_to_switch())
    return _(
        "{workbook}: {missing} of {total} map tiles could not be had from {host} ({reason}); "
        "they stay blank on the map. Run again to fetch them (the others are cached), or {fix}"
    ).format(
        workbook=team.workbook,
        missing=missing,
        total=total,
        host=host,
        reason=reason,
        fix=how_to_switch(),
    )


def faded(image: Image.Image, fade: float) -> Image.Image:
    """Grey, and lighter by ``fade`` (0 to 1), so stickers and pens stand out (--low-ink)."""
    grey = ImageOps.grayscale(image)
    keep = 1.0 - min(max(fade, 0.0), 1.0)
    return grey.point([round(255 - (255 - value) * keep) for value in range(256)])
