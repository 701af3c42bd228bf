"""The legend: every partner's marker, number, name and Soort, in balanced columns.

It is sized before it is drawn, so the poster can give it more room when a team lists many
partners or long names: first from the kaartoefening panel, then, for very long lists, from
the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from generator.model import Partner, Team
from generator.poster.layout import PosterLayout, Rect
from generator.poster.markers import partner_status
from generator.poster.panels import body_text, heading, marker_symbol
from generator.poster.style import PosterStyle
from generator.poster.text import SymbolLine, coloured, draw_column, height_of, para

FACTORS = (1.25, 1.1, 1.0, 0.9, 0.8)  # body 20 pt x 0.8 = 16 pt at A1: readable from 2 m
MIN_LEGEND_FACTOR = FACTORS[-1]
# Only for very long lists (40 partners, long names): a complete legend read from 1 m beats a
# cut-off one read from 2 m.
LAST_RESORT_FACTORS = (0.7, 0.6)
MIN_COLUMN_MM = 100  # at A1

T = TypeVar("T")


@dataclass(frozen=True)
class LegendFit:
    counts: tuple[int, ...]  # entries per column, in order
    factor: float
    height: float  # the tallest column


def legend_entry(
    partner: Partner, layout: PosterLayout, style: PosterStyle, factor: float
) -> Flowable:
    size = layout.points(style.size("body")) * factor
    diameter = size * 1.55
    markup = coloured(partner.name, style.text_colour)
    if partner.kind:
        markup += "  " + coloured(partner.kind, style.muted, size * 0.85)
    text = para(markup, style.fonts.regular, size, style.text_colour, markup=True, leading=1.18)
    symbol = marker_symbol(
        style.kind_colour(partner.kind),
        partner_status(partner),
        str(partner.number),
        diameter,
        style,
    )
    return SymbolLine(symbol, diameter * 1.35, text, size * 0.45, diameter)


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


def fit_legend(
    partners: list[Partner],
    width: float,
    height: float,
    layout: PosterLayout,
    style: PosterStyle,
    factors: tuple[float, ...] = FACTORS,
) -> LegendFit | None:
    """The largest size in the fewest columns whose tallest column fits ``height``."""
    max_columns = max(1, int(width // layout.millimetres(MIN_COLUMN_MM)))
    for factor in factors:
        # Parsing a paragraph's markup costs more than wrapping it: build each entry once.
        entries = [legend_entry(partner, layout, style, factor) for partner in partners]
        for columns in range(1, max_columns + 1):
            column_width = _column_width(width, columns, layout)
            heights = [height_of([entry], column_width) for entry in entries]
            counts = balanced_columns(heights, columns)
            tallest = max(sum(column) for column in _in_columns(heights, counts))
            if tallest <= height:
                return LegendFit(counts, factor, tallest)
    return None


def legend_reads_from_afar(team: Team, layout: PosterLayout, style: PosterStyle) -> bool:
    """Whether every partner fits the legend at its smallest readable size, on this page."""
    partners = list(team.partners)
    if not partners:
        return True
    width = layout.legend.width
    room = layout.most_legend_height() - _heading_height(width, layout, style)
    # Smaller type never needs more room, so the smallest readable size answers for all.
    return fit_legend(partners, width, room, layout, style, (MIN_LEGEND_FACTOR,)) is not None


def legend_height_needed(
    team: Team, rect: Rect, most: float, layout: PosterLayout, style: PosterStyle
) -> float:
    """The legend's height: its box as laid out if that will do, else up to ``most``."""
    partners = list(team.partners)
    if not partners:
        return rect.height
    head = _heading_height(rect.width, layout, style)
    if fit_legend(partners, rect.width, rect.height - head, layout, style) is not None:
        return rect.height
    fit = fit_legend(partners, rect.width, most - head, layout, style)
    return most if fit is None else max(rect.height, fit.height + head)


def draw_legend(canvas: Canvas, team: Team, layout: PosterLayout, style: PosterStyle) -> None:
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
    factors = (*FACTORS, *LAST_RESORT_FACTORS)
    fit = fit_legend(partners, body.width, body.height, layout, style, factors)
    if fit is None:
        _draw_overflowing(canvas, partners, body, layout, style)
        return
    column_width = _column_width(body.width, len(fit.counts), layout)
    for index, chunk in enumerate(_in_columns(partners, fit.counts)):
        x = body.x + index * (column_width + layout.millimetres(6))
        entries = [legend_entry(partner, layout, style, fit.factor) for partner in chunk]
        draw_column(canvas, Rect(x, body.y, column_width, body.height), entries)


def _draw_overflowing(
    canvas: Canvas, partners: list[Partner], body: Rect, layout: PosterLayout, style: PosterStyle
) -> None:
    """More partners than even the smallest legend holds: fill columns in order, then say how
    many are left, so the numbers on the map stay in one unbroken run."""
    columns = max(1, int(body.width // layout.millimetres(MIN_COLUMN_MM)))
    column_width = _column_width(body.width, columns, layout)
    factor = LAST_RESORT_FACTORS[-1]
    reserve = layout.points(style.size("small")) * factor * 2.6
    queue = list(partners)
    for index in range(columns):
        room = body.height - (reserve if index == columns - 1 else 0.0)
        entries: list[Flowable] = []
        while queue:
            entry = legend_entry(queue[0], layout, style, factor)
            if height_of([*entries, entry], column_width) > room:
                break
            entries.append(entry)
            queue.pop(0)
        if index == columns - 1 and queue:
            overflow = style.wording("legend").text("overflow", count=len(queue))
            entries.append(body_text(overflow, layout, style, factor))
        x = body.x + index * (column_width + layout.millimetres(6))
        draw_column(canvas, Rect(x, body.y, column_width, body.height), entries)
