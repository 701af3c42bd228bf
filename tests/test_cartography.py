"""Street labels, the grid and placing from map data: the plan, checked without a canvas."""

from __future__ import annotations

import itertools
import math

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from generator.cartography.grid import LETTERS, make_grid
from generator.cartography.mapstyle import load_map_style
from generator.cartography.streetindex import sort_key, street_index
from generator.cartography.streetlabels import LabelRules, Street, StreetLabel, plan_street_labels
from generator.map.geometry import Rect
from generator.map.osmdata import MapData, Road, RoadClass
from generator.map.placing import place_from_data, split_house_number, street_key
from generator.model import Address, CoordinateOrigin, LatLon
from generator.poster.style import load_style
from generator.resources import Templates
from tests.map_support import SITE, offset, town
from tests.poster_support import example_team, participant_like, partner_like
from tests.test_poster_vector import vector_poster

FRAME = Rect(0, 0, 1000, 800)


@pytest.fixture(scope="module")
def rules() -> LabelRules:
    font = load_style(Templates()).fonts.regular
    return load_map_style(Templates()).label_rules(1.0, lambda t, s: stringWidth(t, font, s))


def label_of(labels: tuple[StreetLabel, ...], name: str) -> StreetLabel:
    return next(label for label in labels if label.name == name)


def boxes_meet(a: StreetLabel, b: StreetLabel) -> bool:
    return any(box.meets(other) for box in a.boxes for other in b.boxes)


def test_a_straight_street_drawn_right_to_left_still_reads_left_to_right(
    rules: LabelRules,
) -> None:
    street = Street("Dampoortstraat", RoadClass.RESIDENTIAL, (((800.0, 400.0), (100.0, 400.0)),))
    (label,) = plan_street_labels([street], rules, FRAME, [])
    assert "".join(glyph.char for glyph in label.glyphs) == "Dampoortstraat"
    assert {round(glyph.angle, 6) for glyph in label.glyphs} == {0.0}
    xs = [glyph.x for glyph in label.glyphs]
    assert xs == sorted(xs)
    assert label.size == 10.0  # residential at A1
    middle = label.box.y + label.box.height / 2
    assert abs(middle - 400.0) < label.size * 0.4  # centred on its street


@pytest.mark.parametrize("heading", [100, 135, 180, 200, 250, 280, 315])
def test_no_label_is_upside_down(rules: LabelRules, heading: int) -> None:
    start = (500.0, 400.0)
    end = (
        start[0] + 350 * math.cos(math.radians(heading)),
        start[1] + 350 * math.sin(math.radians(heading)),
    )
    street = Street("Kongostraat", RoadClass.RESIDENTIAL, ((start, end),))
    (label,) = plan_street_labels([street], rules, FRAME, [])
    assert all(-90.0 < glyph.angle <= 90.0 for glyph in label.glyphs)


def test_a_gentle_curve_is_followed_letter_by_letter(rules: LabelRules) -> None:
    arc = tuple(
        (500 + 400 * math.cos(math.radians(a)), 100 + 400 * math.sin(math.radians(a)))
        for a in range(120, 59, -4)
    )
    street = Street("Lange Boomgaardstraat", RoadClass.RESIDENTIAL, (arc,))
    (label,) = plan_street_labels([street], rules, FRAME, [])
    angles = [glyph.angle for glyph in label.glyphs]
    assert max(angles) - min(angles) > 10  # it bends with the street ...
    steps = [abs(b - a) for a, b in itertools.pairwise(angles)]
    assert max(steps) < rules.max_bend  # ... without a kink between two letters
    for glyph in label.glyphs:  # every letter sits on the arc, within half its size
        assert abs(math.dist((glyph.x, glyph.y), (500, 100)) - 400) < label.size


def test_a_sharp_bend_is_never_under_a_curved_label(rules: LabelRules) -> None:
    corner = ((100.0, 600.0), (300.0, 600.0), (300.0, 400.0))  # 200 pt arms, 90 degrees
    street = Street("Sint-Kristoffelstraat", RoadClass.RESIDENTIAL, (corner,))
    (label,) = plan_street_labels([street], rules, FRAME, [])
    assert len({round(glyph.angle, 3) for glyph in label.glyphs}) == 1  # straight, on one arm
    on_top_arm = all(abs(glyph.y - 600) < label.size for glyph in label.glyphs)
    on_side_arm = all(abs(glyph.x - 300) < label.size for glyph in label.glyphs)
    assert on_top_arm or on_side_arm


def test_labels_keep_clear_of_reserved_boxes_and_of_each_other(rules: LabelRules) -> None:
    streets = [
        Street("Aalststraat", RoadClass.RESIDENTIAL, (((50.0, 400.0), (950.0, 400.0)),)),
        Street("Beukenlaan", RoadClass.RESIDENTIAL, (((500.0, 50.0), (500.0, 750.0)),)),
        Street("Cederstraat", RoadClass.RESIDENTIAL, (((50.0, 60.0), (950.0, 740.0)),)),
    ]
    marker = Rect(440, 340, 120, 120)  # over the crossing, where labels would go first
    labels = plan_street_labels(streets, rules, FRAME, [marker])
    assert {label.name for label in labels} == {"Aalststraat", "Beukenlaan", "Cederstraat"}
    for label in labels:
        assert not any(box.meets(marker) for box in label.boxes)
        inside = FRAME.inset(rules.halo)
        assert all(inside.x <= box.x and box.right <= inside.right for box in label.boxes)
    for index, label in enumerate(labels):
        for other in labels[index + 1 :]:
            assert not boxes_meet(label, other)


