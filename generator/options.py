"""What a facilitator can choose for a pack; the CLI fills it from options and environment."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAPER_SIZES = ("A0", "A1", "A2", "A3")
PRINT_TILE_SIZES = ("A4", "A3")
BASEMAP_KINDS = ("vector", "tiles")
SESSION_MINUTES = (90, 120, 150)  # the draaiboek's lengths: see werkbladen/sessie.toml


@dataclass(frozen=True)
class PackOptions:
    templates_dir: Path | None = None  # --templates: the facilitator's edited templates
    # For the next three, None means: the environment variable if set, else the default (the
    # map stage reads the variables itself, so library callers get the same defaults as the CLI).
    tile_url: str | None = None  # --tiles / BUURTKAART_TILE_URL, else OpenStreetMap
    cache_dir: Path | None = None  # BUURTKAART_CACHE_DIR, else the user cache folder
    geocoder_url: str | None = None  # BUURTKAART_GEOCODER_URL, else Nominatim
    offline: bool = False  # --offline: tiles and geocoding from the cache alone
    contact: str | None = None  # BUURTKAART_CONTACT: e-mail for the User-Agent
    tile_budget: int = 400  # most tiles fetched from the OSM server for one map
    paper: str = "A1"  # --poster-size
    landscape: bool = False  # --landscape
    min_count: int = 3  # --min-count: privacy threshold for participant streets
    print_tiles: str | None = None  # --print-tiles A4|A3
    low_ink: bool = False  # --low-ink: faded base map
    basemap: str = "vector"  # --basemap: "vector" (OSM data drawn as paths) or "tiles" (raster)
    osm_file: Path | None = None  # --osm-file: a local .osm.pbf / .osm extract instead of Overpass
    overpass_url: str | None = None  # BUURTKAART_OVERPASS_URL, else the public main instance
    session_minutes: int = 120  # --session-minutes: the draaiboek's length, one of SESSION_MINUTES
    soffice: str | None = None  # BUURTKAART_SOFFICE, else soffice on the PATH; "" for no PDFs


# The settings the environment may give, by option; read here and nowhere else in a run.
ENVIRONMENT = {
    "tile_url": "BUURTKAART_TILE_URL",
    "cache_dir": "BUURTKAART_CACHE_DIR",
    "geocoder_url": "BUURTKAART_GEOCODER_URL",
    "contact": "BUURTKAART_CONTACT",
    "overpass_url": "BUURTKAART_OVERPASS_URL",
}


def with_environment(
    options: PackOptions, environment: Mapping[str, str] | None = None
) -> PackOptions:
    """The options with each one left unset taken from its environment variable, if set."""
    environment = os.environ if environment is None else environment
    found: dict[str, Any] = {}
    for name, variable in ENVIRONMENT.items():
        value = environment.get(variable)
        if getattr(options, name) is None and value:
            found[name] = Path(value) if name == "cache_dir" else value
    return dataclasses.replace(options, **found)


def options_from_environment(**chosen: Any) -> PackOptions:
    """What the CLI runs with: the options the user chose, the environment for the rest."""
    return with_environment(PackOptions(**chosen))
