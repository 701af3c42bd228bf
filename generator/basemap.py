"""The base map handed from the map stage to the poster: a raster plus where it lies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.geometry import MapView


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
