"""The legend: every partner's number, marker, name and Soort, in balanced columns.

It is planned once per poster, before anything is drawn: the largest size (never below the
size that reads from 2 m) in the fewest columns that fits the room the panel can give. A list
that does not fit even then goes whole to the companion sheet "Buurtpartners bij de kaart",
and the legend says where to find it: the numbers on the map stay one unbroken run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeVar

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from generator.model import Partner, Team
from generator.poster.layout import PosterLayout, Rect
from generator.poster.markers import partner_status
from generator.poster.panels import body_text, heading, kind_letters, marker_symbol
from generator.poster.style import PosterStyle
from generator.poster.text import SymbolLine, coloured, draw_column, height_of, para

# Of the body size (20 pt at A1): the smallest, 0.8, is 16 pt, which reads from 2 m.
FACTORS = (1.25, 1.1, 1.0, 0.9, 0.8)
MIN_LEGEND_FACTOR = FACTORS[-1]
MIN_COLUMN_MM = 100  # at A1
LEADING = 1.18
MARKER_SHARE = 1.3  # the marker's diameter, of the text size: as tall as a line and a little
SPACE_AFTER = 0.3  # between entries, of the text size

T = TypeVar("T")


@dataclass(frozen=True)
class LegendFit:
    counts: tuple[int, ...]  # entries per column, in order
    factor: float
    height: float  # the tallest column


@dataclass(frozen=True)
class LegendPlan:
    """What the legend shows: the partners in columns, or (``fit`` None) where the list is."""

    fit: LegendFit | None
    off_map: frozenset[int]  # numbers of the partners the map does not show
    height: float  # the legend's whole height, its heading included


def entry_size(layout: PosterLayout, style: PosterStyle, factor: float) -> float:
    return layout.points(style.size("body")) * factor


def legend_entry(
    partner: Partner,
    number_width: float,
    off_map: bool,
    layout: PosterLayout,
    style: PosterStyle,
    factor: float,
) -> Flowable:
    """Number (as large as the name), marker with the Soort's letters, name, Soort."""
    size = entry_size(layout, style, factor)
    words = style.wording("legend")
    markup = coloured(partner.name, style.text_colour)
    if partner.kind:
        markup += "  " + coloured(words.text("kind", kind=partner.kind), style.muted)
    if off_map:
        markup += "  " + coloured(words.text("off_map"), style.accent)
    text = para(markup, style.fonts.regular, size, style.text_colour, markup=True, leading=LEADING)
    diameter = size * MARKER_SHARE
    marker = marker_symbol(
        style.kind_colour(partner.kind),
        partner_status(partner),
        style.kind_letter(partner.kind),
        diameter,
        style,
    )
    gap = size * 0.35

    def symbol(canvas: Canvas, _x: float, y: float) -> None:
        canvas.setFillColor(style.text_colour)
        canvas.setFont(style.fonts.bold, size)
        canvas.drawRightString(number_width, y - size * 0.36, str(partner.number))
        marker(canvas, number_width + gap + diameter / 2, y)

    width = number_width + gap * 2 + diameter
    return SymbolLine(symbol, width, text, size * SPACE_AFTER, diameter)


def number_width(partners: Collection[Partner], size: float, style: PosterStyle) -> float:
    """Room for the longest number, so the markers after the numbers stand in one column."""
    digits = max((len(str(partner.number)) for partner in partners), default=1)
    return float(stringWidth("0" * digits, style.fonts.bold, size))


def _heading(layout: PosterLayout, style: PosterStyle) -> Flowable:
    return heading(style.wording("legend").text("title"), layout, style, 1.0)


def _heading_height(width: float, layout: PosterLayout, style: PosterStyle) -> float:
    title = _heading(layout, style)
    _, height = title.wrap(width, 1e6)
    return float(height + title.spaceAfter)


def _column_width(width: float, columns: int, layout: PosterLayout) -> float:
    return (width - layout.millimetres(6) * (columns - 1)) / columns


def balanced_columns(heights: list[float], columns: int) -> tuple[int, ...]:
    """How many items, in order, go in each of at most ``columns`` columns, so that the
    tallest column is as short as it can be (long names wrap, so equal counts would not do)."""

    def split(limit: float) -> list[int]:
        counts: list[int] = []
        room = 0.0
        for height in heights:
            if counts and room + height <= limit:
                counts[-1] += 1
                room += height
            else:
                counts.append(1)
                room = height
        return counts

    low, high = max(heights), sum(heights)
    for _ in range(40):  # halving the gap between two heights in points; 40 is past 1e-9 pt
        middle = (low + high) / 2
        if len(split(middle)) <= columns:
            high = middle
        else:
            low = middle
    return tuple(split(high))


