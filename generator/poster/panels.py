"""Everything on the poster around the map: title, legend, key with notes, kaartoefening panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Spacer

from generator.model import Team
from generator.poster.layout import PosterLayout, Rect
from generator.poster.mapdraw import draw_participant_symbol
from generator.poster.mapplan import MapPlan
from generator.poster.markers import Status, draw_marker
from generator.poster.previous import counts_by_colour, draw_previous_symbol
from generator.poster.style import PosterStyle, Sticker
from generator.poster.text import (
    SymbolLine,
    coloured,
    draw_column,
    draw_fitted,
    height_of,
    para,
)
from generator.privacy import ParticipantSummary

MIN_CARD_WIDTH_MM = 115  # at A1: the longest question fits on three lines


def format_date(day: date, style: PosterStyle) -> str:
    words = style.wording("title")
    month = words.texts("months")[day.month - 1]
    return words.text("date", day=day.day, month=month, year=day.year)


def draw_header(canvas: Canvas, team: Team, layout: PosterLayout, style: PosterStyle) -> None:
    rect = layout.header
    subtitle_size = layout.points(style.size("subtitle"))
    for index, line in enumerate(_right_lines(team, style)):
        canvas.setFillColor(style.accent if index == 0 else style.text_colour)
        canvas.setFont(style.fonts.bold if index == 0 else style.fonts.regular, subtitle_size)
        baseline = rect.top - subtitle_size * (1.0 + 1.3 * index)
        canvas.drawRightString(rect.right, baseline, line)
    width = title_width(layout, style, team)
    rule = layout.millimetres(1.6)
    subtitle = _one_line(
        _subtitle(team, style),
        style.fonts.regular,
        subtitle_size,
        style.text_colour,
        width,
        canvas,
    )
    subtitle.wrap(width, rect.height)
    subtitle.drawOn(canvas, rect.x, rect.y + rule * 2.5)
    title = _fitted_title(team.organisation.name, width, layout, style, canvas)
    _, title_height = title.wrap(width, rect.height)
    title.drawOn(canvas, rect.x, rect.top - title_height)
    canvas.setFillColor(style.primary)
    canvas.rect(rect.x, rect.y, rect.width, rule, stroke=0, fill=1)


def _one_line(
    text: str, font: str, size: float, colour: Color, width: float, canvas: Canvas
) -> Paragraph:
    """A line shrunk just enough to fit ``width``, so it never wraps into the title."""
    natural = canvas.stringWidth(text, font, size)
    return para(text, font, size * min(1.0, width / max(natural, 1.0) * 0.99), colour)


def _fitted_title(
    name: str,
    width: float,
    layout: PosterLayout,
    style: PosterStyle,
    canvas: Canvas,
) -> Paragraph:
    """The template's title size on one line if the name fits, else smaller on one line down
    to the title's smallest size, else at that size on as many lines as it needs (the layout
    gave the header room for them: see ``title_lines``)."""
    size = layout.points(style.size("title"))
    smallest = layout.points(style.size("title_min"))
    natural = canvas.stringWidth(name, style.fonts.bold, size)
    size = max(smallest, size * min(1.0, width / max(natural, 1.0) * 0.99))
    return para(name, style.fonts.bold, size, style.primary, leading=1.1)


def title_width(layout: PosterLayout, style: PosterStyle, team: Team) -> float:
    """The title's width: the header less the exercise's name and date at its right."""
    subtitle_size = layout.points(style.size("subtitle"))
    right = max(
        stringWidth(line, style.fonts.bold, subtitle_size) for line in _right_lines(team, style)
    )
    return float(layout.header.width - right - layout.millimetres(15))


def title_lines(team: Team, layout: PosterLayout, style: PosterStyle) -> int:
    """How many lines the organisation's name takes at the title's smallest size."""
    width = title_width(layout, style, team)
    smallest = layout.points(style.size("title_min"))
    name = team.organisation.name
    if stringWidth(name, style.fonts.bold, smallest) <= width * 0.99:
        return 1
    title = para(name, style.fonts.bold, smallest, style.primary, leading=1.1)
    title.wrap(width, 1e6)
    return len(title.blPara.lines)


def _right_lines(team: Team, style: PosterStyle) -> list[str]:
    words = style.wording("title")
    lines = [words.text("exercise")]
    if team.organisation.session_date is not None:
        lines.append(format_date(team.organisation.session_date, style))
    return lines


def _subtitle(team: Team, style: PosterStyle) -> str:
    words = style.wording("title")
    organisation = team.organisation
    neighbourhood = organisation.neighbourhood_name or organisation.address.municipality
    if organisation.site:
        return words.text("subtitle", site=organisation.site, neighbourhood=neighbourhood)
    return words.text("subtitle_no_site", neighbourhood=neighbourhood)


def heading(text: str, layout: PosterLayout, style: PosterStyle, factor: float) -> Flowable:
    heading = para(
        text, style.fonts.bold, layout.points(style.size("heading")) * factor, style.primary
    )
    heading.spaceAfter = layout.millimetres(2.5) * factor
    return heading


def marker_symbol(
    colour: Color, status: Status, label: str, diameter: float, style: PosterStyle
) -> Callable[[Canvas, float, float], None]:
    def draw(canvas: Canvas, x: float, y: float) -> None:
        draw_marker(canvas, x, y, diameter, colour, status, label, style.fonts.bold)

    return draw


def body_text(
    text: str, layout: PosterLayout, style: PosterStyle, factor: float, colour: Color | None = None
) -> Flowable:
    size = layout.points(style.size("small")) * factor
    paragraph = para(text, style.fonts.regular, size, colour or style.text_colour)
    paragraph.spaceAfter = size * 0.45
    return paragraph


KEY_FACTORS = (1.0, 0.9, 0.8)  # of the body size: 16 pt at A1 at the least
MARKER_EXAMPLE = 1.7  # the numbered marker shows number and letters: larger than the others


def key_builder(
    team: Team,
    plan: MapPlan,
    participants: ParticipantSummary,
    min_count: int,
    layout: PosterLayout,
    style: PosterStyle,
) -> Callable[[float], list[Flowable]]:
    """How to read the map, then what is not on it and why, at a given size factor."""

    def build(factor: float) -> list[Flowable]:
        return [
            *_key_lines(team, plan, layout, style, factor),
            Spacer(1, layout.millimetres(3) * factor),
            *_notes(team, plan, participants, min_count, layout, style, factor),
        ]

    return build


def draw_key(
    canvas: Canvas, build: Callable[[float], list[Flowable]], layout: PosterLayout
) -> None:
    draw_fitted(canvas, layout.key, build, KEY_FACTORS)


def key_text(text: str, layout: PosterLayout, style: PosterStyle, factor: float) -> Paragraph:
    return para(
        text, style.fonts.regular, layout.points(style.size("body")) * factor, style.text_colour
    )


def _key_lines(
    team: Team, plan: MapPlan, layout: PosterLayout, style: PosterStyle, factor: float
) -> list[Flowable]:
    words = style.wording("key")
    walking = style.wording("walking")
    size = layout.points(style.size("body")) * factor
    diameter = size * 1.25
    width = diameter * 2.2
    neutral = style.text_colour

    def line(
        symbol: Callable[[Canvas, float, float], None], text: str, height: float = diameter
    ) -> Flowable:
        return SymbolLine(symbol, width, key_text(text, layout, style, factor), size * 0.3, height)

    def participants(merged: bool) -> Callable[[Canvas, float, float], None]:
        def draw(canvas: Canvas, x: float, y: float) -> None:
            draw_participant_symbol(canvas, x, y, diameter * 1.6, merged, layout, style)

        return draw

    def ring(canvas: Canvas, x: float, y: float) -> None:
        canvas.setStrokeColor(style.primary)
        canvas.setLineWidth(layout.points(3))
        canvas.setDash(layout.points(8), layout.points(4))
        canvas.line(x - diameter * 0.6, y, x + diameter * 0.6, y)
        canvas.setDash()

    def numbered(canvas: Canvas, x: float, y: float) -> None:
        kind = _example_kind(team, style)
        draw_marker(
            canvas,
            x,
            y,
            diameter * MARKER_EXAMPLE,
            style.kind_colour(kind),
            Status.KNOWN,
            "12",
            style.fonts.bold,
            style.kind_letter(kind),
        )

    minutes = ", ".join(str(item) for item in walking.raw("minutes"))
    example = plan.grid.example_square()
    kind = _example_kind(team, style)
    return [
        heading(words.text("title"), layout, style, factor),
        key_text(words.text("printed"), layout, style, factor),
        line(
            numbered,
            words.text("marker", letter=style.kind_letter(kind), kind=kind.lower()),
            diameter * MARKER_EXAMPLE,
        ),
        line(marker_symbol(neutral, Status.USED, "", diameter, style), words.text("used")),
        line(marker_symbol(neutral, Status.KNOWN, "", diameter, style), words.text("known")),
        line(
            marker_symbol(neutral, Status.NOT_KNOWN, "", diameter, style), words.text("not_known")
        ),
        line(participants(False), words.text("participants")),
        line(participants(True), words.text("participants_postcode")),
        line(
            ring,
            words.text(
                "rings",
                minutes=minutes,
                metres_per_minute=f"{walking.number('metres_per_minute'):g}",
            ),
        ),
        *_previous_line(plan, line, diameter, style),
        key_text(words.text("grid", example=example), layout, style, factor),
    ]


def _previous_line(
    plan: MapPlan,
    line: Callable[[Callable[[Canvas, float, float], None], str, float], Flowable],
    diameter: float,
    style: PosterStyle,
) -> list[Flowable]:
    """The key's line for the stickers of earlier sessions, when the map shows any: a sample
    of each colour there, two by two, and how many of each."""
    counts = counts_by_colour(plan.previous, style)
    if not counts:
        return []
    words = style.wording("key")
    counted = ", ".join(
        words.text("previous_count", count=count, colour_name=sticker.colour_name)
        for sticker, count in counts
    )
    if plan.previous_outside:
        text = words.text("previous_beyond", counts=counted, beyond=plan.previous_outside)
    else:
        text = words.text("previous", counts=counted)
    radius = diameter * 0.36

    def samples(canvas: Canvas, x: float, y: float) -> None:
        for index, (sticker, _) in enumerate(counts):
            column, row = index % 2, index // 2
            dx = (column - 0.5) * radius * 2.3 if len(counts) > 1 else 0.0
            dy = (0.5 - row) * radius * 2.3 if len(counts) > 2 else 0.0
            draw_previous_symbol(canvas, x + dx, y + dy, radius, sticker.colour)

    return [line(samples, text, radius * 2.3 * (2 if len(counts) > 2 else 1))]


def _example_kind(team: Team, style: PosterStyle) -> str:
    """A Soort the team has (the first partner's), so the key's example is one of theirs."""
    kinds = [partner.kind for partner in team.partners if partner.kind in style.kinds]
    return kinds[0] if kinds else next(iter(style.kinds), "")


def kind_letters(team: Team, style: PosterStyle) -> str:
    """Each Soort the team's partners have, with its letters, in the order of huisstijl.toml."""
    used = {partner.kind for partner in team.partners}
    pairs = [f"{kind.letter} {name.lower()}" for name, kind in style.kinds.items() if name in used]
    words = style.wording("key")
    return words.text("letters", letters=", ".join(pairs)) if pairs else words.text("no_letters")


def _notes(
    team: Team,
    plan: MapPlan,
    participants: ParticipantSummary,
    min_count: int,
    layout: PosterLayout,
    style: PosterStyle,
    factor: float,
) -> list[Flowable]:
    words = style.wording("notes")
    size = layout.points(style.size("body")) * factor

    def note(text: str, colour: Color) -> Flowable:
        paragraph = para(text, style.fonts.regular, size, colour)
        paragraph.spaceAfter = size * 0.4
        return paragraph

    notes = [note(words.text("privacy", min_count=min_count), style.muted)]
    if participants.hidden == 1:
        notes.append(note(words.text("participant_hidden_one"), style.text_colour))
    elif participants.hidden > 1:
        notes.append(
            note(words.text("participants_hidden", count=participants.hidden), style.text_colour)
        )
    if plan.site is None:
        notes.append(note(words.text("site_not_placed"), style.text_colour))
    # Beyond the edge, said here only when the key has no line for those on the map.
    if plan.previous_outside == 1 and not plan.previous:
        notes.append(note(words.text("previous_off_map_one"), style.text_colour))
    elif plan.previous_outside > 1 and not plan.previous:
        notes.append(
            note(words.text("previous_off_map", count=plan.previous_outside), style.text_colour)
        )
    off_map = len(partners_off_map(team, plan))
    if off_map == 1:
        notes.append(note(words.text("partner_off_map_one"), style.text_colour))
    elif off_map > 1:
        notes.append(note(words.text("partners_off_map", count=off_map), style.text_colour))
    return notes


def partners_off_map(team: Team, plan: MapPlan) -> frozenset[int]:
    """The numbers of the partners the map cannot show: no place found, or beyond its edge."""
    lost = {partner.number for partner in team.partners if partner.coordinates is None}
    return frozenset(lost | {partner.number for partner in plan.outside})


@dataclass(frozen=True)
class PanelPlan:
    """The kaartoefening panel's parts and where its sticker cards go, before drawing."""

    title: Paragraph
    title_height: float
    intro: Paragraph
    intro_width: float
    intro_height: float
    footer: list[Flowable]
    footer_height: float
    cards: tuple[tuple[Rect, Sticker], ...]


def plan_panel(layout: PosterLayout, style: PosterStyle) -> PanelPlan:
    rect = layout.panel
    words = style.wording("panel")
    pad = layout.millimetres(6)
    inner = rect.inset(pad)
    heading_size = layout.points(style.size("heading")) * 1.15
    title = para(words.text("title"), style.fonts.bold, heading_size, style.primary)
    _, title_height = title.wrap(inner.width * 0.4, inner.height)
    small = layout.points(style.size("small"))
    intro = para(words.text("intro"), style.fonts.regular, small, style.text_colour, "right")
    intro_width = inner.width * 0.58
    _, intro_height = intro.wrap(intro_width, inner.height)
    head = max(title_height, intro_height) + pad * 0.6
    footer = [_labels(layout, style), _tips(layout, style)]
    footer_height = height_of(footer, inner.width)
    cards = Rect(
        inner.x,
        inner.y + footer_height + pad * 0.6,
        inner.width,
        inner.height - head - footer_height - pad * 0.6,
    )
    return PanelPlan(
        title,
        title_height,
        intro,
        intro_width,
        intro_height,
        footer,
        footer_height,
        _card_boxes(cards, layout, style),
    )


def sticker_key(layout: PosterLayout, style: PosterStyle) -> list[Rect]:
    """The boxes of the panel's key to the stickers: the only place their colours appear."""
    return [card for card, _ in plan_panel(layout, style).cards]


def draw_panel(canvas: Canvas, layout: PosterLayout, style: PosterStyle) -> None:
    """The kaartoefening: its four questions, each with its sticker colour and room to write."""
    rect = layout.panel
    pad = layout.millimetres(6)
    plan = plan_panel(layout, style)
    canvas.setFillColor(style.panel)
    canvas.roundRect(rect.x, rect.y, rect.width, rect.height, pad, 0, 1)
    inner = rect.inset(pad)
    plan.title.drawOn(canvas, inner.x, inner.top - plan.title_height)
    head = max(plan.title_height, plan.intro_height)
    plan.intro.drawOn(canvas, inner.right - plan.intro_width, inner.top - head)
    footer = Rect(inner.x, inner.y, inner.width, plan.footer_height)
    draw_column(canvas, footer, plan.footer)
    for card, sticker in plan.cards:
        _draw_card(canvas, card, sticker, layout, style)


def _tips(layout: PosterLayout, style: PosterStyle) -> Flowable:
    words = style.wording("panel")
    size = layout.points(style.size("small"))
    markup = f"<b>{coloured(words.text('tips_title'), style.primary)}:</b> " + "  ".join(
        f"{coloured('►', style.accent)} {coloured(tip, style.text_colour)}"
        for tip in words.texts("tips")
    )
    return para(markup, style.fonts.regular, size * 1.1, style.text_colour, markup=True)


def _labels(layout: PosterLayout, style: PosterStyle) -> Flowable:
    """What the numbered and the blank labels of the sticker sheet are for."""
    words = style.wording("panel")
    size = layout.points(style.size("small")) * 1.1
    markup = f"<b>{coloured(words.text('labels_title'), style.primary)}:</b> " + coloured(
        words.text("labels"), style.text_colour
    )
    paragraph = para(markup, style.fonts.regular, size, style.text_colour, markup=True)
    paragraph.spaceAfter = size * 0.35
    return paragraph


def _card_boxes(
    rect: Rect, layout: PosterLayout, style: PosterStyle
) -> tuple[tuple[Rect, Sticker], ...]:
    """One card per sticker: all across when they fit, else two by two."""
    stickers = style.stickers
    if not stickers:
        return ()
    narrowest = layout.millimetres(MIN_CARD_WIDTH_MM)
    across = next((count for count in (len(stickers), 2) if rect.width / count >= narrowest), 1)
    down = -(-len(stickers) // across)
    gap = layout.millimetres(5)
    width = (rect.width - gap * (across - 1)) / across
    height = (rect.height - gap * (down - 1)) / down
    boxes = []
    for index, sticker in enumerate(stickers):
        column, row = index % across, index // across
        card = Rect(
            rect.x + column * (width + gap),
            rect.top - (row + 1) * height - row * gap,
            width,
            height,
        )
        boxes.append((card, sticker))
    return tuple(boxes)


def _draw_card(
    canvas: Canvas, card: Rect, sticker: Sticker, layout: PosterLayout, style: PosterStyle
) -> None:
    pad = layout.millimetres(4)
    canvas.setFillColor(colors.white)
    canvas.setStrokeColor(sticker.colour)
    canvas.setLineWidth(layout.points(4))
    canvas.roundRect(card.x, card.y, card.width, card.height, pad, 1, 1)
    dot = layout.millimetres(16)
    canvas.setFillColor(sticker.colour)
    canvas.setStrokeColor(style.text_colour)
    canvas.setLineWidth(layout.points(1))
    dot_x, dot_y = card.x + pad + dot / 2, card.top - pad - dot / 2
    canvas.circle(dot_x, dot_y, dot / 2, stroke=1, fill=1)
    size = layout.points(style.size("body")) * 1.05
    text_x = card.x + pad * 2 + dot
    text_width = card.right - pad - text_x
    label = style.wording("panel").text("sticker", colour_name=sticker.colour_name)
    markup = f"<b>{escape(sticker.question)}</b><br/>" + coloured(label, style.muted, size * 0.85)
    question = para(markup, style.fonts.regular, size, style.text_colour, leading=1.18, markup=True)
    _, question_height = question.wrap(text_width, card.height)
    question.drawOn(canvas, text_x, card.top - pad - question_height)
    top_of_lines = min(card.top - pad - question_height, dot_y - dot / 2)
    _draw_write_in_lines(canvas, card, top_of_lines - pad * 0.5, pad, layout)


def _draw_write_in_lines(
    canvas: Canvas, card: Rect, top: float, pad: float, layout: PosterLayout
) -> None:
    """Ruled lines a marker pen can follow, spaced for handwriting read from a distance."""
    spacing = layout.millimetres(11)
    canvas.setStrokeColor(colors.HexColor("#C9D2D5"))
    canvas.setLineWidth(layout.points(1.2))
    y = top - spacing
    while y > card.y + pad * 0.8:
        canvas.line(card.x + pad, y, card.right - pad, y)
        y -= spacing
