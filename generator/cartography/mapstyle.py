"""The look of the vector base map: its palette (huisstijl.toml) and its sizes (kaart.toml).

Sizes are written for an A1 poster; :meth:`MapStyle.road_widths` and
:meth:`MapStyle.label_rules` scale them for the paper and the map's scale.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.colors import Color

from generator.cartography.streetlabels import LabelRules
from generator.errors import TemplateError
from generator.i18n import _
from generator.map.osmdata import RoadClass
from generator.resources import Templates
from generator.templatevalues import colour, section

HOUSE_STYLE_TOML = "huisstijl.toml"
MAP_TOML = "kaart.toml"
PALETTE_KEYS = (
    "land",
    "water",
    "water_line",
    "green",
    "play",
    "cemetery",
    "square",
    "building",
    "building_line",
    "road",
    "road_major",
    "road_casing",
    "path",
    "rail",
    "label",
    "label_halo",
    "low_ink_land",
    "low_ink_line",
    "low_ink_casing",
    "low_ink_label",
)
MM = 72 / 25.4  # points in a millimetre
MAIN_ROADS = (RoadClass.MOTORWAY, RoadClass.TRUNK, RoadClass.PRIMARY, RoadClass.SECONDARY)
# The smallest width of a street's line on paper, whatever the scale: thinner does not print.
THINNEST_MM = 0.25


@dataclass(frozen=True)
class MapStyle:
    palette: dict[str, Color]
    widths_mm: dict[RoadClass, float]
    casing_mm: float
    reference_scale: float
    label_sizes: dict[str, float]
    repeat_mm: float
    max_bend: float
    max_total_bend: float

    def colour(self, key: str) -> Color:
        return self.palette[key]

    def road_widths(self, paper_scale: float, denominator: float) -> dict[RoadClass, float]:
        """Street widths in points for this paper (A1 = 1) and print scale 1:denominator."""
        shrink = min(1.0, math.sqrt(self.reference_scale / max(denominator, 1.0)))
        return {
            road_class: max(width * shrink, THINNEST_MM) * MM * paper_scale
            for road_class, width in self.widths_mm.items()
        }

    def casing(self, paper_scale: float) -> float:
        return self.casing_mm * MM * paper_scale

    def label_halo(self, paper_scale: float) -> float:
        """Points of white around each letter of a street name."""
        return self.label_sizes["residential"] * paper_scale * 0.12

    def label_rules(self, paper_scale: float, advance: Callable[[str, float], float]) -> LabelRules:
        main = self.label_sizes["main"] * paper_scale
        tertiary = self.label_sizes["tertiary"] * paper_scale
        other = self.label_sizes["residential"] * paper_scale
        sizes = {
            road_class: main
            if road_class in MAIN_ROADS
            else tertiary
            if road_class is RoadClass.TERTIARY
            else other
            for road_class in RoadClass
        }
        return LabelRules(
            sizes=sizes,
            repeat=self.repeat_mm * MM * paper_scale,
            halo=self.label_halo(paper_scale),
            max_bend=self.max_bend,
            max_total_bend=self.max_total_bend,
            advance=functools.lru_cache(maxsize=4096)(advance),
        )


def load_map_style(templates: Templates) -> MapStyle:
    house_file = templates.path(HOUSE_STYLE_TOML)
    map_file = templates.path(MAP_TOML)
    palette_raw = section(house_file, templates.toml(HOUSE_STYLE_TOML), "basemap")
    map_raw = templates.toml(MAP_TOML)
    streets = section(map_file, map_raw, "streets")
    labels = section(map_file, map_raw, "street_labels")
    widths = section(map_file, streets, "widths_mm")
    return MapStyle(
        palette={key: colour(house_file, palette_raw, key, "[basemap]") for key in PALETTE_KEYS},
        widths_mm={
            road_class: _number(map_file, widths, road_class.value, "streets.widths_mm")
            for road_class in RoadClass
        },
        casing_mm=_number(map_file, streets, "casing_mm", "streets"),
        reference_scale=_number(map_file, streets, "reference_scale", "streets"),
        label_sizes={
            key: _number(map_file, labels, key, "street_labels")
            for key in ("main", "tertiary", "residential")
        },
        repeat_mm=_number(map_file, labels, "repeat_mm", "street_labels"),
        max_bend=_number(map_file, labels, "max_bend_degrees", "street_labels"),
        max_total_bend=_number(map_file, labels, "max_total_bend_degrees", "street_labels"),
    )


def _number(file: Path, section: dict[str, Any], key: str, where: str) -> float:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise TemplateError(
            _(
                "{file}: [{section}] {key} must be a positive number, not {value}; fix it or "
                "restore the file"
            ).format(file=file, section=where, key=key, value=repr(value))
        )
    return float(value)
