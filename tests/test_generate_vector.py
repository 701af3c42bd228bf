"""`buurtkaart generate` with the vector base map: map data from a local Overpass stand-in."""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.map_support import town_answer
from tests.osm_support import neighbourhood_xml
from tests.poster_support import pdf_text, squashed
from tests.servers import GeocoderServer, OverpassServer

PACK = "buurthuis-de-oever-vzw-vestiging-dampoort"


@pytest.fixture
def overpass(overpass_server: OverpassServer, monkeypatch: pytest.MonkeyPatch) -> OverpassServer:
    overpass_server.answer = town_answer()
    monkeypatch.setenv("BUURTKAART_OVERPASS_URL", overpass_server.url)
    return overpass_server


def generate(runner: CliRunner, workbook: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(
        main, ["generate", str(workbook), "--out", str(out), "--basemap", "vector", *extra]
    )
    return result.exit_code, result.stderr


def test_the_vector_map_asks_overpass_once_and_writes_the_street_index(
    runner: CliRunner, example_workbook: Path, overpass: OverpassServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, stderr = generate(runner, example_workbook, out)

    assert code == 0, stderr
    assert "Let op" not in stderr
    assert overpass.count == 1
    assert overpass.queries[0].startswith("[out:json]")
    assert all(agent.startswith("buurtkaart/") for agent in overpass.user_agents)
    pack = out / PACK
    manifest = json.loads((pack / "pack.json").read_text(encoding="utf-8"))
    assert "stratenindex.pdf" in manifest["files"]
    poster = squashed(pdf_text(pack / "poster-A1.pdf"))
    for street in ("Dampoortstraat", "GroteSteenweg", "Kastanjelaan"):
        assert street in poster
    index = pdf_text(pack / "stratenindex.pdf")
    assert "Stratenindex bij de kaart" in index
    assert "Aalststraat" in index and "Grote Steenweg" in index

    worksheet = "\n".join(
        cell.text
        for table in docx.Document(str(pack / "4-kaartoefening.docx")).tables
        for row in table.rows
        for cell in row.cells
    )
    # Dampoortstraat runs east-west across the town: one row of squares, column after column.
    found = re.search(r"Dampoortstraat \(vakken ((?:[A-Z]\d+, )+[A-Z]\d+)\)", worksheet)
    assert found is not None, worksheet
    squares = found.group(1).split(", ")
    assert len({square[1:] for square in squares}) == 1 and len(squares) >= 4
    assert re.search(r"Dampoortstraat 12, 9000 Gent · vak [A-Z]\d+", worksheet)

    poster_bytes = (pack / "poster-A1.pdf").read_bytes()
    code, stderr = generate(runner, example_workbook, out)
    assert code == 0, stderr
    assert overpass.count == 1  # the cached answer serves the second run
    assert (pack / "poster-A1.pdf").read_bytes() == poster_bytes


def test_a_participant_street_is_placed_from_the_map_data_not_the_geocoder(
    runner: CliRunner,
    example_workbook: Path,
    overpass: OverpassServer,
    geocoder_server: GeocoderServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("BUURTKAART_GEOCODER_URL", geocoder_server.url)
    workbook = openpyxl.load_workbook(example_workbook)
    sheet = workbook["Deelnemers"]
    headers = [cell.value for cell in sheet[1]]
    street, coordinates = headers.index("Straat") + 1, headers.index("Coördinaten") + 1
    cleared: list[str] = []
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, street).value in ("Dampoortstraat", "Kongostraat"):
            sheet.cell(row, coordinates).value = None
            cleared.append(str(sheet.cell(row, street).value))
    assert sorted(cleared) == ["Dampoortstraat", "Kongostraat"]
    changed = tmp_path / "deelnemers.xlsx"
    workbook.save(changed)

    code, stderr = generate(runner, changed, tmp_path / "out")

    assert code == 0, stderr
    asked = " | ".join(geocoder_server.queries)
    assert "Dampoortstraat" not in asked  # the town's data has it
    assert "Kongostraat" in asked  # the town's data does not: the geocoder is asked
    manifest = json.loads((tmp_path / "out" / PACK / "pack.json").read_text(encoding="utf-8"))
    origins = {  # streets with fewer than --min-count participants are merged, not named
        record["street"]: record["coordinate_origin"] for record in manifest["team"]["participants"]
    }
    assert origins["Dampoortstraat"] == "map data"
    placed = {row["street"]: row["placed"] for row in manifest["team"]["participants"]}
    assert placed["Dampoortstraat"] is True


def test_without_network_cache_or_file_the_pack_is_made_and_says_why(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, stderr = generate(runner, example_workbook, out)

    assert code == 3, stderr  # written, but without its map: not a success
    assert stderr.splitlines()[-2].endswith(", maar onvolledig: geen basiskaart")
    assert (
        f"Let op: {example_workbook}: geen kaartgegevens te krijgen (geen verbinding met de "
        "Overpass-server op 127.0.0.1); de kaart krijgt een effen achtergrond" in stderr
    )
    assert "--osm-file" in stderr and "--basemap tiles" in stderr
    poster = pdf_text(out / PACK / "poster-A1.pdf")
    assert "Geen achtergrondkaart beschikbaar" in poster
    assert not (out / PACK / "stratenindex.pdf").exists()


def test_an_osm_file_draws_the_map_without_any_server(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    extract = neighbourhood_xml(tmp_path / "buurt.osm")
    out = tmp_path / "out"
    code, stderr = generate(runner, example_workbook, out, "--osm-file", str(extract))

    assert code == 0, stderr
    assert "Let op" not in stderr
    assert (out / PACK / "stratenindex.pdf").exists()
