"""The wall poster: page sizes, fonts, text layer, marker positions and colours, margins, bytes."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.lib import colors, pagesizes
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from generator.errors import TemplateError
from generator.map.geometry import PageFrame
from generator.model import LatLon, Team
from generator.options import PackOptions
from generator.poster import map_frame_mm, partnerlist, write_poster
from generator.poster.document import new_canvas, prepare_poster, write_poster_pdf
from generator.poster.layout import PosterLayout, make_layout
from generator.poster.legend import MIN_LEGEND_FACTOR, balanced_columns
from generator.poster.mapdraw import draw_site
from generator.poster.mapplan import SiteMarker, site_marker
from generator.poster.markers import Obstacle, Status, draw_marker, label_size
from generator.poster.panels import KEY_FACTORS
from generator.poster.partnerlist import COMPANION_FILE
from generator.poster.style import PosterStyle, load_style
from generator.resources import Templates
from tests.poster_support import (
    base_fonts,
    char_boxes,
    example_team,
    font_sizes_of,
    page_sizes,
    partner_like,
    pdf_text,
    render,
    sizes_before,
    squashed,
    synthetic_base,
)

QUESTIONS = (
    "Waar komen jullie deelnemers vandaan?",
    "Welke organisaties, verenigingen en infrastructuur zijn er in de buurt?",
    "Wat kennen jullie?",
    "Wat gebruiken jullie al?",
)
STANDARD_14 = (b"Helvetica", b"Times", b"Courier", b"Symbol", b"ZapfDingbats")


@pytest.fixture(scope="module")
def team() -> Team:
    return example_team()


@pytest.fixture(scope="module")
def a1(team: Team, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("a1")
    options = PackOptions()
    write_poster(team, synthetic_base(team, options, folder), options, folder, Templates())
    return folder


@pytest.mark.parametrize(
    ("paper", "landscape", "size"),
    [
        ("A1", False, pagesizes.A1),
        ("A1", True, pagesizes.landscape(pagesizes.A1)),
        ("A3", False, pagesizes.A3),
    ],
)
def test_the_page_has_the_paper_size_in_points(
    team: Team, tmp_path: Path, paper: str, landscape: bool, size: tuple[float, float]
) -> None:
    options = PackOptions(paper=paper, landscape=landscape)
    files = write_poster(
        team, synthetic_base(team, options, tmp_path, ppi=40), options, tmp_path, Templates()
    )
    assert files[:3] == [f"poster-{paper}.pdf", "poster-preview.png", "stickers-A4.pdf"]
    assert page_sizes(tmp_path / f"poster-{paper}.pdf") == [(round(size[0], 1), round(size[1], 1))]


def test_the_map_frame_fills_most_of_the_page_and_follows_orientation(team: Team) -> None:
    templates = Templates()
    width, height = map_frame_mm(team, PackOptions(), templates)
    wide_width, wide_height = map_frame_mm(team, PackOptions(landscape=True), templates)
    a3_width, _ = map_frame_mm(team, PackOptions(paper="A3"), templates)
    assert 450 < width < 574 and 400 < height < 821
    assert width * height > 0.45 * 594 * 841
    assert 400 < wide_width < 821 and 400 < wide_height < 574
    assert wide_height > height  # landscape puts the legend beside the map, not below it
    assert a3_width == pytest.approx(width / 2, rel=0.08)


def many_partners(team: Team, count: int) -> Team:
    """``count`` partners with the example's names, kinds and places, numbered on."""
    known = team.partners
    return team.replace(
        partners=tuple(
            partner_like(
                known[index % len(known)],
                number=index + 1,
                name=f"{known[index % len(known)].name} {index + 1}",
            )
            for index in range(count)
        )
    )


def test_a_list_that_fits_is_printed_whole_with_numbers_as_large_as_names(
    team: Team, tmp_path: Path
) -> None:
    crowded = many_partners(team, 20)
    options = PackOptions()
    files = write_poster(
        crowded, synthetic_base(crowded, options, tmp_path, ppi=30), options, tmp_path, Templates()
    )
    assert COMPANION_FILE not in files
    poster = tmp_path / "poster-A1.pdf"
    text = squashed(pdf_text(poster))
    assert all(squashed(partner.name) in text for partner in crowded.partners)
    latin = [partner for partner in crowded.partners if partner.name.isascii()]
    names = font_sizes_of(poster, [partner.name.split()[0] for partner in latin])
    assert min(names) >= 16 - 0.01
    style = load_style(Templates())
    # In the text layer: number, the Soort's letters in its marker, name.
    marked = [f"{style.kind_letter(partner.kind)} {partner.name.split()[0]}" for partner in latin]
    assert sizes_before(poster, marked) == pytest.approx(names)


