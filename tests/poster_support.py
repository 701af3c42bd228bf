"""Helpers for the poster tests: a synthetic base map, teams with chosen partners, PDF reading."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from generator.map.basemap import BaseMap
from generator.map.geometry import MapView
from generator.model import LatLon, MapSticker, ParticipantOrigin, Partner, Source, Team
from generator.options import PackOptions
from generator.poster import map_frame_mm
from generator.resources import Templates
from generator.workbook import read_team

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "input" / "voorbeeld.xlsx"
MAP_BACKGROUND = (236, 232, 224)  # a neutral beige, far from every Soort colour


def example_team() -> Team:
    return read_team(EXAMPLE)


def synthetic_base(
    team: Team, options: PackOptions, folder: Path, ppi: float = 100, image: bool = True
) -> BaseMap:
    """A base map of the frame's size at ``ppi`` tile pixels per inch, centred on the site."""
    width_mm, height_mm = map_frame_mm(team, options, Templates())
    width_px, height_px = round(width_mm / 25.4 * ppi), round(height_mm / 25.4 * ppi)
    centre = team.organisation.coordinates or LatLon(51.056, 3.741)
    view = MapView.around(centre, 17, width_px, height_px)
    path = None
    if image:
        path = folder / f"base-{width_px}x{height_px}.jpg"
        Image.new("RGB", (width_px, height_px), MAP_BACKGROUND).save(path, quality=85)
    return BaseMap(
        view=view,
        image=path,
        attribution="© OpenStreetMap-bijdragers, openstreetmap.org/copyright",
    )


def partner_like(template: Partner, **changes: object) -> Partner:
    return dataclasses.replace(template, **changes)  # type: ignore[arg-type]


def participant_like(template: ParticipantOrigin, **changes: object) -> ParticipantOrigin:
    return dataclasses.replace(template, **changes)  # type: ignore[arg-type]


def font_sizes_of(path: Path, snippets: list[str], page_index: int = 0) -> list[float]:
    """The font size, in points, of the first character of each snippet on the page."""
    document = pdfium.PdfDocument(str(path))
    try:
        text_page = document[page_index].get_textpage()
        text = text_page.get_text_range()
        starts = [text.index(snippet) for snippet in snippets]
        return [float(pdfium_c.FPDFText_GetFontSize(text_page.raw, start)) for start in starts]
    finally:
        document.close()


def char_boxes(path: Path, snippet: str) -> list[tuple[float, float, float, float]]:
    """Left, bottom, right and top in points of each visible character of the snippet."""
    document = pdfium.PdfDocument(str(path))
    try:
        text_page = document[0].get_textpage()
        start = text_page.get_text_range().index(snippet)
        indices = range(start, start + len(snippet))
        return [text_page.get_charbox(i) for i in indices if not snippet[i - start].isspace()]
    finally:
        document.close()


def pdf_text(path: Path, page_index: int = 0) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return str(document[page_index].get_textpage().get_text_range())
    finally:
        document.close()


def squashed(text: str) -> str:
    """Text without any whitespace: names wrapped over lines still match."""
    return "".join(text.split())


def page_sizes(path: Path) -> list[tuple[float, float]]:
    document = pdfium.PdfDocument(str(path))
    try:
        sizes = [page.get_size() for page in document]
        return [(round(width, 1), round(height, 1)) for width, height in sizes]
    finally:
        document.close()


def render(path: Path, scale: float, page_index: int = 0) -> Image.Image:
    document = pdfium.PdfDocument(str(path))
    try:
        image: Image.Image = document[page_index].render(scale=scale).to_pil().convert("RGB")
        return image
    finally:
        document.close()


def base_fonts(path: Path) -> list[bytes]:
    return re.findall(rb"/BaseFont\s*/([^\s/>\]]+)", path.read_bytes())


