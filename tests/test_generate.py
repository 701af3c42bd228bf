"""`buurtkaart generate` end to end: workbook, map from a local tile server, every file."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.servers import GeocoderServer, TileServer

PACK = "buurthuis-de-oever-vzw-vestiging-dampoort"
PACK_FILES = [
    "1-visie-en-doel.docx",
    "2-de-buurt.docx",
    "3-aanpak.docx",
    "4-kaartoefening.docx",
    "5-samenwerken.docx",
    "6-actieplan.docx",
    "7-draaiboek.docx",
    "8-voorbereiding.docx",
    "pack.json",
    "poster-A1-tegels-A4.pdf",
    "poster-A1.pdf",
    "poster-preview.png",
    "stickers-A4.pdf",
    "werkbladen.docx",
]


def page_size_and_text(pdf: Path) -> tuple[tuple[float, float], str]:
    """The first page's size in points and its text layer."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        return page.get_size(), page.get_textpage().get_text_range()
    finally:
        document.close()


def test_generate_makes_the_whole_pack_and_asks_nothing_twice(
    runner: CliRunner, example_workbook: Path, tile_server: TileServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    arguments = [
        "generate",
        str(example_workbook),
        "--out",
        str(out),
        "--tiles",
        tile_server.url,
        "--print-tiles",
        "A4",
    ]

    first = runner.invoke(main, arguments)

    assert first.exit_code == 0, first.output
    assert "Warning" not in first.stderr
    pack = out / PACK
    assert sorted(entry.name for entry in pack.iterdir()) == PACK_FILES
    manifest = json.loads((pack / "pack.json").read_text(encoding="utf-8"))
    assert manifest["files"] == PACK_FILES
    fetched = tile_server.count
    assert fetched > 50
    assert all(agent.startswith("buurtkaart/") for agent in tile_server.user_agents)
    size, text = page_size_and_text(pack / "poster-A1.pdf")
    assert [round(side) for side in size] == [1684, 2384]
    assert "Buurthuis De Oever vzw" in text

    poster_bytes = (pack / "poster-A1.pdf").read_bytes()
    second = runner.invoke(main, arguments)

    assert second.exit_code == 0, second.output
    assert tile_server.count == fetched  # the warm cache answers everything
    assert (pack / "poster-A1.pdf").read_bytes() == poster_bytes


def test_generate_without_tiles_still_makes_the_pack_with_one_warning(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(main, ["generate", str(example_workbook), "--out", str(out)])
    assert result.exit_code == 3, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Let op:")]
    assert len(warnings) == 1
    assert "geen kaarttegels te krijgen" in warnings[0]
    assert "--tiles URL" in warnings[0]
    assert result.stderr.splitlines()[-2:] == [
        (
            f"{example_workbook}: pakket geschreven naar {out / PACK}, maar onvolledig: geen "
            "basiskaart"
        ),
        "1 van 1 pakket onvolledig geschreven; lees de meldingen hierboven en probeer "
        "opnieuw zodra de servers bereikbaar zijn",
    ]
    assert (out / PACK / "poster-A1.pdf").is_file()


def test_generate_offline_with_an_empty_cache_warns_and_makes_the_pack(
    runner: CliRunner, example_workbook: Path, tile_server: TileServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "generate",
            str(example_workbook),
            "--out",
            str(out),
            "--tiles",
            tile_server.url,
            "--offline",
        ],
    )
    assert result.exit_code == 3, result.output  # a pack without a map is not a success
    assert tile_server.count == 0
    assert len([line for line in result.stderr.splitlines() if line.startswith("Let op:")]) == 1
    assert (out / PACK / "poster-A1.pdf").is_file()


def test_a_broken_edited_template_stops_generate_before_any_pack(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    edited = tmp_path / "sjablonen"
    assert runner.invoke(main, ["templates", "export", str(edited)]).exit_code == 0
    sheet = edited / "werkbladen" / "1-visie-en-doel.docx"
    original = sheet.read_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(sheet, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/header1.xml":
                content = content.replace(b"organisation.name", b"organisaton.name")
            target.writestr(item, content)
    out = tmp_path / "out"

    result = runner.invoke(
        main, ["generate", str(example_workbook), "--out", str(out), "--templates", str(edited)]
    )

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Fout: {sheet}: onbekend veld 'organisaton' in de tag {{{{ organisaton.name }}}}; "
        "verbeter het in Word, of verwijder het bestand uit je sjablonenmap om het "
        "standaardsjabloon te gebruiken"
    )
    assert not out.exists() or list(out.iterdir()) == []


def test_an_address_the_geocoder_misses_is_warned_about_and_listed_in_dutch(
    runner: CliRunner,
    example_workbook: Path,
    tile_server: TileServer,
    geocoder_server: GeocoderServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    workbook["Buurtpartners"]["F3"] = None  # Basisschool De Regenboog, Kasteellaan 30
    workbook["Deelnemers"]["E3"] = None  # Kasteellaan, 9000 Gent
    path = tmp_path / "adressen.xlsx"
    workbook.save(path)
    geocoder_server.places["kasteellaan, 9000 gent, belgium"] = (51.0532, 3.7386)
    monkeypatch.setenv("BUURTKAART_GEOCODER_URL", geocoder_server.url)
    out = tmp_path / "out"

    result = runner.invoke(
        main, ["generate", str(path), "--out", str(out), "--tiles", tile_server.url]
    )

    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Let op:")]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"Let op: {path}: blad 'Buurtpartners', rij 3: ")
    assert sorted(geocoder_server.queries) == [
        "Kasteellaan 30, 9000 Gent, Belgium",
        "Kasteellaan, 9000 Gent, Belgium",
    ]
    manifest = json.loads((out / PACK / "pack.json").read_text(encoding="utf-8"))
    assert manifest["team"]["participants"][1]["coordinate_origin"] == "geocoded"  # Kasteellaan
    assert manifest["team"]["partners"][1]["coordinate_origin"] == "not placed"
    _, poster = page_size_and_text(out / PACK / "poster-A1.pdf")
    # The legend marks the partner; the key counts those the map cannot show.
    squashed = "".join(poster.split())
    assert "BasisschoolDeRegenboogSchoolnietopdekaart" in squashed
    assert "1buurtpartnerstaatnietopdekaart" in squashed
    assert "sheet 'Buurtpartners'" not in poster  # the CLI's English stays on the terminal


def test_a_batch_fetches_a_tile_two_packs_share_once(
    runner: CliRunner, example_workbook: Path, tile_server: TileServer, tmp_path: Path
) -> None:
    workbooks = []
    for name in ("Buurthuis Noord", "Buurthuis Zuid"):
        workbook = openpyxl.load_workbook(example_workbook)
        workbook["Organisatie"]["B2"] = name
        workbooks.append(tmp_path / f"{name}.xlsx")
        workbook.save(workbooks[-1])
    out = tmp_path / "out"

    result = runner.invoke(
        main, ["generate", *map(str, workbooks), "--out", str(out), "--tiles", tile_server.url]
    )

    assert result.exit_code == 0, result.output
    assert sorted(entry.name for entry in out.iterdir()) == [
        "buurthuis-noord-vestiging-dampoort",
        "buurthuis-zuid-vestiging-dampoort",
    ]
    assert len(tile_server.paths) == len(set(tile_server.paths)) > 50


def test_round_trip_init_fill_validate_generate(
    runner: CliRunner, tile_server: TileServer, tmp_path: Path
) -> None:
    path = tmp_path / "team.xlsx"
    assert runner.invoke(main, ["init", str(path)]).exit_code == 0
    workbook = openpyxl.load_workbook(path)
    organisation = workbook["Organisatie"]
    organisation["B2"] = "Bib & Co <Oost>"
    organisation["B3"] = "Filiaal Çamlıca"
    organisation["B7"] = "51,0560; 3,7410"
    organisation["B9"] = "deelnemers"
    workbook["Visie"]["B4"] = "Iedereen mag meedoen, in elke taal."
    workbook["Aanpak"]["B2"] = "x"
    partners = workbook["Buurtpartners"]
    partners.append(
        ["Speelplein Oost", "groen en spelen", None, None, None, "51.057, 3.742", "JA", "nee"]
    )
    participants = workbook["Deelnemers"]
    participants.append(["Dampoortstraat", 9000, "Gent", 6, "51.0566, 3.7374"])
    participants.append(["Ham", 9000, "Gent", 4, "51.0585, 3.7330"])
    workbook.save(path)

    validated = runner.invoke(main, ["validate", str(path)])
    assert validated.exit_code == 0, validated.output
    assert validated.stderr == f"{path}: in orde (1 buurtpartner, 2 straten, 0 acties)\n"

    out = tmp_path / "out"
    generated = runner.invoke(
        main, ["generate", str(path), "--out", str(out), "--tiles", tile_server.url]
    )
    assert generated.exit_code == 0, generated.output
    [pack] = out.iterdir()
    assert pack.name == "bib-co-oost-filiaal-camlica"
    team = json.loads((pack / "pack.json").read_text(encoding="utf-8"))["team"]
    assert team["organisation"]["name"] == "Bib & Co <Oost>"
    assert team["organisation"]["delimitation"] == "participants"
    assert team["answers"][2]["answer"] == "Iedereen mag meedoen, in elke taal."
    assert team["choices"][0]["chosen"] is True
    assert team["partners"][0]["kind"] == "Groen en spelen"
    assert (team["partners"][0]["known"], team["partners"][0]["used"]) == (True, False)
    _, poster = page_size_and_text(pack / "poster-A1.pdf")
    assert "Bib & Co <Oost>" in poster
    assert "Speelplein Oost" in poster


def test_a_malformed_tile_url_stops_generate_before_anything_is_fetched(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    template = "http://localhost:abc/{z}/{x}/{y}.png"
    result = runner.invoke(
        main, ["generate", str(example_workbook), "--out", str(out), "--tiles", template]
    )
    assert result.exit_code == 2  # a usage error, found while the options are parsed
    assert result.stderr == (
        "Gebruik: main generate [OPTIONS] WORKBOOKS...\nTyp 'main generate --help' voor "
        f"hulp.\n\nFout: Ongeldige waarde voor '--tiles': het URL-sjabloon '{template}' heeft "
        "een poort die geen getal van 0 tot 65535 is; schrijf ze als "
        f"https://host:8080/{{z}}/{{x}}/{{y}}.png, of laat de poort weg\n"
    )
    assert not out.exists()
