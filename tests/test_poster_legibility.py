"""The poster read from its PDF, for the example and for a hard team (45 partners with long
names, 25 participant streets, a long organisation name), at A1 portrait, A3 landscape and A0:
minimum text sizes by role, no printed colour near a sticker hue outside the sticker key,
contrast of every word, every partner named on the poster or its companion sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from generator.model import Team
from generator.options import PackOptions
from generator.poster import partner_squares, write_poster
from generator.poster.document import Poster, prepare_poster
from generator.poster.layout import Rect
from generator.poster.panels import sticker_key
from generator.poster.partnerlist import COMPANION_FILE
from generator.poster.style import load_style
from generator.resources import Templates
from tests.pdf_marks import (
    Box,
    Mark,
    Paint,
    contrast,
    delta_e76,
    ground_of,
    hex_rgb,
    inside,
    marks,
    overlaps,
)
from tests.poster_support import (
    example_team,
    hard_team,
    pdf_text,
    squashed,
    synthetic_base,
    with_previous_stickers,
)

CASES = [
    (team, paper, landscape)
    for team in ("example", "hard")
    for paper, landscape in (("A1", False), ("A3", True), ("A0", False))
]
CLEAR_DISTANCE = 25.0  # CIE76: beyond it no one takes one colour for the other
WCAG_AA = 4.5


@dataclass(frozen=True)
class Printed:
    team: Team
    poster: Poster
    folder: Path
    files: list[str]

    @property
    def pdf(self) -> Path:
        return self.folder / self.poster.file_name


@pytest.fixture(scope="module", params=CASES, ids=lambda case: "-".join(map(str, case)))
def printed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Printed:
    name, paper, landscape = request.param
    # Both after a scanned session: the earlier stickers' shades are held to the same rules.
    team = with_previous_stickers(
        example_team() if name == "example" else hard_team(example_team())
    )
    options = PackOptions(paper=paper, landscape=landscape)
    folder = tmp_path_factory.mktemp(f"{name}-{paper}")
    base = synthetic_base(team, options, folder, ppi=25)
    files = write_poster(team, base, options, folder, Templates())
    poster = prepare_poster(team, base, options, load_style(Templates()))
    return Printed(team, poster, folder, files)


def _box(rect: Rect) -> Box:
    return rect.x, rect.y, rect.right, rect.top


@dataclass(frozen=True)
class Char:
    text: str
    size: float
    box: Box

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


def _chars(path: Path) -> list[Char]:
    document = pdfium.PdfDocument(str(path))
    try:
        text_page = document[0].get_textpage()
        text = text_page.get_text_range()
        return [
            Char(
                character,
                float(pdfium_c.FPDFText_GetFontSize(text_page.raw, index)),
                text_page.get_charbox(index),
            )
            for index, character in enumerate(text)
            if not character.isspace()
        ]
    finally:
        document.close()


def _within(point: tuple[float, float], rect: Rect) -> bool:
    return rect.x <= point[0] <= rect.right and rect.y <= point[1] <= rect.top


def _symbol_boxes(printed: Printed) -> list[Box]:
    """Markers and samples in the legend and key: shapes about a line high. The letters in
    them are pictograms whose Soort is written out in full beside them."""
    line = printed.poster.layout.points(20) * 2.5
    return [
        mark.box
        for mark in marks(printed.pdf)
        if mark.paint is not Paint.TEXT
        and mark.box[2] - mark.box[0] <= line
        and mark.box[3] - mark.box[1] <= line
    ]


def test_the_whole_name_is_printed_at_the_title_size_or_more(printed: Printed) -> None:
    layout = printed.poster.layout
    header = [char for char in _chars(printed.pdf) if _within(char.centre, layout.header)]
    title = [char for char in header if char.size >= layout.points(60) - 0.01]
    assert "".join(char.text for char in title) == squashed(printed.team.organisation.name)


def test_legend_key_and_panel_text_is_16_pt_at_a1_or_scaled(printed: Printed) -> None:
    layout = printed.poster.layout
    symbols = _symbol_boxes(printed)
    regions = (layout.legend, layout.key, layout.panel)
    small = [
        char
        for char in _chars(printed.pdf)
        if any(_within(char.centre, region) for region in regions)
        and not any(inside(char.box, symbol, 0.5) for symbol in symbols)
        and char.size < layout.points(16) - 0.01
    ]
    assert not small, [(char.text, round(char.size, 1)) for char in small[:10]]


def _offending(
    printed: Printed, region_allowed: list[Box], map_frame: Box | None = None
) -> list[tuple[Mark, str, float]]:
    """Marks within ``CLEAR_DISTANCE`` of a sticker hue, but those in the allowed regions and,
    given ``map_frame``, those of the map (which may reach a little past its frame)."""
    style = printed.poster.style
    stickers = {
        sticker.colour_name: hex_rgb(sticker.colour.hexval()[2:]) for sticker in style.stickers
    }
    found = []
    for mark in marks(printed.pdf):
        # A card's outline is 4 pt wide at A1: its box reaches past the card by half of it.
        slack = printed.poster.layout.points(6)
        if any(inside(mark.box, allowed, slack) for allowed in region_allowed):
            continue
        if map_frame is not None and overlaps(mark.box, map_frame):
            continue
        name, distance = min(
            ((name, delta_e76(mark.colour, hue)) for name, hue in stickers.items()),
            key=lambda item: item[1],
        )
        if distance < CLEAR_DISTANCE:
            found.append((mark, name, round(distance, 1)))
    return found


def test_no_printed_colour_outside_the_map_comes_near_a_sticker_hue(printed: Printed) -> None:
    layout, style = printed.poster.layout, printed.poster.style
    cards = [_box(card) for card in sticker_key(layout, style)]
    offending = _offending(printed, cards, _box(layout.map_frame))
    assert not [(mark.paint, mark.colour, name, distance) for mark, name, distance in offending]
    assert cards and len(cards) == len(style.stickers)


def test_nothing_on_the_whole_poster_outside_the_sticker_key_comes_near_a_sticker_hue(
    printed: Printed,
) -> None:
    layout, style = printed.poster.layout, printed.poster.style
    cards = [_box(card) for card in sticker_key(layout, style)]
    assert not _offending(printed, cards)


def test_every_word_outside_the_map_stands_out_from_its_ground(printed: Printed) -> None:
    map_frame = _box(printed.poster.layout.map_frame)
    painted = marks(printed.pdf)
    weak = []
    for mark in painted:
        if mark.paint is not Paint.TEXT or inside(mark.box, map_frame, 1.0):
            continue
        ground = ground_of(mark, painted)
        ratio = contrast(mark.colour, ground)
        if ratio < WCAG_AA:
            weak.append((mark.colour, ground, round(ratio, 2)))
    assert not weak


def _readable(text: str) -> str:
    """Text without whitespace and hyphens: names wrapped or broken over lines still match
    (pdfium marks a hyphen at a line's end as U+FFFE)."""
    return squashed(text).replace("\ufffe", "").replace("-", "")


def test_every_partner_is_named_on_the_poster_or_its_companion_sheet(printed: Printed) -> None:
    poster_text = _readable(pdf_text(printed.pdf))
    if COMPANION_FILE in printed.files:
        companion = printed.folder / COMPANION_FILE
        document = pdfium.PdfDocument(str(companion))
        pages = len(document)
        document.close()
        text = _readable("".join(pdf_text(companion, page) for page in range(pages)))
        assert squashed("bij de kaart") in poster_text
        square = partner_squares(printed.poster)
        on_map = [placed.partner for placed in printed.poster.plan.partners]
        assert on_map
        for partner in on_map:  # each with the grid square of its place on the map
            expected = f"{partner.name}{partner.kind}{square(partner)}"
            assert square(partner) and _readable(expected) in text, expected
    else:
        text = poster_text
    for partner in printed.team.partners:
        words = [partner.name] if partner.name.isascii() else partner.name.split()
        assert all(_readable(word) in text for word in words), partner.name
    hard = printed.team.organisation.name != example_team().organisation.name
    assert (COMPANION_FILE in printed.files) == hard
