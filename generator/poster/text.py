"""Text on the poster: shaped paragraphs, and fitting a column of them into a box.

Names come from workbooks in any script, so all text a team typed goes through a Paragraph.
Text in a script that needs it (Arabic, Hebrew, Indic) is shaped with HarfBuzz: joined and laid
out right to left. Other text is not, because reportlab's shaping also turns on DejaVu's
discretionary ligatures, which print "st" in "Vestiging" as an odd joined glyph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, Paragraph

from generator.poster.layout import Rect

ALIGNMENTS = {"left": TA_LEFT, "centre": TA_CENTER, "right": TA_RIGHT}


def para(
    text: str,
    font: str,
    size: float,
    colour: Color,
    align: str = "left",
    leading: float = 1.22,
    markup: bool = False,
) -> Paragraph:
    """A paragraph of ``text``; ``markup`` means the caller already escaped and tagged it."""
    shaping = needs_shaping(text)
    style = ParagraphStyle(
        name="poster",
        fontName=font,
        fontSize=size,
        leading=size * leading,
        textColor=colour,
        alignment=ALIGNMENTS[align],
        shaping=shaping,
        splitLongWords=True,
    )
    return MeasuredParagraph(text if markup else escape(text), style)


class MeasuredParagraph(Paragraph):  # type: ignore[misc]
    """A paragraph that keeps its lines for the width it was last wrapped to.

    A table measures a cell and wraps it again to draw it; fitting wraps it to measure before
    drawing: breaking the same lines again for the same width is a good part of a partner
    list's time. The lines depend on the width alone (the style stays as it was made).
    """

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._wrapped is None or self._wrapped[0] != availWidth:
            self._wrapped = (availWidth, super().wrap(availWidth, availHeight))
        return self._wrapped[1]


def draw_line(
    canvas: Canvas,
    x: float,
    top: float,
    width: float,
    line: tuple[str, str, float, Color],
    leading: float = 1.22,
) -> None:
    """A line of ``(text, font, size, colour)`` that fits ``width``, its top at ``top``, drawn
    where a paragraph would draw it but without parsing and breaking one: thousands of cells
    and labels at thousands of partners. Text that needs shaping still goes through one."""
    text, font, size, colour = line
    if needs_shaping(text):
        paragraph = para(text, font, size, colour, leading=leading)
        _, height = paragraph.wrap(width, size * leading * 4)
        paragraph.drawOn(canvas, x, top - height)
        return
    canvas.setFillColor(colour)
    canvas.setFont(font, size)
    canvas.drawString(x, top - size, " ".join(text.split()))


def needs_shaping(text: str) -> bool:
    """Whether ``text`` holds a script whose letters join or run right to left."""
    return any(0x0590 <= code <= 0x0DFF or 0xFB1D <= code <= 0xFEFF for code in map(ord, text))


def widest_word(text: str, font: str, size: float) -> float:
    """Width of the longest word, to pick a size at which no word must be broken."""
    return max((stringWidth(word, font, size) for word in text.split()), default=0.0)


def one_line(text: str, font: str, size: float, width: float) -> str:
    """``text`` as it fits on one line of ``width``: whole, or cut short with an ellipsis."""
    if stringWidth(text, font, size) <= width:
        return text
    words = text.split()
    while len(words) > 1:
        words.pop()
        shortened = " ".join(words).rstrip(",.:;·-–") + " …"
        if stringWidth(shortened, font, size) <= width:
            return shortened
    characters = text
    while characters and stringWidth(characters + "…", font, size) > width:
        characters = characters[:-1]
    return characters + "…"


def coloured(text: str, colour: Color, size: float | None = None) -> str:
    """Paragraph markup for a run of ``text`` in another colour (and size)."""
    size_attribute = f' size="{size:.2f}"' if size else ""
    return f'<font color="{colour.hexval()}"{size_attribute}>{escape(text)}</font>'


def height_of(flowables: Sequence[Flowable], width: float) -> float:
    total = 0.0
    for flowable in flowables:
        _, height = flowable.wrap(width, 1e6)
        total += height + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def draw_fitted(
    canvas: Canvas,
    rect: Rect,
    build: Callable[[float], list[Flowable]],
    factors: Sequence[float] = (1.0, 0.92, 0.84, 0.76, 0.68, 0.6),
) -> float:
    """Draw the largest version of a column of text that fits ``rect``; returns its factor.

    ``build(factor)`` makes the flowables with every size multiplied by ``factor``. The layout
    gives ``rect`` at least the smallest version's height; if even that does not fit, drawing
    it raises (see ``draw_column``).
    """
    chosen = factors[-1]
    for factor in factors:
        if height_of(build(factor), rect.width) <= rect.height:
            chosen = factor
            break
    draw_column(canvas, rect, build(chosen))
    return chosen


def draw_column(canvas: Canvas, rect: Rect, flowables: list[Flowable]) -> None:
    """Flowables from the top of ``rect`` down.

    The layout measures every column before giving it a box, so text that does not fit is a
    bug in that measuring: it raises rather than leave words off a poster without a trace.
    """
    frame = Frame(
        rect.x,
        rect.y,
        rect.width,
        rect.height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    left_out = list(flowables)
    frame.addFromList(left_out, canvas)
    if left_out:
        texts = [getattr(flowable, "text", type(flowable).__name__) for flowable in left_out]
        raise ColumnOverflow(
            f"{len(left_out)} of {len(flowables)} flowables do not fit a box of "
            f"{rect.width:.1f} x {rect.height:.1f} pt; the first left out: {texts[0]!r}"
        )


class ColumnOverflow(RuntimeError):
    """A column of text taller than the box the layout gave it: a bug in the measuring."""


class SymbolLine(Flowable):  # type: ignore[misc]
    """A symbol at the left (a marker, a sticker dot) and a paragraph beside it."""

    def __init__(
        self,
        symbol: Callable[[Canvas, float, float], None],
        symbol_width: float,
        text: Paragraph,
        space_after: float = 0.0,
        symbol_height: float = 0.0,
    ) -> None:
        super().__init__()
        self.symbol = symbol
        self.symbol_width = symbol_width
        self.symbol_height = symbol_height
        self.text = text
        self.spaceAfter = space_after
        self.text_height = 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        _, self.text_height = self.text.wrap(available_width - self.symbol_width, available_height)
        self.height = max(self.text_height, self.symbol_height)
        self.width = available_width
        return self.width, self.height

    def draw(self) -> None:
        canvas: Canvas = self.canv
        first_line = self.text.style.leading
        centre_y = self.height - max(first_line, self.symbol_height) / 2
        self.symbol(canvas, self.symbol_width * 0.42, centre_y)
        text_y = self.height - self.text_height
        if self.symbol_height > self.text_height:
            text_y = (self.height - self.text_height) / 2
        self.text.drawOn(canvas, self.symbol_width, text_y)
