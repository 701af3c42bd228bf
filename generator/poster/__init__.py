"""The kaartoefening wall poster, its print tiles and its sticker sheet.

``map_frame_mm`` tells the map stage how large the map is printed, so it can choose the zoom;
``write_poster`` writes the poster PDF, its preview, the stickers and, when asked, the tiles.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm

from generator.cartography.streetindex import IndexSheet, street_index, write_street_index
from generator.map.basemap import BaseMap
from generator.model import Team
from generator.options import PackOptions
from generator.poster.document import (
    Poster,
    layout_for,
    prepare_poster,
    write_poster_pdf,
    write_preview,
)
from generator.poster.sheets import write_tiles
from generator.poster.stickers import write_stickers
from generator.poster.style import Wording, load_style
from generator.resources import Templates

__all__ = ["map_frame_mm", "write_poster"]

PREVIEW = "poster-preview.png"
MAP_TOML = "kaart.toml"
STICKERS = "stickers-A4.pdf"


def map_frame_mm(team: Team, options: PackOptions, templates: Templates) -> tuple[float, float]:
    """Width and height in millimetres of the team's printed map frame on this paper.

    The team matters: a very long partner list takes some of the map's room for its legend.
    """
    frame = layout_for(team, options, load_style(templates)).map_frame
    return frame.width / mm, frame.height / mm


def write_poster(
    team: Team, base: BaseMap, options: PackOptions, folder: Path, templates: Templates
) -> list[str]:
    """Write the poster, its preview, the stickers and (with print_tiles) the tiles; their names."""
    style = load_style(templates)
    poster = prepare_poster(team, base, options, style)
    written = [poster.file_name, PREVIEW, STICKERS]
    write_poster_pdf(poster, folder / poster.file_name)
    write_preview(folder / poster.file_name, folder / PREVIEW)
    write_stickers(team, style, folder / STICKERS)
    if options.print_tiles:
        written.append(write_tiles(poster, options.print_tiles, folder))
    if base.data is not None:
        written.append(write_index_sheet(poster, folder))
    return written


def write_index_sheet(poster: Poster, folder: Path) -> str:
    """The street index of a vector map on A4, with the grid squares of the poster; its name."""
    data = poster.base.data
    if data is None:
        raise ValueError("a street index needs the map data of a vector base map")
    templates = poster.style.templates
    words = Wording(
        templates.path(MAP_TOML), "street_index", templates.toml(MAP_TOML).get("street_index", {})
    )
    plan = poster.plan
    entries = street_index(data, plan.frame.projection(plan.view), plan.grid)
    style = poster.style
    sheet = IndexSheet(
        title=words.text("title"),
        subtitle=words.text("subtitle", organisation=poster.team.organisation.name),
        empty=words.text("empty"),
        font=style.fonts.regular,
        bold=style.fonts.bold,
        text_colour=style.text_colour,
        accent=style.primary,
    )
    name = words.text("file")
    write_street_index(entries, sheet, folder / name)
    return name