def test_a_list_too_long_for_the_poster_goes_whole_to_the_companion_sheet(
    team: Team, tmp_path: Path
) -> None:
    templates = Templates()
    crowded = many_partners(team, 120)
    options = PackOptions()
    assert map_frame_mm(crowded, options, templates) == map_frame_mm(team, options, templates)
    base = synthetic_base(crowded, options, tmp_path, ppi=30)
    files = write_poster(crowded, base, options, tmp_path, templates, lambda partner: "C4")
    assert files[-1] == COMPANION_FILE
    poster_text = squashed(pdf_text(tmp_path / "poster-A1.pdf"))
    assert squashed("Jullie 120 buurtpartners staan met hun nummer op het blad") in poster_text
    assert squashed(crowded.partners[0].name) not in poster_text
    companion = tmp_path / COMPANION_FILE
    pages = len(page_sizes(companion))
    assert set(page_sizes(companion)) == {(595.3, 841.9)} and pages > 1
    listed = squashed("".join(pdf_text(companion, page) for page in range(pages)))
    assert listed.startswith(squashed("Buurtpartners bij de kaart"))
    headings = pdf_text(companion, 0).split()  # each heading whole, none broken over two lines
    assert all(word in headings for word in ("Nr.", "Teken", "Naam", "Soort", "Vak", "Jullie"))
    style = load_style(templates)
    for partner in crowded.partners:
        letter = style.kind_letter(partner.kind)
        if partner.name.isascii():
            assert squashed(f"{partner.number}{letter}{partner.name}") in listed, partner.name
        else:  # mixed-direction lines are stored in visual order
            assert all(squashed(word) in listed for word in partner.name.split()), partner.name
    # The grid square the caller gives, or where the map cannot show the partner.
    assert listed.count("C4") > 0
    assert listed.count("C4") + listed.count("nietopdekaart") == 120


