"""stickers-A4.pdf: each partner's marker, number and name on a label, and blank labels.

The grid is that of the common 3 × 7 label sheets (63.5 × 38.1 mm), so the page prints on
labels as well as on plain paper to cut out along the dotted lines.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib import colors, pagesizes
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from generator.model import Partner, Team
from generator.poster.document import new_canvas, save_canvas
from generator.poster.layout import Rect
from generator.poster.markers import Status, draw_marker, partner_status
from generator.poster.style import PosterStyle
from generator.poster.text import draw_line, one_line, para, widest_word

PAGE = pagesizes.A4
COLUMNS, ROWS = 3, 7
LABEL_W, LABEL_H = 63.5 * mm, 38.1 * mm
PITCH_X = 66.04 * mm
LEFT, TOP = 7.2 * mm, 15.15 * mm
MIN_BLANKS = COLUMNS
TITLE_SIZE = 9.0
KIND_SIZE = 8.0
KIND_LEADING = 1.22
HINT_SIZE = 7.0  # three lines of it fit the strip below the labels
CUT_LINE = colors.HexColor("#B0B8BB")


def write_stickers(team: Team, style: PosterStyle, path: Path) -> None:
    partners = list(team.partners)
    per_page = COLUMNS * ROWS
    total = len(partners) + MIN_BLANKS
    total += -total % per_page  # fill the last sheet with blank labels
    canvas = new_canvas(path, PAGE, style, "Stickers")
    for start in range(0, total, per_page):
        _header(canvas, team, style)
        for slot in range(per_page):
            index = start + slot
            rect = _label_rect(slot)
            _cut_outline(canvas, rect)
            if index < len(partners):
                _partner_label(canvas, rect, partners[index], style)
            else:
                _blank_label(canvas, rect, style)
        canvas.showPage()
    save_canvas(canvas, path)


def _label_rect(slot: int) -> Rect:
    column, row = slot % COLUMNS, slot // COLUMNS
    top = PAGE[1] - TOP - row * LABEL_H
    return Rect(LEFT + column * PITCH_X, top - LABEL_H, LABEL_W, LABEL_H)


def _header(canvas: Canvas, team: Team, style: PosterStyle) -> None:
    """The title in the strip above the labels (one line, cut short if it must) and the hint
    in the strip below them, both clear of the edge an office printer leaves blank."""
    words = style.wording("stickers")
    width = PAGE[0] - 2 * LEFT
    hint = para(words.text("hint"), style.fonts.regular, HINT_SIZE, style.text_colour)
    hint.wrap(width, TOP)
    hint.drawOn(canvas, LEFT, TOP - 2 * mm - hint.height)
    title = one_line(
        words.text("title", organisation=team.organisation.name),
        style.fonts.bold,
        TITLE_SIZE,
        width,
    )
    canvas.setFillColor(style.primary)
    canvas.setFont(style.fonts.bold, TITLE_SIZE)
    canvas.drawString(LEFT, PAGE[1] - TOP + 3 * mm, title)


def _cut_outline(canvas: Canvas, rect: Rect) -> None:
    canvas.setStrokeColor(CUT_LINE)
    canvas.setLineWidth(0.4)
    canvas.setDash(1.5, 2)
    canvas.roundRect(rect.x, rect.y, rect.width, rect.height, 2.5 * mm, 1, 0)
    canvas.setDash()


def _partner_label(canvas: Canvas, rect: Rect, partner: Partner, style: PosterStyle) -> None:
    """Marker and Soort on top, the name below across the whole label: long words still fit."""
    diameter = 13 * mm
    pad = 3.5 * mm
    centre_x, centre_y = rect.x + pad + diameter / 2, rect.top - pad - diameter / 2
    colour = style.kind_colour(partner.kind)
    status = partner_status(partner)
    draw_marker(
        canvas,
        centre_x,
        centre_y,
        diameter,
        colour,
        status,
        str(partner.number),
        style.fonts.bold,
        style.kind_letter(partner.kind),
    )
    kind_x = centre_x + diameter / 2 + 2.5 * mm
    kind_width = rect.right - pad - kind_x
    kind = one_line(partner.kind, style.fonts.regular, KIND_SIZE, kind_width)
    kind_top = centre_y + KIND_SIZE * KIND_LEADING / 2
    line = (kind, style.fonts.regular, KIND_SIZE, style.muted)
    draw_line(canvas, kind_x, kind_top, kind_width, line, KIND_LEADING)
    width = rect.width - 2 * pad
    name_top = centre_y - diameter / 2 - pad * 0.5
    largest = (partner.name, style.fonts.bold, NAME_SIZES[0], style.text_colour)
    if stringWidth(partner.name, style.fonts.bold, NAME_SIZES[0]) <= width:
        draw_line(canvas, rect.x + pad, name_top, width, largest, NAME_LEADING)
        return
    room = rect.height - diameter - 2.5 * pad
    name = _fitted_name(partner.name, width, room, style)
    _, name_height = name.wrap(width, rect.height)
    name.drawOn(canvas, rect.x + pad, name_top - name_height)


NAME_SIZES = (12.0, 11.0, 10.0, 9.0, 8.0, 7.0)  # the first, when the name fits one line of it
NAME_LEADING = 1.12


def _fitted_name(text: str, width: float, room: float, style: PosterStyle) -> Paragraph:
    """The name at the largest size that fits the label; a name too long even at the
    smallest is cut short with an ellipsis (the poster and the list carry it whole)."""
    font = style.fonts.bold

    def fits(candidate: str, size: float) -> Paragraph | None:
        name = para(candidate, font, size, style.text_colour, leading=NAME_LEADING)
        _, height = name.wrap(width, room * 4)
        if height <= room and widest_word(candidate, font, size) <= width:
            return name
        return None

    for size in NAME_SIZES:
        name = fits(text, size)
        if name is not None:
            return name
    words = text.split()
    while len(words) > 1:
        words.pop()
        name = fits(" ".join(words) + " …", NAME_SIZES[-1])
        if name is not None:
            return name
    return para(
        one_line(text, font, NAME_SIZES[-1], width), font, NAME_SIZES[-1], style.text_colour
    )


def _blank_label(canvas: Canvas, rect: Rect, style: PosterStyle) -> None:
    diameter = 13 * mm
    pad = 3.5 * mm
    centre_x, centre_y = rect.x + pad + diameter / 2, rect.top - pad - diameter / 2
    draw_marker(
        canvas, centre_x, centre_y, diameter, CUT_LINE, Status.NOT_KNOWN, "", style.fonts.bold
    )
    canvas.setFillColor(style.muted)
    canvas.setFont(style.fonts.regular, 8)
    label_y = centre_y - diameter / 2 - pad
    canvas.drawString(rect.x + pad, label_y, style.wording("stickers").text("blank_name"))
    canvas.setStrokeColor(CUT_LINE)
    canvas.setLineWidth(0.6)
    for y in (label_y - 1.5 * mm, label_y - 8 * mm):
        canvas.line(rect.x + pad + (12 * mm if y > label_y - 2 * mm else 0), y, rect.right - pad, y)
