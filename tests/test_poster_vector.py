"""The vector base map on the poster, read back from the PDF: names, sizes, nothing hidden."""

from __future__ import annotations

import ctypes
import dataclasses
import math
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from generator.cartography.streetlabels import StreetLabel
from generator.map.basemap import BaseMap, choose_view, neighbourhood_extent
from generator.map.geometry import Rect
from generator.options import PackOptions
from generator.poster import map_frame_mm, write_poster
from generator.poster.document import Poster, prepare_poster
from generator.poster.mapplan import circle_meets_rect
from generator.poster.markers import Obstacle
from generator.poster.style import load_style
from generator.resources import Templates
from tests.map_support import SITE, offset, town
from tests.poster_support import (
    example_team,
    hard_team,
    participant_like,
    partner_like,
    render,
)

CREDIT = "© OpenStreetMap-bijdragers, openstreetmap.org/copyright"
PAPERS = [("A1", False, 1.0), ("A3", True, 0.5), ("A0", False, 841 / 594)]


def vector_poster(paper: str, landscape: bool, low_ink: bool = False) -> tuple[Poster, BaseMap]:
    team = example_team()
    options = PackOptions(paper=paper, landscape=landscape, low_ink=low_ink)
    extent = neighbourhood_extent(team)
    assert extent is not None
    view = choose_view(extent, map_frame_mm(team, options, Templates()))
    base = BaseMap(view, None, CREDIT, low_ink, data=town())
    return prepare_poster(team, base, options, load_style(Templates())), base