def test_a_long_street_is_labelled_again_along_its_length(rules: LabelRules) -> None:
    street = Street("Dendermondsesteenweg", RoadClass.PRIMARY, (((20.0, 300.0), (2980.0, 300.0)),))
    labels = plan_street_labels([street], rules, Rect(0, 0, 3000, 600), [])
    assert len(labels) >= 4
    assert all(label.size == 13.0 for label in labels)  # main roads larger than residential
    centres = sorted(label.box.x + label.box.width / 2 for label in labels)
    assert min(b - a for a, b in itertools.pairwise(centres)) >= rules.repeat


def test_the_grid_has_no_i_or_o_and_names_the_squares_a_street_crosses() -> None:
    assert "I" not in LETTERS and "O" not in LETTERS and len(LETTERS) == 24
    grid = make_grid(Rect(0, 0, 1000, 600), 100)  # 10 columns, 6 rows of 100 points
    assert (grid.columns, grid.rows) == (10, 6)
    assert [grid.column_name(i) for i in range(10)] == list("ABCDEFGHJK")
    # From the middle of A1 (top left) straight right to the middle of C1, then down to C3.
    line = [(50.0, 550.0), (250.0, 550.0), (250.0, 350.0)]
    assert grid.squares_along([line]) == ["A1", "B1", "C1", "C2", "C3"]
    assert grid.square_at(950, 50) == "K6"
    assert grid.square_at(1001, 50) is None


def test_house_numbers_are_split_off_and_street_names_compared_loosely() -> None:
    assert split_house_number("Dampoortstraat 12") == ("Dampoortstraat", "12")
    assert split_house_number("Eikenlaan 3 A") == ("Eikenlaan", "3a")
    assert split_house_number("Sint-Salvatorstraat 18 bus 2") == ("Sint-Salvatorstraat", "18")
    assert split_house_number("Dampoortstraat") is None
    assert street_key("Sint-Baafsplein") == street_key("sint baafsplein")
    assert street_key("François Laurentplein") == street_key("Francois Laurentplein")


def test_streets_and_addresses_are_placed_from_the_data_and_typed_ones_kept() -> None:
    team = example_team()
    data: MapData = town()
    participants = tuple(
        participant_like(record, coordinates=None, coordinate_origin=CoordinateOrigin.NOT_PLACED)
        for record in team.participants
    )
    unplaced = team.replace(participants=participants)
    placed = place_from_data(unplaced, data)
    by_street = {record.address.street: record for record in placed.participants}
    damp = by_street["Dampoortstraat"]
    assert damp.coordinate_origin is CoordinateOrigin.MAP_DATA
    # The street runs east-west at 210 m north of the site: its point nearest the site.
    assert damp.coordinates is not None
    expected_lon, expected_lat = offset(SITE, 0, 210)
    assert abs(damp.coordinates.lat - expected_lat) < 1e-6
    assert abs(damp.coordinates.lon - expected_lon) < 1e-6
    kongo = by_street["Kongostraat"]  # not in the town's data: left for the geocoder
    assert kongo.coordinates is None and kongo.coordinate_origin is CoordinateOrigin.NOT_PLACED
    assert placed.partners == team.partners  # typed coordinates win


def test_a_partner_address_needs_street_number_and_a_matching_postcode() -> None:
    team = example_team()
    template = team.partners[0]
    unplaced = [
        partner_like(
            template,
            coordinates=None,
            coordinate_origin=CoordinateOrigin.NOT_PLACED,
            address=Address(street, postcode, "Gent"),
        )
        for street, postcode in (
            ("Eikenlaan 3a", "9040"),
            ("Eikenlaan 3", "9000"),
            ("Dampoortstraat 12", ""),
        )
    ]
    placed = place_from_data(team.replace(partners=tuple(unplaced)), town())
    eikenlaan, missing_number, damp = placed.partners
    assert eikenlaan.coordinates == LatLon(
        lat=offset(SITE, 800, 630)[1], lon=offset(SITE, 800, 630)[0]
    )
    assert missing_number.coordinates is None
    assert damp.coordinate_origin is CoordinateOrigin.MAP_DATA


def test_map_data_names_every_street_once() -> None:
    data = town()
    named = data.named_roads()
    assert "Grote Steenweg" in named and "" not in named
    assert all(isinstance(road, Road) for roads in named.values() for road in roads)


def test_the_index_sorts_the_dutch_way() -> None:
    names = [
        "Zuidstraat",
        "Élisabethlaan",
        "10de Hulstlaan",
        "Eikenlaan",
        "2de Hulstlaan",
        "Sint-Annaplein",
        "Sint Annastraat",
        "Kaai 3",
        "Kaai",
        "École Straat",
    ]
    assert sorted(names, key=sort_key) == [
        "2de Hulstlaan",
        "10de Hulstlaan",
        "École Straat",
        "Eikenlaan",
        "Élisabethlaan",
        "Kaai",
        "Kaai 3",
        "Sint-Annaplein",
        "Sint Annastraat",
        "Zuidstraat",
    ]


def test_the_index_names_the_squares_a_street_runs_through() -> None:
    poster, _ = vector_poster("A1", False)
    plan = poster.plan
    entries = {
        entry.name: entry.squares
        for entry in street_index(town(), plan.frame.projection(plan.view), plan.grid)
    }
    # Dampoortstraat runs straight east-west across the whole frame, 210 m north of the site.
    x, y = plan.frame.projection(plan.view).point(*offset(SITE, 0, 210))
    _, row = plan.grid.cell_of(x, y) or (0, 0)
    assert entries["Dampoortstraat"] == tuple(
        plan.grid.square_name(column, row) for column in range(plan.grid.columns)
    )
    assert list(entries) == sorted(entries, key=sort_key)
