"""Participants on the wall: no street with fewer than --min-count people shows on its own."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from generator.model import Address, LatLon, ParticipantOrigin, Team
from generator.options import PackOptions
from generator.poster import write_poster
from generator.poster.document import prepare_poster
from generator.poster.layout import make_layout
from generator.poster.style import load_style
from generator.privacy import ParticipantGroup, summarise_participants
from generator.resources import Templates
from tests.poster_support import example_team, participant_like, pdf_text, squashed, synthetic_base


@pytest.fixture(scope="module")
def team() -> Team:
    return example_team()


def _origin(
    team: Team, street: str, postcode: str, count: int, at: LatLon | None
) -> ParticipantOrigin:
    return participant_like(
        team.participants[0],
        address=Address(street, postcode, "Gent"),
        count=count,
        coordinates=at,
    )


def test_small_streets_merge_per_postcode_at_their_centre(team: Team) -> None:
    origins = [
        _origin(team, "Grotestraat", "9000", 5, LatLon(51.0, 3.0)),
        _origin(team, "Kleinstraat", "9000", 2, LatLon(51.1, 3.2)),
        _origin(team, "Smalstraat", "9000", 1, LatLon(51.3, 3.4)),
        _origin(team, "Eenzamestraat", "9040", 2, LatLon(51.2, 3.1)),
        _origin(team, "Nergensstraat", "9000", 4, None),
    ]
    summary = summarise_participants(origins, min_count=3)
    assert summary.groups == (
        ParticipantGroup(LatLon(51.0, 3.0), 5, None, "Grotestraat"),
        ParticipantGroup(LatLon(pytest.approx(51.2), pytest.approx(3.3)), 3, "9000"),  # type: ignore[arg-type]
    )
    assert summary.hidden == 2 + 4  # 9040 alone stays below 3; the unplaced street is counted


def test_min_count_one_shows_every_street(team: Team) -> None:
    origins = [_origin(team, f"Straat {n}", "9000", 1, LatLon(51 + n / 100, 3.0)) for n in range(3)]
    summary = summarise_participants(origins, min_count=1)
    assert [group.count for group in summary.groups] == [1, 1, 1]
    assert summary.hidden == 0


def test_streets_without_postcode_are_only_counted(team: Team) -> None:
    origins = [
        _origin(team, "Astraat", "", 2, LatLon(51.0, 3.0)),
        _origin(team, "Bstraat", "", 2, LatLon(51.1, 3.1)),
    ]
    summary = summarise_participants(origins, min_count=3)
    assert summary.groups == ()
    assert summary.hidden == 4


def test_the_poster_never_shows_a_small_street(team: Team, tmp_path: Path) -> None:
    site = team.organisation.coordinates
    assert site is not None
    west = LatLon(site.lat + 0.002, site.lon - 0.005)
    east = LatLon(site.lat - 0.002, site.lon + 0.005)
    participants = (
        _origin(team, "Drukkestraat", "9000", 12, LatLon(site.lat + 0.003, site.lon)),
        _origin(team, "Verborgenstraat", "9999", 2, west),
        _origin(team, "Stillestraat", "9999", 2, east),
        _origin(team, "Eenzamestraat", "9032", 1, LatLon(site.lat - 0.003, site.lon)),
    )
    private = team.replace(participants=participants)
    options = PackOptions()
    base = synthetic_base(private, options, tmp_path, ppi=60)
    write_poster(private, base, options, tmp_path, Templates())
    pdf = tmp_path / "poster-A1.pdf"
    text = squashed(pdf_text(pdf))
    for street in ("Drukkestraat", "Verborgenstraat", "Stillestraat", "Eenzamestraat"):
        assert street not in text
    assert "9999:4deelnemerssamen" in text
    assert squashed("1 deelnemer staat niet op de kaart") in text
    assert squashed("Straten met minder dan 3 deelnemers staan samen per postcode") in text

    frame = make_layout("A1", False, load_style(Templates())).map_frame.as_frame()
    poster = prepare_poster(private, base, options, load_style(Templates()))
    document = pdfium.PdfDocument(str(pdf))
    try:
        textpage = document[0].get_textpage()

        def text_near(point: LatLon, reach: float = 25.0) -> str:
            x, y = frame.place(base.view, point)
            return str(textpage.get_text_bounded(x - reach, y - reach, x + reach, y + reach))

        for small_street in (west, east):
            assert "2" not in text_near(small_street)
        centre = frame.place(
            base.view, LatLon((west.lat + east.lat) / 2, (west.lon + east.lon) / 2)
        )
        tags = {mark.text: mark for mark in poster.plan.participants}
        assert set(tags) == {"12 deelnemers", "9999: 4 deelnemers samen"}
        merged = tags["9999: 4 deelnemers samen"]
        assert (merged.x, merged.y) == pytest.approx(centre)  # at the centre of its streets
        box = merged.tag
        inside = textpage.get_text_bounded(box.x, box.y, box.right, box.top)
        assert squashed(str(inside)) == "9999:4deelnemerssamen"
    finally:
        document.close()