def label_glyphs(
    pdf: Path, labels: tuple[StreetLabel, ...]
) -> list[list[tuple[float, float, float, float, float]]]:
    """For each planned label, the PDF's own box and font size of each of its letters, found
    where the plan put them (each letter is written twice, halo and fill, at one origin)."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0].get_textpage()
        printed: dict[str, list[tuple[float, float, tuple[float, float, float, float, float]]]] = {}
        for index in range(page.count_chars()):
            char = page.get_text_range(index, 1)
            x, y = ctypes.c_double(), ctypes.c_double()
            pdfium_c.FPDFText_GetCharOrigin(page.raw, index, ctypes.byref(x), ctypes.byref(y))
            size = float(pdfium_c.FPDFText_GetFontSize(page.raw, index))
            entry = (x.value, y.value, (*page.get_charbox(index), size))
            printed.setdefault(char, []).append(entry)
        runs = []
        for label in labels:
            run = []
            for glyph in label.glyphs:
                if glyph.char.isspace():
                    continue
                found = [
                    measured
                    for x, y, measured in printed.get(glyph.char, [])
                    if abs(x - glyph.x) < 0.05 and abs(y - glyph.y) < 0.05
                ]
                assert found, (label.name, glyph)  # drawn exactly where the plan put it
                run.append(found[0])
            runs.append(run)
        return runs
    finally:
        document.close()


def meet(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize(("paper", "landscape", "scale"), PAPERS)
def test_street_names_are_text_at_their_size_and_never_overlap(
    tmp_path: Path, paper: str, landscape: bool, scale: float
) -> None:
    poster, base = vector_poster(paper, landscape)
    assert poster.layout.scale == pytest.approx(scale)  # A1 sizes, scaled with the paper
    write_poster(poster.team, base, poster.options, tmp_path, Templates())
    labels = poster.plan.street_labels
    names = {label.name for label in labels}
    assert {"Dampoortstraat", "Grote Steenweg", "Kastanjelaan", "Aalststraat"} <= names
    runs = label_glyphs(tmp_path / poster.file_name, labels)
    for label, run in zip(labels, runs, strict=True):
        expected = (13.0 if label.name == "Grote Steenweg" else 10.0) * poster.layout.scale
        assert all(abs(size - expected) < 0.01 for *_, size in run), label.name
    flat = [(index, box) for index, run in enumerate(runs) for box in run]
    for index, box in flat:
        for other_index, other in flat:
            if other_index > index:
                assert not meet(box[:4], other[:4]), (labels[index].name, labels[other_index].name)


@pytest.mark.parametrize(("paper", "landscape", "scale"), PAPERS)
def test_no_street_label_covers_an_overlay(paper: str, landscape: bool, scale: float) -> None:
    poster, _ = vector_poster(paper, landscape)
    plan = poster.plan
    overlays = plan.overlay_boxes()
    assert len(overlays) > len(plan.partners) + 4  # markers, counts, tags and furniture
    for label in plan.street_labels:
        for box in label.boxes:
            assert not any(box.meets(overlay) for overlay in overlays), label.name
            assert plan.rect.x <= box.x and box.right <= plan.rect.right


def test_overlays_do_not_cover_each_other_in_the_plan() -> None:
    poster, _ = vector_poster("A1", False)
    plan = poster.plan
    fixed: list[Rect] = [*plan.furniture.boxes]
    tags = [ring.tag for ring in plan.rings if ring.tag is not None]
    assert len(tags) == 3
    assert plan.site_marker is not None
    for tag in [*tags, plan.site_marker.tag]:
        assert not any(tag.meets(box) for box in fixed)
    radius = plan.marker_diameter / 2
    for placed in plan.partners:
        x, y = placed.drawn_xy
        marker = Rect(x - radius, y - radius, 2 * radius, 2 * radius)
        assert not any(marker.meets(box) for box in fixed)


def test_the_vector_map_is_drawn_in_the_house_palette(tmp_path: Path) -> None:
    poster, base = vector_poster("A1", False)
    write_poster(poster.team, base, poster.options, tmp_path, Templates())
    image = render(tmp_path / poster.file_name, 0.5)
    rect = poster.plan.rect
    page_height = poster.layout.page[1]

    def pixel(x: float, y: float) -> tuple[int, int, int]:
        value = image.getpixel((round(x * 0.5), round((page_height - y) * 0.5)))
        assert isinstance(value, tuple)
        return value[0], value[1], value[2]

    # The island of the dock is land; the dock around it is water (the multipolygon's hole).
    projection = poster.plan.frame.projection(poster.plan.view)
    island = projection.point(*offset(SITE, 600, -590))
    dock = projection.point(*offset(SITE, 330, -560))
    assert rect.x < dock[0] < rect.right and rect.y < dock[1] < rect.top
    assert pixel(*dock) == (0xBF, 0xD4, 0xE0)
    assert pixel(*island) == (0xF6, 0xF4, 0xEF)


def test_low_ink_leaves_buildings_unfilled(tmp_path: Path) -> None:
    poster, base = vector_poster("A1", False, low_ink=True)
    write_poster(poster.team, base, poster.options, tmp_path, Templates())
    image = render(tmp_path / poster.file_name, 0.5)
    projection = poster.plan.frame.projection(poster.plan.view)
    x, y = projection.point(*offset(SITE, -585, -190))  # inside the first block's building
    page_height = poster.layout.page[1]
    assert image.getpixel((round(x * 0.5), round((page_height - y) * 0.5))) == (255, 255, 255)


@pytest.mark.parametrize(("paper", "landscape", "scale"), PAPERS)
def test_on_a_crowded_team_no_two_overlays_meet(paper: str, landscape: bool, scale: float) -> None:
    team = hard_team(example_team())
    options = PackOptions(paper=paper, landscape=landscape)
    extent = neighbourhood_extent(team)
    assert extent is not None
    view = choose_view(extent, map_frame_mm(team, options, Templates()))
    base = BaseMap(view, None, CREDIT, data=town())
    plan = prepare_poster(team, base, options, load_style(Templates())).plan
    assert len(plan.partners) >= 40 and len(plan.participants) >= 10
    radius = plan.marker_diameter / 2
    markers = [placed.drawn_xy for placed in plan.partners]
    others = [box for box in plan.overlay_boxes() if not _is_marker(box, markers, radius)]
    assert len(others) == len(plan.overlay_boxes()) - len(markers)
    assert not [(a, b) for index, a in enumerate(others) for b in others[index + 1 :] if a.meets(b)]
    for index, (x, y) in enumerate(markers):
        assert all(math.dist((x, y), other) >= 2 * radius for other in markers[index + 1 :])
        assert not any(circle_meets_rect(Obstacle(x, y, radius), box) for box in others)


@pytest.mark.parametrize(("paper", "landscape", "scale"), PAPERS)
def test_no_participant_tag_hides_a_moved_partners_true_place_or_leader(
    paper: str, landscape: bool, scale: float
) -> None:
    # Four partners at one address, and the participants of a street counted at that spot:
    # the markers spread on leaders from the dot at their true place, and the count's tag
    # must find a place beside the spot that crosses none of them.
    team = example_team()
    first = team.partners[0]
    assert first.coordinates is not None
    crowd = tuple(
        partner_like(first, number=len(team.partners) + index + 1, name=f"Buur {index}")
        for index in range(3)
    )
    here = participant_like(
        team.participants[0],
        address=dataclasses.replace(team.participants[0].address, street="Samenstraat"),
        count=12,
        coordinates=first.coordinates,
    )
    team = team.replace(partners=(*team.partners, *crowd), participants=(*team.participants, here))
    options = PackOptions(paper=paper, landscape=landscape)
    extent = neighbourhood_extent(team)
    assert extent is not None
    view = choose_view(extent, map_frame_mm(team, options, Templates()))
    plan = prepare_poster(
        team, BaseMap(view, None, CREDIT, data=town()), options, load_style(Templates())
    ).plan
    moved = [placed for placed in plan.partners if placed.drawn_xy != placed.true_xy]
    assert moved  # partners at one address are spread off their true places
    leaders = plan.leader_boxes()
    dot = plan.marker_diameter * 0.16  # as drawn (mapdraw), the dot at a moved partner's place
    true_places = [Rect(x - dot, y - dot, 2 * dot, 2 * dot) for x, y in (p.true_xy for p in moved)]
    for placed in moved:  # the leader's boxes cover its dot and the line to the marker
        (x0, y0), (x1, y1) = placed.true_xy, placed.drawn_xy
        for x, y in ((x0, y0), ((x0 + x1) / 2, (y0 + y1) / 2)):
            assert any(box.x <= x <= box.right and box.y <= y <= box.top for box in leaders)
    tags = [mark.tag for mark in plan.participants]
    assert not [(tag, place) for tag in tags for place in true_places if tag.meets(place)]
    assert not [(tag, box) for tag in tags for box in leaders if tag.meets(box)]


def _is_marker(box: Rect, markers: list[tuple[float, float]], radius: float) -> bool:
    return any(
        math.isclose(box.x, x - radius) and math.isclose(box.y, y - radius) for x, y in markers
    )
