"""The poster's page template: where the title, the map, the legend and the panel go.

The layout depends only on the paper, its orientation and the sizes in poster.toml, never on
the team, so the map stage can ask for the map frame's size before any tile is fetched.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from reportlab.lib import pagesizes
from reportlab.lib.units import mm

from generator.errors import TemplateError
from generator.map.geometry import Rect as Rect  # the poster modules know boxes by this name
from generator.options import PAPER_SIZES
from generator.poster.style import PosterStyle

A1_SHORT_SIDE = pagesizes.A1[0]
MM = float(mm)
# The map's share of the page body (of its height in portrait, its width in landscape), largest
# first. It gives way a step at a time only where a long partner list would otherwise shrink
# the legend below the size that reads from 2 m.
MAP_SHARES = (0.64, 0.6, 0.56, 0.52)


@dataclass(frozen=True)
class PosterLayout:
    page: tuple[float, float]
    scale: float  # sizes in poster.toml are for A1; this multiplies them
    header: Rect
    map_frame: Rect  # the base map image, exactly
    grid_band: float  # room around the map frame for the grid's letters and numbers
    legend: Rect
    key: Rect
    panel: Rect

    @property
    def landscape(self) -> bool:
        return self.page[0] > self.page[1]

    @property
    def text_zone(self) -> Rect:
        """The area that legend, key and panel share below (or beside) the map."""
        top = self.legend.top
        return Rect(self.panel.x, self.panel.y, self.panel.width, top - self.panel.y)

    def most_legend_height(self) -> float:
        return self.text_zone.height * (0.55 if self.landscape else 0.62)

    def with_legend_height(self, height: float) -> PosterLayout:
        """The same page with a taller legend; the kaartoefening panel (and key) give way."""
        zone = self.text_zone
        gap = self.legend.y - self.panel.top if not self.landscape else self.legend.y - self.key.top
        height = min(max(height, self.legend.height), self.most_legend_height())
        legend = Rect(self.legend.x, zone.top - height, self.legend.width, height)
        if self.landscape:
            rest = Rect(zone.x, zone.y, zone.width, zone.height - height - gap)
            key, panel = rest.split_top(rest.height * 0.42, gap)
        else:
            key = Rect(self.key.x, legend.y, self.key.width, height)
            panel = Rect(zone.x, zone.y, zone.width, zone.height - height - gap)
        return dataclasses.replace(self, legend=legend, key=key, panel=panel)

    def points(self, a1_points: float) -> float:
        return a1_points * self.scale

    def millimetres(self, a1_mm: float) -> float:
        return a1_mm * MM * self.scale


def page_size(paper: str, landscape: bool) -> tuple[float, float]:
    if paper not in PAPER_SIZES:
        raise TemplateError(
            f"poster size {paper!r} is not supported; choose one of {', '.join(PAPER_SIZES)}"
        )
    width, height = getattr(pagesizes, paper)
    short, long = sorted((float(width), float(height)))
    return (long, short) if landscape else (short, long)


def make_layout(
    paper: str, landscape: bool, style: PosterStyle, map_share: float = MAP_SHARES[0]
) -> PosterLayout:
    page = page_size(paper, landscape)
    scale = min(page) / A1_SHORT_SIDE
    inset = max(style.size("safe_margin_mm") * mm, 14 * mm * scale)
    content = Rect(0, 0, *page).inset(inset)
    gap = 8 * mm * scale
    sizes = style.wording("sizes")
    header_height = (sizes.number("title") * 1.2 + sizes.number("subtitle") * 1.4 + 5 * mm) * scale
    header, body = content.split_top(header_height, gap)
    band = sizes.number("grid_label") * 1.7 * scale
    if landscape:
        side, map_block = _split_right(body, body.width * (1 - map_share), gap)
        legend, rest = side.split_top(side.height * 0.36, gap)
        key, panel = rest.split_top(rest.height * 0.42, gap)
    else:
        map_block, bottom = body.split_top(body.height * map_share, gap)
        upper, panel = bottom.split_top(bottom.height * 0.45, gap)
        legend, key = upper.split_left(upper.width * 0.62, gap)
    return PosterLayout(
        page=page,
        scale=scale,
        header=header,
        map_frame=map_block.inset(band),
        grid_band=band,
        legend=legend,
        key=key,
        panel=panel,
    )


def _split_right(rect: Rect, width: float, gap: float) -> tuple[Rect, Rect]:
    """The right ``width`` of a box, and what is left of it on the left."""
    right = Rect(rect.right - width, rect.y, width, rect.height)
    left = Rect(rect.x, rect.y, rect.width - width - gap, rect.height)
    return right, left
