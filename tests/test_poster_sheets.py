"""Print tiles that glue into the whole poster, and the sticker sheet."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import ImageChops, ImageFilter, ImageStat
from reportlab.lib import pagesizes
from reportlab.lib.units import mm

from generator.model import Team
from generator.options import PackOptions
from generator.poster import write_poster
from generator.poster.layout import Rect
from generator.poster.sheets import GLUE_STRIP, PRINTER_MARGIN, TilePlan, plan_tiles
from generator.poster.stickers import write_stickers
from generator.poster.style import load_style
from generator.resources import Templates
from tests.pdf_marks import inside
from tests.poster_support import (
    char_boxes,
    example_team,
    font_sizes_of,
    page_sizes,
    partner_like,
    pdf_text,
    render,
    squashed,
    synthetic_base,
)

SCALE = 0.2


@pytest.fixture(scope="module")
def team() -> Team:
    return example_team()


@pytest.fixture(scope="module")
def tiled(team: Team, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiles")
    options = PackOptions(print_tiles="A4")
    files = write_poster(
        team, synthetic_base(team, options, folder, ppi=50), options, folder, Templates()
    )
    assert files == [
        "poster-A1.pdf",
        "poster-preview.png",
        "stickers-A4.pdf",
        "poster-A1-tegels-A4.pdf",
    ]
    return folder


def test_sheets_cover_the_poster_with_a_glue_strip_between_neighbours() -> None:
    plan = plan_tiles(pagesizes.A1, "A4")
    assert (plan.columns, plan.rows) == (3, 5)  # 15 landscape sheets beat 16 portrait ones
    first, last = plan.window_on_poster(0, 0), plan.window_on_poster(2, 4)
    assert first.x <= 0 and first.top >= pagesizes.A1[1]
    assert last.right >= pagesizes.A1[0] and last.y <= 0
    right, below = plan.window_on_poster(1, 0), plan.window_on_poster(0, 1)
    assert first.right - right.x == pytest.approx(GLUE_STRIP)
    assert below.top - first.y == pytest.approx(GLUE_STRIP)


def test_the_tiled_pdf_has_an_assembly_page_then_one_a4_page_per_sheet(tiled: Path) -> None:
    pdf = tiled / "poster-A1-tegels-A4.pdf"
    sizes = page_sizes(pdf)
    plan = plan_tiles(pagesizes.A1, "A4")
    assert len(sizes) == 1 + plan.columns * plan.rows
    a4 = tuple(round(value, 1) for value in pagesizes.A4)
    assert sizes[0] == a4  # portrait, like the poster
    assert set(sizes[1:]) == {(a4[1], a4[0])}
    assembly = squashed(pdf_text(pdf, 0))
    assert squashed("Zo maken jullie de kaart uit 15 vellen A4") in assembly
    assert assembly.endswith("123456789101112131415")  # each sheet's outline is numbered
    for number in range(1, 16):
        row, column = (number - 1) // 3 + 1, (number - 1) % 3 + 1
        expected = f"vel {number} van 15 · rij {row}, kolom {column}"
        assert squashed(expected) in squashed(pdf_text(pdf, number)), expected
    assert pdf.read_bytes().count(b"/Subtype /Image") == 1


def _difference(
    tiled: Path, plan: TilePlan, column: int, row: int, poster_window: Rect | None = None
) -> float:
    """Mean difference between a sheet's window and a window of the poster, blurred a little
    so that sub-pixel offsets of the two renderings do not count."""
    poster = render(tiled / "poster-A1.pdf", SCALE)
    sheet = render(tiled / "poster-A1-tegels-A4.pdf", SCALE, 1 + row * plan.columns + column)
    window = plan.window_on_poster(column, row)
    source = poster_window or window
    poster_height = pagesizes.A1[1]
    inset = 2  # pixels: anti-aliasing at the clip edge
    left = round(PRINTER_MARGIN * SCALE) + inset
    top = round((plan.sheet[1] - PRINTER_MARGIN - window.height) * SCALE) + inset
    width, height = (
        round(window.width * SCALE) - 2 * inset,
        round(window.height * SCALE) - 2 * inset,
    )
    on_sheet = sheet.crop((left, top, left + width, top + height))
    poster_left = round(source.x * SCALE) + inset
    poster_top = round((poster_height - source.top) * SCALE) + inset
    on_poster = poster.crop((poster_left, poster_top, poster_left + width, poster_top + height))
    blur = ImageFilter.GaussianBlur(1.5)
    difference = ImageChops.difference(on_sheet.filter(blur), on_poster.filter(blur))
    return max(ImageStat.Stat(difference).mean)


def test_every_sheet_shows_its_part_of_the_poster(tiled: Path) -> None:
    plan = plan_tiles(pagesizes.A1, "A4")
    for column, row in ((1, 1), (1, 3)):  # sheets that lie wholly on the poster
        assert _difference(tiled, plan, column, row) < 4
    neighbour = plan.window_on_poster(1, 2)
    assert _difference(tiled, plan, 1, 3, neighbour) > 12  # the comparison can tell them apart


def test_stickers_have_every_partner_and_blank_labels(team: Team, tiled: Path) -> None:
    pdf = tiled / "stickers-A4.pdf"
    assert page_sizes(pdf) == [tuple(round(value, 1) for value in pagesizes.A4)]
    text = squashed(pdf_text(pdf))
    for partner in team.partners:
        words = partner.name.split() if not partner.name.isascii() else [partner.name]
        assert all(squashed(word) in text for word in words), partner.name
    assert text.count("naam:") == 21 - len(team.partners)


def test_a_full_sheet_of_partners_gets_a_sheet_of_blank_labels(team: Team, tmp_path: Path) -> None:
    many = tuple(
        partner_like(
            team.partners[index % 14], number=index + 1, name=f"Partner nummer {index + 1}"
        )
        for index in range(20)
    )
    crowded = team.replace(partners=many)
    options = PackOptions(paper="A3")
    write_poster(
        crowded, synthetic_base(crowded, options, tmp_path, ppi=30), options, tmp_path, Templates()
    )
    pdf = tmp_path / "stickers-A4.pdf"
    assert len(page_sizes(pdf)) == 2
    assert squashed("Partner nummer 20") in squashed(pdf_text(pdf, 0))
    assert squashed(pdf_text(pdf, 1)).count("naam:") == 21


def test_glue_and_cut_marks_and_the_sheet_name_read_at_9_pt_or_more(tiled: Path) -> None:
    pdf = tiled / "poster-A1-tegels-A4.pdf"
    middle = 1 + 1 * 3 + 1  # sheet 5 of 15: a neighbour on every side
    text = pdf_text(pdf, middle)
    assert text.count("lijmstrook") == 2 and text.count("knip hier") == 2
    sizes = font_sizes_of(pdf, ["lijmstrook", "knip hier", "vel 5 van 15"], middle)
    assert min(sizes) >= 9


def _stickers_of(team: Team, name: str, folder: Path) -> Path:
    organisation = dataclasses.replace(team.organisation, name=name)
    long_partner = partner_like(team.partners[0], name="Stichting " + "Buurtwerking " * 12)
    changed = team.replace(organisation=organisation, partners=(long_partner, *team.partners[1:]))
    write_stickers(changed, load_style(Templates()), folder / "stickers-A4.pdf")
    return folder / "stickers-A4.pdf"


def test_the_sticker_sheet_keeps_a_long_name_inside_the_page(team: Team, tmp_path: Path) -> None:
    name = "Vereniging voor Sociaal-Cultureel Werk en Basiseducatie met Volwassenen " * 2
    pdf = _stickers_of(team, name[:120], tmp_path)
    width, height = pagesizes.A4
    edge = 4 * mm  # what an office printer leaves blank
    document = pdfium.PdfDocument(str(pdf))
    try:
        text_page = document[0].get_textpage()
        boxes = [text_page.get_charbox(index) for index in range(text_page.count_chars())]
    finally:
        document.close()
    assert boxes
    for left, bottom, right, top in boxes:
        assert edge <= left and right <= width - edge and edge <= bottom and top <= height - edge
    text = squashed(pdf_text(pdf))
    assert squashed("Etiketten buurtpartners · Vereniging voor Sociaal-Cultureel") in text
    assert squashed("zoals Avery L7160") in text and squashed("3 × 7 etiketten") in text
    assert squashed("'Werkelijke grootte' (100 %)") in text


def test_a_name_too_long_for_its_label_is_cut_short_inside_it(team: Team, tmp_path: Path) -> None:
    pdf = _stickers_of(team, team.organisation.name, tmp_path)
    label = _label_box(0)
    name = "Stichting Buurtwerking"
    boxes = char_boxes(pdf, name)
    text = squashed(pdf_text(pdf))
    assert squashed("Buurtwerking …") in text
    assert all(inside(box, label) for box in boxes)


def _label_box(slot: int) -> tuple[float, float, float, float]:
    column, row = slot % 3, slot // 3
    top = pagesizes.A4[1] - 15.15 * mm - row * 38.1 * mm
    left = 7.2 * mm + column * 66.04 * mm
    return left, top - 38.1 * mm, left + 63.5 * mm, top
