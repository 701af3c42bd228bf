"""The companion sheet "Buurtpartners bij de kaart": the whole partner list, when the poster's
legend cannot hold it at the size that reads from 2 m.

Same numbers, markers and Soort letters as the poster, one row a partner, on as many A4 pages
as it takes (the heading row repeats), with the map's grid square of each partner when the
caller can tell it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reportlab.lib import colors, pagesizes
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, SimpleDocTemplate, Table, TableStyle

from generator.errors import OutputError
from generator.i18n import _
from generator.model import Partner, Team
from generator.poster.markers import draw_marker, partner_status
from generator.poster.style import PosterStyle
from generator.poster.text import draw_line, needs_shaping, para

COMPANION_FILE = "buurtpartners-bij-de-kaart.pdf"
PAGE = pagesizes.A4
MARGIN = 15 * mm
TITLE_SIZE = 20.0
TEXT_SIZE = 12.0  # an A4 sheet read at arm's length beside the poster
LEADING = 1.18
MARKER_DIAMETER = 7.5 * mm
RULE = colors.HexColor("#C9D2D5")
PADDING_X = 6  # reportlab's default left and right padding of a table cell
PADDING_Y = 3
LARGE_HEIGHT = 72000.0  # a cell's room to grow in, as reportlab gives it

# The map's grid square of a partner ("C4"), or "" where the caller cannot tell.
GridSquare = Callable[[Partner], str]


class LineCell(Flowable):  # type: ignore[misc]
    """Text that fits on one line of its cell, drawn where a paragraph would draw it.

    Most cells (number, Soort, square, status, many names) are one short line; parsing and
    breaking each as a paragraph was most of the list's time (25,000 cells at 5,000 partners).
    """

    def __init__(self, text: str, font: str, colour: colors.Color) -> None:
        super().__init__()
        self.text = text
        self.font = font
        self.colour = colour

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, TEXT_SIZE * LEADING
        return self.width, self.height

    def draw(self) -> None:
        line = (self.text, self.font, TEXT_SIZE, self.colour)
        draw_line(self.canv, 0, self.height, self.width, line, LEADING)


class MarkerCell(Flowable):  # type: ignore[misc]
    """The partner's marker as on the poster: shape for what the team knows, Soort letters."""

    def __init__(self, partner: Partner, style: PosterStyle) -> None:
        super().__init__()
        self.partner = partner
        self.style = style
        self.width = self.height = MARKER_DIAMETER

    def draw(self) -> None:
        kind = self.partner.kind
        draw_marker(
            self.canv,
            MARKER_DIAMETER / 2,
            MARKER_DIAMETER / 2,
            MARKER_DIAMETER,
            self.style.kind_colour(kind),
            partner_status(self.partner),
            self.style.kind_letter(kind),
            self.style.fonts.bold,
        )


def write_partner_list(
    team: Team,
    off_map: frozenset[int],
    style: PosterStyle,
    path: Path,
    grid_square: GridSquare | None = None,
) -> None:
    words = style.wording("companion")
    organisation = team.organisation
    document = SimpleDocTemplate(
        str(path),
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        invariant=1,
        pageCompression=1,
        initialFontName=style.fonts.regular,
        title=words.text("title"),
        author="",
        creator="buurtkaart",
    )
    subtitle = " · ".join(part for part in (organisation.name, organisation.site) if part)
    title = para(words.text("title"), style.fonts.bold, TITLE_SIZE, style.primary)
    title.spaceAfter = 2 * mm
    intro = para(
        f"{subtitle}. {words.text('intro')}", style.fonts.regular, TEXT_SIZE, style.text_colour
    )
    intro.spaceAfter = 5 * mm
    story = [title, intro, _table(team, off_map, style, grid_square)]
    try:
        document.build(story)
    except OSError as exc:
        raise OutputError(
            _("cannot write {file}: {reason}").format(file=path, reason=exc.strerror)
        ) from exc


def _table(
    team: Team, off_map: frozenset[int], style: PosterStyle, grid_square: GridSquare | None
) -> Table:
    words = style.wording("companion")
    width = PAGE[0] - 2 * MARGIN
    # The marker column holds its heading "Teken" whole at 12 pt bold, not only the marker.
    fixed = [14 * mm, 20 * mm, 0.0, 46 * mm, 20 * mm, 34 * mm]
    fixed[2] = width - sum(fixed)

    def cell(
        text: str, column: int, bold: bool = False, colour: colors.Color | None = None
    ) -> Flowable:
        font = style.fonts.bold if bold else style.fonts.regular
        room = fixed[column] - 2 * PADDING_X
        if not needs_shaping(text) and stringWidth(text, font, TEXT_SIZE) <= room:
            return LineCell(text, font, colour or style.text_colour)
        return para(text, font, TEXT_SIZE, colour or style.text_colour, leading=LEADING)

    columns = ("number", "marker", "name", "kind", "square", "status")
    heading = [cell(words.text(key), index, bold=True) for index, key in enumerate(columns)]
    rows: list[list[Flowable]] = [list(heading)]
    for partner in team.partners:
        if partner.number in off_map:
            square = cell(words.text("off_map"), 4, colour=style.accent)
        else:
            square = cell(grid_square(partner) if grid_square else "", 4)
        rows.append(
            [
                cell(str(partner.number), 0, bold=True),
                MarkerCell(partner, style),
                cell(partner.name, 2),
                cell(partner.kind, 3),
                square,
                cell(words.text(partner_status(partner).value), 5),
            ]
        )
    table = Table(rows, colWidths=fixed, rowHeights=_row_heights(rows, fixed), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (0, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, style.primary),
                ("LINEBELOW", (0, 1), (-1, -1), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), PADDING_Y),
                ("BOTTOMPADDING", (0, 0), (-1, -1), PADDING_Y),
            ]
        )
    )
    return table


def _row_heights(rows: list[list[Flowable]], widths: list[float]) -> list[float]:
    """Each row's height, measured once the way the table would measure it.

    Left to itself, the table measures every row still to place again at each page break and
    looks for the first unmeasured row from the start each time: quadratic in the partners
    (about 2 s at 3,000 partners). Given the heights, it places the rows as before.
    """
    return [
        max(
            cell.wrap(width - 2 * PADDING_X, LARGE_HEIGHT)[1]
            for cell, width in zip(row, widths, strict=True)
        )
        + (PADDING_Y + PADDING_Y)
        for row in rows
    ]
