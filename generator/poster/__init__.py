"""The kaartoefening wall poster, its print tiles and its sticker sheet.

``map_frame_mm`` tells the map stage how large the map is printed, so it can choose the zoom;
``write_poster`` writes the poster PDF, its preview, the stickers, the companion partner list
when the poster cannot hold it and, when asked, the print sheets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.lib.units import mm

from generator.cartography.grid import GridSquares
from generator.cartography.streetindex import IndexSheet, street_index, write_street_index
from generator.map.basemap import BaseMap
from generator.map.placing import street_key
from generator.model import Partner, Team
from generator.options import PackOptions
from generator.poster.document import (
    Poster,
    layout_for,
    prepare_poster,
    write_poster_pdf,
    write_preview,
)
from generator.poster.mapplan import map_grid
from generator.poster.partnerlist import COMPANION_FILE, GridSquare, write_partner_list
from generator.poster.scanmarks import plan_scan_marks, scan_manifest
from generator.poster.sheets import write_tiles
from generator.poster.stickers import write_stickers
from generator.poster.style import Wording, load_style
from generator.resources import Templates

__all__ = ["map_frame_mm", "scan_sheet", "write_poster"]

PREVIEW = "poster-preview.png"
MAP_TOML = "kaart.toml"
STICKERS = "stickers-A4.pdf"


def map_frame_mm(team: Team, options: PackOptions, templates: Templates) -> tuple[float, float]:
    """Width and height in millimetres of the team's printed map frame on this paper.

    The team matters only through its name: one that wraps in the title takes a little height.
    """
    frame = layout_for(team, options, load_style(templates)).map_frame
    return frame.width / mm, frame.height / mm


def scan_sheet(team: Team, base: BaseMap, options: PackOptions, templates: Templates) -> Any:
    """What ``buurtkaart scan`` reads a photo of this team's poster by, for ``pack.json``: the
    QR code's text, the markers, the map frame and its view (from the page layout alone)."""
    style = load_style(templates)
    layout = layout_for(team, options, style)
    marks = plan_scan_marks(team, base.view, layout)
    sheet = scan_manifest(marks, layout, base.view, map_grid(layout, style))
    sheet["poster"] = f"poster-{options.paper}.pdf"
    return sheet


def write_poster(
    team: Team,
    base: BaseMap,
    options: PackOptions,
    folder: Path,
    templates: Templates,
    grid_square: GridSquare | None = None,
) -> list[str]:
    """Write the poster, its preview, the stickers, the partner list when the poster cannot
    hold it, and (with print_tiles) the sheets; their names.

    ``grid_square`` names a partner's square of the map's grid for the partner list; by
    default the square of its place on the map.
    """
    style = load_style(templates)
    poster = prepare_poster(team, base, options, style)
    written = [poster.file_name, PREVIEW, STICKERS]
    write_poster_pdf(poster, folder / poster.file_name)
    write_preview(folder / poster.file_name, folder / PREVIEW)
    write_stickers(team, style, folder / STICKERS)
    if poster.partners_on_companion_sheet:
        off_map = poster.legend.off_map
        squares = grid_square or partner_squares(poster)
        write_partner_list(team, off_map, style, folder / COMPANION_FILE, squares)
        written.append(COMPANION_FILE)
    if options.print_tiles:
        written.append(write_tiles(poster, options.print_tiles, folder))
    if base.data is not None:
        written.append(write_index_sheet(poster, folder))
    return written


def grid_squares(
    team: Team, base: BaseMap, options: PackOptions, templates: Templates
) -> GridSquares:
    """The squares of the poster's grid where each partner and each participant street lies,
    worked out from the page layout alone (no poster is drawn): for the worksheets."""
    style = load_style(templates)
    layout = layout_for(team, options, style)
    grid = map_grid(layout, style)
    frame = layout.map_frame.as_frame()
    projection = frame.projection(base.view)
    partners: dict[int, str] = {}
    for partner in team.partners:
        if partner.coordinates is not None:
            square = grid.square_at(*frame.place(base.view, partner.coordinates))
            partners[partner.number] = square or ""
    named = {} if base.data is None else base.data.named_roads()
    lines = {
        street_key(name): [projection.points(road.points) for road in roads]
        for name, roads in named.items()
    }
    streets: dict[str, str] = {}
    for origin in team.participants:
        own = lines.get(street_key(origin.address.street), [])
        squares = grid.squares_along(own)
        if not squares and origin.coordinates is not None:
            point = grid.square_at(*frame.place(base.view, origin.coordinates))
            squares = [point] if point else []
        streets[origin.address.street] = ", ".join(squares)
    return GridSquares(partners, streets)


def partner_squares(poster: Poster) -> GridSquare:
    """Each partner's grid square on the poster's map: where its true place is."""
    squares = {
        placed.partner.number: poster.plan.grid.square_at(*placed.true_xy) or ""
        for placed in poster.plan.partners
    }

    def square(partner: Partner) -> str:
        return squares.get(partner.number, "")

    return square


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
