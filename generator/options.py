"""What a facilitator can choose for a pack, and the one place that reads the environment.

The CLI, the web page and library callers (``generate_packs``) fill the options left unset
from the environment here; every other module takes the values in :class:`PackOptions` and
never looks at ``os.environ`` itself (tests/test_options.py checks that).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAPER_SIZES = ("A0", "A1", "A2", "A3")
PRINT_TILE_SIZES = ("A4", "A3")
BASEMAP_KINDS = ("vector", "tiles")
SESSION_MINUTES = (90, 120, 150)  # the draaiboek's lengths: see werkbladen/sessie.toml


@dataclass(frozen=True)
class PackOptions:
    templates_dir: Path | None = None  # --templates: the facilitator's edited templates
    # For the settings ENVIRONMENT names, None means: the environment variable if set (filled
    # in by with_environment), else the default.
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
    # The values of the {env:NAME} placeholders of tile_url (API keys), read with the rest.
    tile_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Seconds the map stage of one pack may take: geocoding, map data and tiles together.
    # Then the pack is written without what is missing, and the run ends with exit 3.
    map_budget_s: float = 900.0


# The settings the environment may give, by option; read here and nowhere else in a run.
ENVIRONMENT = {
    "tile_url": "BUURTKAART_TILE_URL",
    "cache_dir": "BUURTKAART_CACHE_DIR",
    "geocoder_url": "BUURTKAART_GEOCODER_URL",
    "contact": "BUURTKAART_CONTACT",
    "overpass_url": "BUURTKAART_OVERPASS_URL",
    "soffice": "BUURTKAART_SOFFICE",
}
# Settings for which an empty variable is a choice ("" for soffice: no PDFs), not "unset".
EMPTY_IS_A_CHOICE = ("soffice",)
# The same choice in words: PowerShell and cmd delete a variable set to an empty value.
NO_SOFFICE = ("none", "geen")
# A tile template's {env:NAME}: an API key taken from the environment variable NAME.
TILE_KEY_PLACEHOLDER = re.compile(r"\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


def tile_keys(template: str | None, environment: Mapping[str, str] | None = None) -> dict[str, str]:
    """The values of the ``{env:NAME}`` placeholders in a tile template that are set."""
    environment = os.environ if environment is None else environment
    names = TILE_KEY_PLACEHOLDER.findall(template or "")
    return {name: environment[name] for name in names if environment.get(name)}


def with_environment(
    options: PackOptions, environment: Mapping[str, str] | None = None
) -> PackOptions:
    """The options with each one left unset taken from its environment variable, if set."""
    environment = os.environ if environment is None else environment
    found: dict[str, Any] = {}
    for name, variable in ENVIRONMENT.items():
        value = environment.get(variable)
        if getattr(options, name) is None and (
            value or (value == "" and name in EMPTY_IS_A_CHOICE)
        ):
            found[name] = Path(value) if name == "cache_dir" else value
    if found.get("soffice", "").strip().lower() in NO_SOFFICE:
        found["soffice"] = ""
    keys = tile_keys(found.get("tile_url", options.tile_url), environment)
    found["tile_keys"] = {**keys, **options.tile_keys}
    return dataclasses.replace(options, **found)


def options_from_environment(**chosen: Any) -> PackOptions:
    """What the CLI runs with: the options the user chose, the environment for the rest."""
    return with_environment(PackOptions(**chosen))


LANGUAGE_ENV = "BUURTKAART_LANG"
# gettext's own order: the first of these that is set names the system's languages.
LOCALE_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language_settings(environment: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """The language BUURTKAART_LANG asks for ("" when unset), and the system's locale names
    in its order of preference ([] when no variable names them)."""
    environment = os.environ if environment is None else environment
    asked = environment.get(LANGUAGE_ENV, "").strip().lower()
    for variable in LOCALE_ENV:
        value = environment.get(variable)
        if value:
            return asked, value.split(":")
    return asked, []


def source_date_epoch(environment: Mapping[str, str] | None = None) -> int | None:
    """SOURCE_DATE_EPOCH, the time reproducible builds stamp into files, if set to a number."""
    environment = os.environ if environment is None else environment
    value = environment.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else None
