"""The poster split over office sheets (A4 or A3) that a team glues together into one map.

Every sheet draws the whole poster clipped to its window. (A PDF form drawn once would be
smaller, but reportlab leaves a form's transparency states out of its resources, which makes
an invalid PDF.) The base map image is still embedded once: reportlab shares an image drawn
from the same file across pages. Each sheet overlaps its right and
lower neighbours by a glue strip: cut a sheet along its left and top edge, lay it over the
strip of the sheet before it, and the map runs on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors, pagesizes
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from generator.errors import OutputError
from generator.i18n import _
from generator.options import PRINT_TILE_SIZES
from generator.poster.document import Poster, draw_poster, new_canvas, save_canvas
from generator.poster.layout import Rect
from generator.poster.style import PosterStyle
from generator.poster.text import para

PRINTER_MARGIN = 10 * mm  # what an office printer leaves blank at each edge, with room to spare
GLUE_STRIP = 12 * mm
MARK = colors.HexColor("#555555")
MARK_TEXT_SIZE = 10.0  # glue and cut words: read at arm's length while cutting (9 pt at least)
LABEL_SIZE = 12.0


@dataclass(frozen=True)
class TilePlan:
    sheet: tuple[float, float]
    columns: int
    rows: int
    offset_x: float  # poster x at the left edge of the first column's window
    offset_top: float  # poster y at the top edge of the first row's window

    @property
    def window(self) -> tuple[float, float]:
        return self.sheet[0] - 2 * PRINTER_MARGIN, self.sheet[1] - 2 * PRINTER_MARGIN

    @property
    def step(self) -> tuple[float, float]:
        width, height = self.window
        return width - GLUE_STRIP, height - GLUE_STRIP

    def window_on_poster(self, column: int, row: int) -> Rect:
        width, height = self.window
        step_x, step_y = self.step
        left = self.offset_x + column * step_x
        top = self.offset_top - row * step_y
        return Rect(left, top - height, width, height)


def plan_tiles(poster_page: tuple[float, float], paper: str) -> TilePlan:
    """The orientation of the sheet that needs fewest sheets; the poster centred on them."""
    if paper not in PRINT_TILE_SIZES:
        raise OutputError(
            _("print tiles of {paper} are not supported; choose {sizes}").format(
                paper=repr(paper), sizes=_(" or ").join(PRINT_TILE_SIZES)
            )
        )
    size: tuple[float, float] = getattr(pagesizes, paper)
    candidates = [
        _plan(poster_page, sheet) for sheet in (pagesizes.portrait(size), pagesizes.landscape(size))
    ]
    return min(candidates, key=lambda plan: (plan.columns * plan.rows, plan.rows))


def _plan(poster_page: tuple[float, float], sheet: tuple[float, float]) -> TilePlan:
    width, height = poster_page
    window_w, window_h = sheet[0] - 2 * PRINTER_MARGIN, sheet[1] - 2 * PRINTER_MARGIN
    columns = max(1, math.ceil((width - GLUE_STRIP) / (window_w - GLUE_STRIP)))
    rows = max(1, math.ceil((height - GLUE_STRIP) / (window_h - GLUE_STRIP)))
    covered_w = columns * (window_w - GLUE_STRIP) + GLUE_STRIP
    covered_h = rows * (window_h - GLUE_STRIP) + GLUE_STRIP
    return TilePlan(
        sheet=sheet,
        columns=columns,
        rows=rows,
        offset_x=-(covered_w - width) / 2,
        offset_top=height + (covered_h - height) / 2,
    )


def sheet_number(plan: TilePlan, column: int, row: int) -> int:
    """Sheets are counted row by row from the top left, as one reads: 1, 2, 3 on the top row."""
    return row * plan.columns + column + 1


def sheet_label(plan: TilePlan, column: int, row: int, style: PosterStyle) -> str:
    """ "vel 3 van 15 · rij 1, kolom 3": words no one takes for a paper size or a grid square."""
    return style.wording("tiles").text(
        "label",
        number=sheet_number(plan, column, row),
        count=plan.columns * plan.rows,
        row=row + 1,
        column=column + 1,
    )


def tiles_file_name(poster: Poster, paper: str) -> str:
    return f"poster-{poster.options.paper}-tegels-{paper}.pdf"


def write_tiles(poster: Poster, paper: str, folder: Path) -> str:
    plan = plan_tiles(poster.layout.page, paper)
    name = tiles_file_name(poster, paper)
    path = folder / name
    canvas = new_canvas(path, plan.sheet, poster.style, name)
    _assembly_page(canvas, poster, plan, paper)
    for row in range(plan.rows):
        for column in range(plan.columns):
            _sheet(canvas, poster, plan, column, row)
    save_canvas(canvas, path)
    return name


def _sheet(canvas: Canvas, poster: Poster, plan: TilePlan, column: int, row: int) -> None:
    window = plan.window_on_poster(column, row)
    width, height = plan.window
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(PRINTER_MARGIN, PRINTER_MARGIN, width, height)
    canvas.clipPath(clip, stroke=0, fill=0)
    canvas.translate(PRINTER_MARGIN - window.x, PRINTER_MARGIN - window.y)
    draw_poster(canvas, poster)
    canvas.restoreState()
    _marks(canvas, poster, plan, column, row)
    canvas.showPage()


def _marks(canvas: Canvas, poster: Poster, plan: TilePlan, column: int, row: int) -> None:
    """Corner cut marks, the glue strips along the right and lower edge, and the sheet's name."""
    style = poster.style
    width, height = plan.window
    left, bottom = PRINTER_MARGIN, PRINTER_MARGIN
    right, top = left + width, bottom + height
    reach = PRINTER_MARGIN * 0.8
    canvas.setStrokeColor(MARK)
    canvas.setLineWidth(0.5)
    for x in (left, right):
        canvas.line(x, top + 1.5 * mm, x, top + reach)
        canvas.line(x, bottom - 1.5 * mm, x, bottom - reach)
    for y in (bottom, top):
        canvas.line(left - 1.5 * mm, y, left - reach, y)
        canvas.line(right + 1.5 * mm, y, right + reach, y)
    words = style.wording("tiles")
    canvas.setFont(style.fonts.regular, MARK_TEXT_SIZE)
    canvas.setFillColor(MARK)
    canvas.setDash(2, 2)
    if column < plan.columns - 1:
        strip = right - GLUE_STRIP
        canvas.line(strip, top + 1.5 * mm, strip, top + reach)
        canvas.line(strip, bottom - 1.5 * mm, strip, bottom - reach)
        # The word is wider than the strip: it ends at the strip's edge, its arrow pointing in.
        canvas.drawRightString(strip - 1.5 * mm, top + 3 * mm, f"{words.text('glue')} →")
    if row < plan.rows - 1:
        strip = bottom + GLUE_STRIP
        canvas.line(left - 1.5 * mm, strip, left - reach, strip)
        canvas.line(right + 1.5 * mm, strip, right + reach, strip)
        canvas.saveState()
        canvas.translate(right + 6 * mm, strip + 1.5 * mm)
        canvas.rotate(90)
        canvas.drawString(0, 0, f"← {words.text('glue')}")
        canvas.restoreState()
    canvas.setDash()
    if column > 0:
        _cut_hint(canvas, left - 4.5 * mm, (bottom + top) / 2, 90, words.text("cut"))
    if row > 0:
        _cut_hint(canvas, (left + right) / 2, top + 3 * mm, 0, words.text("cut"))
    canvas.setFillColor(style.text_colour)
    canvas.setFont(style.fonts.bold, LABEL_SIZE)
    label = sheet_label(plan, column, row, style)
    canvas.drawCentredString((left + right) / 2, bottom - 7 * mm, label)


