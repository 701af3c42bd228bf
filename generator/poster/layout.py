"""The poster's page template: where the title, the map, the legend and the panel go.

The layout depends on the paper, its orientation, the sizes in poster.toml and, of the team,
only on how many lines its name takes in the title, so the map stage can ask for the map
frame's size before any tile is fetched. The map always keeps its share of the page: a long
partner list goes to a companion sheet rather than shrink the map or its type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib import pagesizes
from reportlab.lib.units import mm

from generator.errors import TemplateError
from generator.i18n import _
from generator.map.geometry import Rect as Rect  # the poster modules know boxes by this name
from generator.options import PAPER_SIZES
from generator.poster.style import PosterStyle

A1_SHORT_SIDE = pagesizes.A1[0]
MM = float(mm)
# The map's share of the page body: of its height in portrait, of its width in landscape.
MAP_SHARE = 0.64
# The panel's least height at A1, in millimetres: its four question cards across (portrait) or
# two by two (landscape), each with its question at body size and room to write.
PANEL_MIN_PORTRAIT_MM = 115
PANEL_MIN_LANDSCAPE_MM = 190
# In portrait, a key too tall for its room takes width from the legend beside it, by steps of
# this share of their row, leaving the legend at least the other share.
KEY_WIDENING_STEP = 0.04
LEGEND_LEAST_SHARE = 0.32


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

    @property
    def gap(self) -> float:
        return 8 * MM * self.scale

    def panel_minimum(self) -> float:
        """The kaartoefening panel's least height: its four questions with room to write."""
        return (
            (PANEL_MIN_LANDSCAPE_MM if self.landscape else PANEL_MIN_PORTRAIT_MM) * MM * self.scale
        )

    def most_legend_height(self, key_height: float) -> float:
        """The legend's room when the key takes ``key_height`` and the panel its minimum."""
        zone = self.text_zone.height - self.panel_minimum() - self.gap
        if self.landscape:
            return zone - key_height - self.gap
        return zone

    def with_key_wide_enough(self, key_height: Callable[[float], float]) -> PosterLayout:
        """In portrait, the key widened (and the legend beside it narrowed) step by step until
        the key's lines, ``key_height(width)`` tall, fit above the panel's minimum, or the
        legend is down to its narrowest. A legend narrowed so that its list no longer fits goes
        to the companion sheet, as any list that does not fit."""
        if self.landscape:
            return self
        most = self.most_legend_height(0.0)
        row = self.key.right - self.legend.x
        step = row * KEY_WIDENING_STEP
        layout = self
        while (
            key_height(layout.key.width) > most
            and layout.legend.width - step >= row * LEGEND_LEAST_SHARE
        ):
            legend, key = layout.legend, layout.key
            layout = dataclasses.replace(
                layout,
                legend=Rect(legend.x, legend.y, legend.width - step, legend.height),
                key=Rect(key.x - step, key.y, key.width + step, key.height),
            )
        return layout

    def with_text_heights(self, legend_height: float, key_height: float) -> PosterLayout:
        """The same page with legend and key as tall as they need; the panel gets the rest.

        In portrait legend and key stand side by side, as tall as the taller; in landscape
        they stand one above the other beside the map. The legend grows only as far as the
        panel's minimum allows (a longer list goes to the companion sheet), but the key always
        gets its height: its few lines are never cut, and a crowded key (notes, earlier
        stickers) takes its room from the panel's cards, whose write-in space can spare it.
        """
        zone = self.text_zone
        legend_height = min(legend_height, self.most_legend_height(key_height))
        if self.landscape:
            legend, rest = zone.split_top(legend_height, self.gap)
            key, panel = rest.split_top(key_height, self.gap)
        else:
            row, panel = zone.split_top(max(legend_height, key_height), self.gap)
            legend = Rect(row.x, row.y, self.legend.width, row.height)
            key = Rect(self.key.x, row.y, self.key.width, row.height)
        return dataclasses.replace(self, legend=legend, key=key, panel=panel)

    def points(self, a1_points: float) -> float:
        return a1_points * self.scale

    def millimetres(self, a1_mm: float) -> float:
        return a1_mm * MM * self.scale


def page_size(paper: str, landscape: bool) -> tuple[float, float]:
    if paper not in PAPER_SIZES:
        raise TemplateError(
            _("poster size {paper} is not supported; choose one of {sizes}").format(
                paper=repr(paper), sizes=", ".join(PAPER_SIZES)
            )
        )
    width, height = getattr(pagesizes, paper)
    short, long = sorted((float(width), float(height)))
    return (long, short) if landscape else (short, long)


def make_layout(
    paper: str, landscape: bool, style: PosterStyle, title_lines: int = 1
) -> PosterLayout:
    """The page; ``title_lines`` > 1 when a long name wraps at the title's smallest size."""
    page = page_size(paper, landscape)
    scale = min(page) / A1_SHORT_SIDE
    inset = max(style.size("safe_margin_mm") * mm, 14 * mm * scale)
    content = Rect(0, 0, *page).inset(inset)
    gap = 8 * mm * scale
    sizes = style.wording("sizes")
    title_height = max(sizes.number("title") * 1.2, sizes.number("title_min") * 1.1 * title_lines)
    header_height = (title_height + sizes.number("subtitle") * 1.4 + 5 * mm) * scale
    header, body = content.split_top(header_height, gap)
    band = sizes.number("grid_label") * 1.7 * scale
    if landscape:
        side, map_block = _split_right(body, body.width * (1 - MAP_SHARE), gap)
        legend, rest = side.split_top(side.height * 0.36, gap)
        key, panel = rest.split_top(rest.height * 0.42, gap)
    else:
        map_block, bottom = body.split_top(body.height * MAP_SHARE, gap)
        upper, panel = bottom.split_top(bottom.height * 0.45, gap)
        legend, key = upper.split_left(upper.width * 0.56, gap)
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
