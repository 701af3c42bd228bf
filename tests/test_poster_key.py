"""The key ("Zo lezen jullie de kaart") on a crowded poster: every line and note is printed."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.platypus import Paragraph

from generator.map.basemap import BaseMap, choose_view, neighbourhood_extent
from generator.options import PackOptions
from generator.poster import map_frame_mm
from generator.poster.document import Poster, prepare_poster, write_poster_pdf
from generator.poster.panels import KEY_FACTORS, key_builder
from generator.poster.style import load_style
from generator.poster.text import SymbolLine
from generator.resources import Templates
from tests.map_support import town
from tests.poster_support import example_team, hard_team, squashed, with_previous_stickers

PAPERS = [("A1", False), ("A0", False), ("A3", True)]


def crowded_poster(paper: str, landscape: bool, previous: bool) -> Poster:
    team = hard_team(example_team())
    if previous:
        team = with_previous_stickers(team)
    options = PackOptions(paper=paper, landscape=landscape)
    extent = neighbourhood_extent(team)
    assert extent is not None
    view = choose_view(extent, map_frame_mm(team, options, Templates()))
    base = BaseMap(view, None, "© OpenStreetMap-bijdragers", data=town())
    return prepare_poster(team, base, options, load_style(Templates()))


def key_texts(poster: Poster) -> list[str]:
    """The plain text of every paragraph the key holds, its notes last."""
    build = key_builder(
        poster.team,
        poster.plan,
        poster.participants,
        poster.options.min_count,
        poster.layout,
        poster.style,
    )
    texts = []
    for flowable in build(KEY_FACTORS[-1]):
        if isinstance(flowable, SymbolLine):
            texts.append(flowable.text.getPlainText())
        elif isinstance(flowable, Paragraph):
            texts.append(flowable.getPlainText())
    return texts


@pytest.mark.parametrize("previous", [False, True], ids=["first-session", "earlier-stickers"])
@pytest.mark.parametrize(("paper", "landscape"), PAPERS)
def test_every_note_of_a_crowded_key_is_printed_inside_its_box(
    tmp_path: Path, paper: str, landscape: bool, previous: bool
) -> None:
    poster = crowded_poster(paper, landscape, previous)
    texts = key_texts(poster)
    words = poster.style.wording("notes")
    assert texts[-2:] == [
        words.text("privacy", min_count=poster.options.min_count),
        words.text("participant_hidden_one"),
    ]
    if previous:
        assert any("vorige sessie" in text for text in texts)
    pdf = tmp_path / "poster.pdf"
    write_poster_pdf(poster, pdf)
    key = poster.layout.key
    width, height = poster.layout.page
    assert key.x >= 0 and key.right <= width and key.y >= 0 and key.top <= height
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0].get_textpage()
        inside_key = squashed(page.get_text_bounded(key.x, key.y, key.right, key.top))
    finally:
        document.close()
    missing = [text for text in texts if squashed(text) not in inside_key]
    assert missing == []