def _cut_hint(canvas: Canvas, x: float, y: float, angle: float, text: str) -> None:
    canvas.saveState()
    canvas.translate(x, y)
    canvas.rotate(angle)
    canvas.drawCentredString(0, 0, f"✂ {text}")
    canvas.restoreState()


def _assembly_page(canvas: Canvas, poster: Poster, plan: TilePlan, paper: str) -> None:
    """A miniature of the poster with every sheet outlined and named, and the steps to follow."""
    style = poster.style
    words = style.wording("tiles")
    short, long = sorted(plan.sheet)
    poster_w, poster_h = poster.layout.page
    page_w, page_h = (short, long) if poster_w < poster_h else (long, short)
    canvas.setPageSize((page_w, page_h))
    margin = 15 * mm
    count = plan.columns * plan.rows
    title = para(
        words.text("assembly_title", count=count, paper=paper), style.fonts.bold, 16, style.primary
    )
    _, title_h = title.wrap(page_w - 2 * margin, page_h)
    title.drawOn(canvas, margin, page_h - margin - title_h)
    steps = [
        para(f"{index}. {text}", style.fonts.regular, 11, style.text_colour)
        for index, text in enumerate(words.texts("assembly_steps"), start=1)
    ]
    y = margin
    for step in reversed(steps):
        _, step_h = step.wrap(page_w - 2 * margin, page_h)
        step.drawOn(canvas, margin, y)
        y += step_h + 2 * mm
    area = Rect(margin, y + 4 * mm, page_w - 2 * margin, page_h - 2 * margin - title_h - y - 4 * mm)
    first = plan.window_on_poster(0, 0)
    last = plan.window_on_poster(plan.columns - 1, plan.rows - 1)
    covered = Rect(first.x, last.y, last.right - first.x, first.top - last.y)
    scale = min(area.width / covered.width, area.height / covered.height)
    origin_x = area.x + (area.width - covered.width * scale) / 2 - covered.x * scale
    origin_y = area.y + (area.height - covered.height * scale) / 2 - covered.y * scale
    canvas.saveState()
    canvas.translate(origin_x, origin_y)
    canvas.scale(scale, scale)
    draw_poster(canvas, poster)
    canvas.restoreState()
    canvas.setStrokeColor(MARK)
    canvas.setLineWidth(0.5)
    canvas.rect(origin_x, origin_y, poster_w * scale, poster_h * scale, stroke=1, fill=0)
    for row in range(plan.rows):
        for column in range(plan.columns):
            window = plan.window_on_poster(column, row)
            step_x, step_y = plan.step
            visible = Rect(window.x, window.top - step_y, step_x, step_y)
            number = str(sheet_number(plan, column, row))
            _outline(canvas, origin_x, origin_y, scale, visible, number, style)
    canvas.showPage()
    canvas.setPageSize(plan.sheet)


def _outline(
    canvas: Canvas,
    origin_x: float,
    origin_y: float,
    scale: float,
    rect: Rect,
    label: str,
    style: PosterStyle,
) -> None:
    x, y = origin_x + rect.x * scale, origin_y + rect.y * scale
    width, height = rect.width * scale, rect.height * scale
    canvas.setStrokeColor(style.primary)
    canvas.setLineWidth(0.8)
    canvas.rect(x, y, width, height, stroke=1, fill=0)
    size = min(width, height) * 0.22
    canvas.setFillColor(colors.Color(1, 1, 1, alpha=0.8))
    canvas.circle(x + width / 2, y + height / 2, size * 0.95, stroke=0, fill=1)
    canvas.setFillColor(style.primary)
    canvas.setFont(style.fonts.bold, size)
    canvas.drawCentredString(x + width / 2, y + height / 2 - size * 0.36, label)