LONG_ORGANISATION = (
    "Vereniging voor Sociaal-Cultureel Werk en Basiseducatie met Volwassenen Gent-Oost, "
    "Sint-Amandsberg en Omstreken vzw"
)
KINDS = (
    "Organisatie",
    "Vereniging",
    "School",
    "Bibliotheek",
    "Sport",
    "Zorg en welzijn",
    "Cultuur",
    "Jeugd",
    "Levensbeschouwing",
    "Winkel of horeca",
    "Groen en spelen",
    "Openbare dienst",
    "Andere",
)


def hard_team(team: Team, partners: int = 45, streets: int = 25) -> Team:
    """A real team's worst case: long partner names of every Soort and status spread around
    the site, many participant streets (some small, merged per postcode) and a long name."""
    site = team.organisation.coordinates or LatLon(51.056, 3.741)
    partner = team.partners[0]
    many = tuple(
        partner_like(
            partner,
            number=index + 1,
            name=(
                f"Buurtpartner {index + 1} met een lange naam: "
                f"{KINDS[index % len(KINDS)]}centrum Sint-Amandsberg-Dampoort"
            ),
            kind=KINDS[index % len(KINDS)],
            known=index % 3 != 2,
            used=index % 3 == 0,
            coordinates=LatLon(
                site.lat + 0.0035 * ((index * 7) % 11 - 5) / 5,
                site.lon + 0.006 * ((index * 5) % 13 - 6) / 6,
            ),
        )
        for index in range(partners)
    )
    origin = team.participants[0]
    origins = tuple(
        participant_like(
            origin,
            address=dataclasses.replace(
                origin.address, street=f"Straat {index + 1}", postcode=f"90{index % 4}0"
            ),
            count=1 + (index * 11) % 45,
            coordinates=LatLon(
                site.lat + 0.003 * ((index * 3) % 9 - 4) / 4,
                site.lon + 0.005 * ((index * 7) % 9 - 4) / 4,
            ),
        )
        for index in range(streets)
    )
    organisation = dataclasses.replace(team.organisation, name=LONG_ORGANISATION)
    return team.replace(organisation=organisation, partners=many, participants=origins)


def sizes_before(path: Path, snippets: list[str], page_index: int = 0) -> list[float]:
    """The font size of the last visible character before each snippet (a list's number)."""
    document = pdfium.PdfDocument(str(path))
    try:
        text_page = document[page_index].get_textpage()
        text = text_page.get_text_range()
        sizes = []
        for snippet in snippets:
            before = text.index(snippet) - 1
            while text[before].isspace():
                before -= 1
            sizes.append(float(pdfium_c.FPDFText_GetFontSize(text_page.raw, before)))
        return sizes
    finally:
        document.close()


PREVIOUS_COLOURS = ("origins", "around", "known", "used")


def with_previous_stickers(team: Team, count: int = 14, far: bool = True) -> Team:
    """The team after a scanned session: ``count`` stickers of the four colours spread around
    the site (some on partners' places, where markers are drawn over them) and, with ``far``,
    one sticker well beyond any map's edge."""
    site = team.organisation.coordinates or LatLon(51.056, 3.741)
    stickers = [
        MapSticker(
            PREVIOUS_COLOURS[index % 4],
            LatLon(
                site.lat + 0.004 * ((index * 5) % 9 - 4) / 4,
                site.lon + 0.0065 * ((index * 7) % 11 - 5) / 5,
            ),
            source=Source("Kaartoefening", index + 2),
        )
        for index in range(count)
    ]
    placed = [partner for partner in team.partners if partner.coordinates is not None]
    stickers.extend(
        MapSticker("used", partner.coordinates, source=Source("Kaartoefening", count + 2 + i))
        for i, partner in enumerate(placed[:2])
        if partner.coordinates is not None
    )
    if far:
        stickers.append(MapSticker("origins", LatLon(site.lat + 0.2, site.lon)))
    return team.replace(previous_stickers=tuple(stickers))
