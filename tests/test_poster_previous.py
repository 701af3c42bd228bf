"""The stickers of earlier sessions on the next kaart: at their true places in a dark shade of
their colour, counted in the key, under the partners' markers and clear of every label."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.map.basemap import BaseMap, choose_view, neighbourhood_extent
from generator.map.geometry import Rect
from generator.model import Team
from generator.options import PackOptions
from generator.poster import map_frame_mm, write_poster
from generator.poster.document import Poster, prepare_poster
from generator.poster.previous import shade
from generator.poster.style import load_style
from generator.resources import Templates
from tests.map_support import town
from tests.pdf_marks import Paint, marks, overlaps
from tests.poster_support import (
    example_team,
    hard_team,
    pdf_text,
    squashed,
    with_previous_stickers,
)

CREDIT = "© OpenStreetMap-bijdragers, openstreetmap.org/copyright"
PAPERS = [("A1", False), ("A3", True), ("A0", False)]


def vector_poster(team: Team, paper: str = "A1", landscape: bool = False) -> tuple[Poster, BaseMap]:
    options = PackOptions(paper=paper, landscape=landscape)
    extent = neighbourhood_extent(team)
    assert extent is not None
    view = choose_view(extent, map_frame_mm(team, options, Templates()))
    base = BaseMap(view, None, CREDIT, data=town())
    return prepare_poster(team, base, options, load_style(Templates())), base


def rgb(colour: object) -> tuple[int, int, int]:
    red, green, blue = (round(getattr(colour, part) * 255) for part in ("red", "green", "blue"))
    return red, green, blue


def near(one: tuple[int, int, int], other: tuple[int, int, int]) -> bool:
    """Equal but for the rounding of a colour written to the PDF and read back."""
    return all(abs(a - b) <= 1 for a, b in zip(one, other, strict=True))


def test_each_sticker_is_printed_at_its_true_place_in_the_shade_of_its_colour(
    tmp_path: Path,
) -> None:
    team = with_previous_stickers(example_team())
    poster, base = vector_poster(team)
    plan = poster.plan
    assert len(plan.previous) == len(team.previous_stickers) - 1
    assert plan.previous_outside == 1  # the far one: counted, not dropped
    for mark in plan.previous:
        assert (mark.x, mark.y) == plan.frame.place(plan.view, mark.sticker.position)
    write_poster(team, base, poster.options, tmp_path, Templates())

    painted = marks(tmp_path / poster.file_name)
    colours = {sticker.key: rgb(shade(sticker.colour)) for sticker in poster.style.stickers}
    for mark in plan.previous:
        rings = [
            found
            for found in painted
            if found.paint is Paint.STROKE
            and near(found.colour, colours[mark.sticker.colour])
            and abs(found.centre[0] - mark.x) < 0.5
            and abs(found.centre[1] - mark.y) < 0.5
        ]
        assert rings, mark.sticker
        # Within its planned box (pdfium's bounds grow by the whole line width, not half).
        left, bottom, right, top = rings[0].box
        box = mark.box
        assert box.x - 0.5 <= left and right <= box.right + 0.5
        assert box.y - 0.5 <= bottom and top <= box.top + 0.5


def test_the_key_counts_them_per_colour_and_those_beyond_the_edge(
    tmp_path: Path,
) -> None:
    team = with_previous_stickers(example_team())
    poster, base = vector_poster(team)
    write_poster(team, base, poster.options, tmp_path, Templates())
    printed = squashed(pdf_text(tmp_path / poster.file_name))
    by_colour = {"origins": 0, "around": 0, "known": 0, "used": 0}
    for mark in poster.plan.previous:
        by_colour[mark.sticker.colour] += 1
    assert list(by_colour.values()) == [4, 4, 3, 5]  # the far yellow one is off the map
    assert (
        squashed("uit de vorige sessie: 4 geel, 4 blauw, 3 groen, 5 rood; 1 buiten de kaart")
        in printed
    )


def test_a_team_without_a_scanned_session_has_no_such_key_line(tmp_path: Path) -> None:
    team = example_team()
    poster, base = vector_poster(team)
    assert poster.plan.previous == () and poster.plan.previous_outside == 0
    write_poster(team, base, poster.options, tmp_path, Templates())
    assert "vorigesessie" not in squashed(pdf_text(tmp_path / poster.file_name))


def test_only_the_colours_present_are_counted(tmp_path: Path) -> None:
    team = with_previous_stickers(example_team(), count=0, far=False)  # two red ones
    poster, base = vector_poster(team)
    write_poster(team, base, poster.options, tmp_path, Templates())
    printed = squashed(pdf_text(tmp_path / poster.file_name))
    assert "uitdevorigesessie:2rood" + "Zoekeenplek" in printed


def test_when_all_fall_beyond_the_edge_a_note_says_so(tmp_path: Path) -> None:
    team = with_previous_stickers(example_team(), count=0)
    far = tuple(s for s in team.previous_stickers if s.source is None)
    team = team.replace(previous_stickers=far * 2)
    poster, base = vector_poster(team)
    write_poster(team, base, poster.options, tmp_path, Templates())
    printed = squashed(pdf_text(tmp_path / poster.file_name))
    assert "uitdevorigesessie:" not in printed
    assert squashed("2 stickers uit de vorige sessie vallen buiten de kaart.") in printed


@pytest.mark.parametrize(("paper", "landscape"), PAPERS)
def test_labels_and_tags_keep_clear_of_them_and_markers_cover_only_where_the_plan_says(
    paper: str, landscape: bool
) -> None:
    team = with_previous_stickers(hard_team(example_team()), count=30)
    poster, _ = vector_poster(team, paper, landscape)
    plan = poster.plan
    assert len(plan.previous) >= 25
    boxes = [mark.box for mark in plan.previous]
    labels = [box for label in plan.street_labels for box in label.boxes]
    tags = [
        *(ring.tag for ring in plan.rings if ring.tag is not None),
        *(mark.tag for mark in plan.participants),
    ]
    assert labels and tags
    for box in boxes:
        assert not any(box.meets(label) for label in labels)
        assert not any(box.meets(tag) for tag in tags)
    radius = plan.marker_diameter / 2
    markers = [Rect(x - radius, y - radius, 2 * radius, 2 * radius) for x, y in _drawn(poster)]
    covered = [mark for mark in plan.previous if any(mark.box.meets(m) for m in markers)]
    assert covered  # two stickers stand on partners' own places
    assert all(mark.covered for mark in covered)
    assert not any(
        mark.covered
        for mark in plan.previous
        if not any(mark.box.meets(box) for box in [*markers, *_drawn_over_besides(poster)])
    )


def _drawn(poster: Poster) -> list[tuple[float, float]]:
    return [placed.drawn_xy for placed in poster.plan.partners]


def _drawn_over_besides(poster: Poster) -> list[Rect]:
    plan = poster.plan
    boxes = [*plan.furniture.boxes]
    if plan.site_marker is not None:
        boxes.extend((plan.site_marker.tag, plan.site_marker.pin_box))
    return boxes


def test_partner_markers_are_painted_over_them(tmp_path: Path) -> None:
    team = with_previous_stickers(example_team())
    poster, base = vector_poster(team)
    write_poster(team, base, poster.options, tmp_path, Templates())
    frame = poster.plan.rect
    map_box = (frame.x, frame.y, frame.right, frame.top)
    painted = marks(tmp_path / poster.file_name)
    shades = {rgb(shade(sticker.colour)) for sticker in poster.style.stickers}
    kinds = {rgb(kind.colour) for kind in poster.style.kinds.values()}
    on_map = [(index, m) for index, m in enumerate(painted) if overlaps(m.box, map_box)]
    last_ring = max(index for index, m in on_map if any(near(m.colour, s) for s in shades))
    first_marker = min(index for index, m in on_map if m.paint is Paint.FILL and m.colour in kinds)
    assert last_ring < first_marker