def _in_columns(items: list[T], counts: tuple[int, ...]) -> list[list[T]]:
    starts = [sum(counts[:index]) for index in range(len(counts))]
    return [items[start : start + count] for start, count in zip(starts, counts, strict=True)]


EntryMaker = Callable[[Partner, float], Flowable]


def fit_legend(
    partners: list[Partner],
    make_entry: EntryMaker,
    width: float,
    height: float,
    layout: PosterLayout,
    style: PosterStyle,
) -> LegendFit | None:
    """The largest size in the fewest columns whose tallest column fits ``height``.

    Each entry is built once per size. A size at which even one line per entry cannot fit
    the columns is passed over without wrapping a single name, so a list of a thousand
    partners is sent to the companion sheet at once.
    """
    max_columns = max(1, int(width // layout.millimetres(MIN_COLUMN_MM)))
    for factor in FACTORS:
        one_line = entry_size(layout, style, factor) * (MARKER_SHARE + SPACE_AFTER)
        if len(partners) * one_line > height * max_columns:
            continue
        entries = [make_entry(partner, factor) for partner in partners]
        for columns in range(1, max_columns + 1):
            column_width = _column_width(width, columns, layout)
            heights = [height_of([entry], column_width) for entry in entries]
            if sum(heights) > height * columns:
                continue
            counts = balanced_columns(heights, columns)
            tallest = max(sum(column) for column in _in_columns(heights, counts))
            if tallest <= height:
                return LegendFit(counts, factor, tallest)
    return None


def _entry_maker(
    partners: list[Partner], off_map: frozenset[int], layout: PosterLayout, style: PosterStyle
) -> EntryMaker:
    widths = {
        factor: number_width(partners, entry_size(layout, style, factor), style)
        for factor in FACTORS
    }

    def make(partner: Partner, factor: float) -> Flowable:
        off = partner.number in off_map
        return legend_entry(partner, widths[factor], off, layout, style, factor)

    return make


def plan_legend(
    team: Team,
    off_map: frozenset[int],
    key_height: float,
    layout: PosterLayout,
    style: PosterStyle,
) -> LegendPlan:
    """Fit the partners into the legend's box, growing it up to what the key and the panel
    leave; ``key_height`` is the key's at its smallest size."""
    rect = layout.legend
    head = _heading_height(rect.width, layout, style)
    partners = list(team.partners)
    if not partners:
        return LegendPlan(None, off_map, rect.height)
    make = _entry_maker(partners, off_map, layout, style)
    room = layout.most_legend_height(key_height) - head
    fit = fit_legend(partners, make, rect.width, room, layout, style)
    if fit is None:
        note = height_of(_companion_note(team, layout, style), rect.width)
        return LegendPlan(None, off_map, head + note)
    return LegendPlan(fit, off_map, head + fit.height)


def on_companion_sheet(team: Team, legend: LegendPlan) -> bool:
    return legend.fit is None and bool(team.partners)


def _companion_note(team: Team, layout: PosterLayout, style: PosterStyle) -> list[Flowable]:
    """Where the list is, and the Soort letters the map's markers use."""
    words = style.wording("legend")
    size = entry_size(layout, style, 1.0)
    lines = [words.text("on_companion", count=len(team.partners)), kind_letters(team, style)]
    paragraphs = [para(line, style.fonts.regular, size, style.text_colour) for line in lines]
    for paragraph in paragraphs:
        paragraph.spaceAfter = size * 0.5
    return paragraphs


def draw_legend(
    canvas: Canvas, team: Team, legend: LegendPlan, layout: PosterLayout, style: PosterStyle
) -> None:
    rect = layout.legend
    title = _heading(layout, style)
    _, title_height = title.wrap(rect.width, rect.height)
    title.drawOn(canvas, rect.x, rect.top - title_height)
    body = Rect(rect.x, rect.y, rect.width, rect.height - title_height - title.spaceAfter)
    partners = list(team.partners)
    if not partners:
        empty = body_text(style.wording("legend").text("empty"), layout, style, 1.0)
        draw_column(canvas, body, [empty])
        return
    if legend.fit is None:
        draw_column(canvas, body, _companion_note(team, layout, style))
        return
    make = _entry_maker(partners, legend.off_map, layout, style)
    column_width = _column_width(body.width, len(legend.fit.counts), layout)
    for index, chunk in enumerate(_in_columns(partners, legend.fit.counts)):
        x = body.x + index * (column_width + layout.millimetres(6))
        entries = [make(partner, legend.fit.factor) for partner in chunk]
        draw_column(canvas, Rect(x, body.y, column_width, body.height), entries)