def test_the_companion_sheet_is_laid_out_as_the_table_would_measure_it_itself(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row heights measured once up front give the same pages, byte for byte, as the
    table measuring every row itself (names that wrap to two or three lines included)."""
    crowded = many_partners(team, 90)
    style = load_style(Templates())
    given = tmp_path / "given.pdf"
    partnerlist.write_partner_list(crowded, frozenset({3, 40}), style, given, lambda _: "C4")
    monkeypatch.setattr(partnerlist, "_row_heights", lambda rows, widths: None)
    measured = tmp_path / "measured.pdf"
    partnerlist.write_partner_list(crowded, frozenset({3, 40}), style, measured, lambda _: "C4")
    assert len(page_sizes(given)) > 2
    assert given.read_bytes() == measured.read_bytes()


def test_legend_columns_are_balanced_by_height_in_order() -> None:
    assert balanced_columns([1, 1, 1, 1, 1, 1], 3) == (2, 2, 2)
    assert balanced_columns([3, 1, 1, 1, 1, 1], 2) == (2, 4)
    assert balanced_columns([1, 1, 1, 1, 1, 1, 4], 3) == (4, 2, 1)  # no column above 4
    assert balanced_columns([2, 2], 3) == (1, 1)


def test_sizes_at_a1_are_readable_from_two_metres() -> None:
    style = load_style(Templates())
    layout = make_layout("A1", False, style)
    assert layout.points(style.size("title")) >= layout.points(style.size("title_min")) >= 60
    assert layout.points(style.size("body")) * MIN_LEGEND_FACTOR >= 16
    assert layout.points(style.size("body")) * KEY_FACTORS[-1] >= 16
    assert layout.points(style.size("small")) >= 16
    a3 = make_layout("A3", False, style)
    assert a3.points(style.size("title")) == pytest.approx(layout.points(style.size("title")) / 2)


def test_every_font_is_embedded_and_none_is_a_standard_font(a1: Path) -> None:
    for name in ("poster-A1.pdf", "stickers-A4.pdf"):
        pdf = a1 / name
        fonts = base_fonts(pdf)
        assert fonts, name
        assert all(b"+" in font for font in fonts), fonts  # subset prefix: embedded
        assert not [font for font in fonts if font.startswith(STANDARD_14)]
        assert pdf.read_bytes().count(b"/FontFile2") == len(fonts)


def test_every_partner_and_question_is_in_the_text_layer(team: Team, a1: Path) -> None:
    text = squashed(pdf_text(a1 / "poster-A1.pdf"))
    for partner in team.partners:
        if partner.name.isascii():
            assert squashed(partner.name) in text, partner.name
        else:  # a PDF stores mixed-direction lines in visual order: look for each word
            assert all(word in text for word in partner.name.split()), partner.name
    assert "Çamlıca" in text and "مسجد" in text and "النور" in text
    for question in QUESTIONS:
        assert squashed(question) in text, question
    organisation = team.organisation
    for words in (organisation.name, organisation.site, "12 maart 2027", "Wij zijn hier"):
        assert squashed(words) in text
    assert squashed("5 min") in text and squashed("15 min") in text
    assert "schaal1:3.000" in text  # zoom 17 at 51°N: 0.75 m a pixel, 100 pixels an inch
    assert squashed("© OpenStreetMap-bijdragers, openstreetmap.org/copyright") in text
    assert squashed("Hang ze centraal op, zodat ze een werkinstrument wordt.") in text
    assert squashed("Vul aan waar nodig.") in text


def test_the_base_map_is_embedded_once_as_jpeg(a1: Path) -> None:
    data = (a1 / "poster-A1.pdf").read_bytes()
    assert data.count(b"/Subtype /Image") == 1
    assert b"/DCTDecode" in data
    assert b"ASCII85Decode" not in data


def test_the_preview_is_the_poster_about_1200_pixels_high(a1: Path) -> None:
    from PIL import Image

    with Image.open(a1 / "poster-preview.png") as preview:
        assert 1190 <= preview.height <= 1210
        assert preview.width == pytest.approx(1200 * 594 / 841, abs=3)


def test_nothing_is_printed_within_the_10_mm_margin(a1: Path) -> None:
    scale = 0.25
    image = render(a1 / "poster-A1.pdf", scale)
    margin = round(10 * mm * scale) - 1
    width, height = image.size
    strips = [
        image.crop((0, 0, width, margin)),
        image.crop((0, height - margin, width, height)),
        image.crop((0, 0, margin, height)),
        image.crop((width - margin, 0, width, height)),
    ]
    for strip in strips:
        assert strip.getextrema() == ((255, 255), (255, 255), (255, 255))


def _spread_team(team: Team) -> Team:
    """Three partners far apart, one of each status, each a different Soort."""
    site = team.organisation.coordinates
    assert site is not None
    template = team.partners[0]
    partners = (
        partner_like(
            template,
            number=1,
            name="Gebruikte Partner",
            kind="School",
            known=True,
            used=True,
            coordinates=LatLon(site.lat + 0.003, site.lon - 0.006),
        ),
        partner_like(
            template,
            number=2,
            name="Gekende Partner",
            kind="Sport",
            known=True,
            used=False,
            coordinates=LatLon(site.lat - 0.003, site.lon + 0.006),
        ),
        partner_like(
            template,
            number=3,
            name="Onbekende Partner",
            kind="Cultuur",
            known=False,
            used=False,
            coordinates=LatLon(site.lat - 0.003, site.lon - 0.006),
        ),
    )
    return team.replace(partners=partners, participants=())


def _near(pixel: tuple[int, ...], colour: colors.Color, tolerance: int = 12) -> bool:
    expected = (colour.red * 255, colour.green * 255, colour.blue * 255)
    return all(abs(got - want) <= tolerance for got, want in zip(pixel, expected, strict=False))


def test_markers_stand_where_their_partner_is_in_the_colour_of_its_soort(
    team: Team, tmp_path: Path
) -> None:
    spread = _spread_team(team)
    options = PackOptions()
    base = synthetic_base(spread, options, tmp_path)
    write_poster(spread, base, options, tmp_path, Templates())
    style = load_style(Templates())
    layout = make_layout("A1", False, style)
    frame = PageFrame(
        layout.map_frame.x, layout.map_frame.y, layout.map_frame.width, layout.map_frame.height
    )
    scale = 1.0
    image = render(tmp_path / "poster-A1.pdf", scale)
    page_height = layout.page[1]
    radius = style.size("marker_diameter_mm") * mm / 2

    def pixel(x: float, y: float) -> tuple[int, ...]:
        value = image.getpixel((round(x * scale), round((page_height - y) * scale)))
        assert isinstance(value, tuple)
        return value

    for partner in spread.partners:
        assert partner.coordinates is not None
        x, y = frame.place(base.view, partner.coordinates)
        colour = style.kind_colour(partner.kind)
        above_number = pixel(x, y + radius * 0.7)
        if partner.known:
            assert _near(above_number, colour), (partner.name, above_number)
        else:
            # Between the number (its Soort's letter under it) and the ring.
            inside_ring = pixel(x, y + radius * 0.6)
            assert _near(inside_ring, colors.white), (partner.name, inside_ring)
            assert _near(pixel(x, y + radius * 0.86), colour, 40), partner.name
    printed = squashed(pdf_text(tmp_path / "poster-A1.pdf"))
    for partner in spread.partners:  # each marker: its number over its Soort's letters
        assert f"{partner.number}{style.kind_letter(partner.kind)}" in printed, partner.name
    site = spread.organisation.coordinates
    assert site is not None
    x, y = frame.place(base.view, site)
    pin = style.size("site_marker_mm") * mm
    head = pixel(x - pin * 0.42 * 0.7, y + pin * 0.95)  # the pin's head, beside its white eye
    assert _near(head, style.primary), head


def test_no_base_map_gives_a_plain_map_with_a_note(team: Team, tmp_path: Path) -> None:
    options = PackOptions(paper="A3")
    base = synthetic_base(team, options, tmp_path, ppi=40, image=False)
    write_poster(team, base, options, tmp_path, Templates())
    pdf = tmp_path / "poster-A3.pdf"
    assert b"/Subtype /Image" not in pdf.read_bytes()
    text = squashed(pdf_text(pdf))
    assert squashed("Geen achtergrondkaart beschikbaar") in text
    assert squashed("Wij zijn hier") in text


def test_partners_without_a_place_are_listed_by_name(team: Team, tmp_path: Path) -> None:
    lost = partner_like(team.partners[4], coordinates=None)
    far = partner_like(team.partners[5], coordinates=LatLon(51.2, 4.4))
    changed = team.replace(partners=(*team.partners[:4], lost, far, *team.partners[6:]))
    options = PackOptions(paper="A3")
    base = synthetic_base(changed, options, tmp_path, ppi=40)
    write_poster(changed, base, options, tmp_path, Templates())
    text = squashed(pdf_text(tmp_path / "poster-A3.pdf"))
    # In the legend, each marked where it is listed; the key counts them.
    assert squashed(f"{lost.name} {lost.kind} niet op de kaart") in text
    assert squashed(f"{far.name} {far.kind} niet op de kaart") in text
    outside = [
        p for p in changed.partners if p.coordinates and not base.view.contains(p.coordinates)
    ]
    off_map = 1 + len(outside)
    assert squashed(f"{off_map} buurtpartners staan niet op de kaart (zie de lijst)") in text
    legend = text[text.index("Buurtpartners") : text.index("Zolezenjulliedekaart")]
    assert legend.count("nietopdekaart") == off_map


def test_the_same_input_gives_the_same_bytes(team: Team, tmp_path: Path) -> None:
    options = PackOptions(paper="A2", print_tiles="A3")
    digests = []
    for run in ("one", "two"):
        folder = tmp_path / run
        folder.mkdir()
        # The base map of each run lies in a folder of its own, as in real runs.
        (folder / "kaart").mkdir()
        base = synthetic_base(team, options, folder / "kaart", ppi=40)
        files = write_poster(team, base, options, folder, Templates())
        digests.append(
            {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in files}
        )
    assert digests[0] == digests[1]
    assert len(digests[0]) == 4


def test_a_long_name_and_site_wrap_above_the_subtitle_without_overlap(
    team: Team, tmp_path: Path
) -> None:
    name = "Vereniging voor Sociaal-Cultureel Werk met Volwassenen Gent-Oost en Omstreken vzw"
    site = "Campus Sint-Amandsberg – Afdeling Nederlands als Tweede Taal en Basiseducatie"
    organisation = dataclasses.replace(team.organisation, name=name, site=site)
    long_named = team.replace(organisation=organisation)
    options = PackOptions(paper="A3")
    base = synthetic_base(long_named, options, tmp_path, ppi=30)
    write_poster(long_named, base, options, tmp_path, Templates())
    document = pdfium.PdfDocument(str(tmp_path / "poster-A3.pdf"))
    try:
        textpage = document[0].get_textpage()
        text = textpage.get_text_range()
        title_start = text.index("Vereniging")
        title_end = text.index("vzw") + 3
        subtitle_start = text.index("Campus")
        title_bottom = min(
            textpage.get_charbox(i)[1]
            for i in range(title_start, title_end)
            if not text[i].isspace()
        )
        subtitle_top = max(
            textpage.get_charbox(i)[3] for i in range(subtitle_start, subtitle_start + len(site))
        )
    finally:
        document.close()
    assert squashed(name) in squashed(text) and squashed(site) in squashed(text)
    assert title_bottom > subtitle_top


def test_an_edited_template_changes_the_wording_and_a_broken_one_says_what_to_fix(
    team: Team, tmp_path: Path
) -> None:
    default = Templates().path("poster.toml").read_text(encoding="utf-8")
    edited = tmp_path / "edited"
    edited.mkdir()
    (edited / "poster.toml").write_text(
        default.replace('site_marker = "Wij zijn hier"', 'site_marker = "Hier zijn wij!"'),
        encoding="utf-8",
    )
    options = PackOptions(paper="A3")
    base = synthetic_base(team, options, tmp_path, ppi=30)
    write_poster(team, base, options, tmp_path, Templates(edited))
    assert "Hierzijnwij!" in squashed(pdf_text(tmp_path / "poster-A3.pdf"))

    (edited / "poster.toml").write_text(default.replace("[panel]", "[paneel]"), encoding="utf-8")
    with pytest.raises(TemplateError) as raised:
        write_poster(team, base, options, tmp_path, Templates(edited))
    assert raised.value.format_message() == (
        f"{edited / 'poster.toml'}: de sectie [panel] ontbreekt; voeg ze toe of zet het "
        "bestand terug"
    )


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("label", ["1", "8", "10", "11", "38", "40", "100"])
def test_a_marker_number_stays_inside_its_ring_or_shape(status: Status, label: str) -> None:
    style = load_style(Templates())
    diameter = style.size("marker_diameter_mm") * mm
    size = label_size(label, diameter, status, style.fonts.bold)
    width = stringWidth(label, style.fonts.bold, size)
    # An open marker's ring is 0.144 of its diameter thick on each side.
    clear = diameter * (1 - 2 * 0.144) if status is Status.NOT_KNOWN else diameter * 0.8
    assert width < clear
    if len(label) == 1:
        assert size == pytest.approx(diameter * 0.52)  # one digit keeps the full size


def pin_mid_map() -> tuple[PosterStyle, PosterLayout, tuple[float, float], SiteMarker]:
    """An A1 page and the site marker mid-map, its tag where it usually goes."""
    style = load_style(Templates())
    layout = make_layout("A1", False, style)
    site = (layout.map_frame.x + layout.map_frame.width / 2, layout.map_frame.y + 400)
    return style, layout, site, site_marker(site, 22 * mm, layout, style)


def test_the_site_tag_moves_off_a_participant_count_beside_the_pin(team: Team) -> None:
    style, layout, site, usual = pin_mid_map()
    count_under_usual_tag = Obstacle(usual.tag.x + usual.tag.width / 2, usual.head_y, 15)
    moved = site_marker(site, 22 * mm, layout, style, [count_under_usual_tag], layout.map_frame)
    assert usual.tag.x > site[0]
    assert moved.tag.right < site[0]  # now left of the pin, clear of the count


def test_the_site_label_is_written_inside_its_tag_wherever_the_tag_goes(tmp_path: Path) -> None:
    style, layout, site, usual = pin_mid_map()
    right = Obstacle(usual.tag.x + usual.tag.width / 2, usual.head_y, 15)
    left = Obstacle(site[0] - usual.head_radius * 1.3 - usual.tag.width / 2, usual.head_y, 15)
    above = site_marker(site, 22 * mm, layout, style, [right, left], layout.map_frame)
    assert above.tag.y > above.head_y  # the case that drew its words at the head's height
    for marker in (usual, above):
        path = tmp_path / "site.pdf"
        canvas = new_canvas(path, layout.page, style, "site")
        draw_site(canvas, marker, layout, style)
        canvas.save()
        boxes = char_boxes(path, marker.label)
        tag = marker.tag
        assert all(
            tag.x < left_ and right_ < tag.right and tag.y < bottom and top < tag.top
            for left_, bottom, right_, top in boxes
        ), (tag, boxes)


def test_a_postcode_tag_keeps_clear_of_the_pin_and_says_how_many_with_the_unit(
    team: Team, tmp_path: Path
) -> None:
    site = team.organisation.coordinates
    assert site is not None
    options = PackOptions()
    style = load_style(Templates())
    base = synthetic_base(team, options, tmp_path, ppi=30)
    frame = make_layout("A1", False, style).map_frame.as_frame()
    site_xy = frame.place(base.view, site)
    points_per_degree = (
        frame.place(base.view, LatLon(site.lat + 0.001, site.lon))[1] - site_xy[1]
    ) / 0.001
    above_pin = LatLon(site.lat + 40 / points_per_degree, site.lon)  # 40 pt over the site
    small = team.participants[0]
    streets = tuple(
        dataclasses.replace(
            small,
            address=dataclasses.replace(small.address, street=street, postcode="9999"),
            count=2,
            coordinates=above_pin,
        )
        for street in ("Astraat", "Bstraat")
    )
    crowded = team.replace(participants=streets)
    poster = prepare_poster(crowded, base, options, style)
    (mark,) = poster.plan.participants
    assert mark.merged and mark.text == "9999: 4 deelnemers samen"
    marker = poster.plan.site_marker
    assert marker is not None
    assert not mark.tag.meets(marker.tag) and not mark.tag.meets(marker.pin_box)
    write_poster_pdf(poster, tmp_path / "poster.pdf")
    boxes = char_boxes(tmp_path / "poster.pdf", "9999: 4 deelnemers samen")
    assert all(
        mark.tag.x < left < right < mark.tag.right and mark.tag.y < bottom < top < mark.tag.top
        for left, bottom, right, top in boxes
    )


def test_the_site_tag_stays_on_the_map_near_its_right_edge() -> None:
    style = load_style(Templates())
    layout = make_layout("A1", False, style)
    site = (layout.map_frame.right - 20, layout.map_frame.y + 400)
    marker = site_marker(site, 22 * mm, layout, style, [], layout.map_frame)
    assert layout.map_frame.x <= marker.tag.x and marker.tag.right <= layout.map_frame.right


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize(("label", "letter"), [("1", "O"), ("38", "Sp"), ("100", "Sc")])
def test_number_and_soort_letters_stand_apart_inside_the_marker(
    status: Status, label: str, letter: str, tmp_path: Path
) -> None:
    style = load_style(Templates())
    diameter = style.size("marker_diameter_mm") * mm * 3  # large, so boxes are exact enough
    path = tmp_path / "marker.pdf"
    canvas = new_canvas(path, (400, 400), style, "marker")
    draw_marker(canvas, 200, 200, diameter, colors.black, status, label, style.fonts.bold, letter)
    canvas.save()
    number, letters = char_boxes(path, label), char_boxes(path, letter)
    ring = diameter / 2 * (1 - 2 * 0.144 if status is Status.NOT_KNOWN else 0.9)
    for left, bottom, right, top in (*number, *letters):
        corners = ((left, bottom), (left, top), (right, bottom), (right, top))
        assert all(math.dist(corner, (200, 200)) < ring for corner in corners), (left, top)
    assert min(box[1] for box in number) > max(box[3] for box in letters)
    assert max(box[3] - box[1] for box in letters) < min(box[3] - box[1] for box in number)
