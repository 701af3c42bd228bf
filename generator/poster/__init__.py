"""The kaartoefening wall poster, its print tiles and its sticker sheet.

``map_frame_mm`` tells the map stage how large the map is printed, so it can choose the zoom;
``write_poster`` writes the poster PDF, its preview, the stickers and, when asked, the tiles.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm

from generator.map.basemap import BaseMap
from generator.model import Team
from generator.options import PackOptions
from generator.poster.document import layout_for, prepare_poster, write_poster_pdf, write_preview
from generator.poster.sheets import write_tiles
from generator.poster.stickers import write_stickers
from generator.poster.style import load_style
from generator.resources import Templates

__all__ = ["map_frame_mm", "write_poster"]

PREVIEW = "poster-preview.png"
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
    return written
