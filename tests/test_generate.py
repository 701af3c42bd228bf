"""`buurtkaart generate` end to end: workbook, map from a local tile server, every file."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
from click.testing import CliRunner

from generator.cli import main
from tests.servers import TileServer

PACK = "buurthuis-de-oever-vzw-vestiging-dampoort"
PACK_FILES = [
    "1-visie-en-doel.docx",
    "2-de-buurt.docx",
    "3-aanpak.docx",
    "4-kaartoefening.docx",
    "5-samenwerken.docx",
    "6-actieplan.docx",
    "7-draaiboek.docx",
    "pack.json",
    "poster-A1-tegels-A4.pdf",
    "poster-A1.pdf",
    "poster-preview.png",
    "stickers-A4.pdf",
    "werkbladen.docx",
]


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
    poster = pdfium.PdfDocument(pack / "poster-A1.pdf")
    assert [round(side) for side in poster[0].get_size()] == [1684, 2384]
    assert "Buurthuis De Oever vzw" in poster[0].get_textpage().get_text_range()

    second = runner.invoke(main, arguments)

    assert second.exit_code == 0, second.output
    assert tile_server.count == fetched  # the warm cache answers everything


def test_generate_without_tiles_still_makes_the_pack_with_one_warning(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(main, ["generate", str(example_workbook), "--out", str(out)])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1
    assert "no map tiles could be had" in warnings[0]
    assert "--tiles URL" in warnings[0]
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
    assert result.exit_code == 0, result.output
    assert tile_server.count == 0
    assert len([line for line in result.stderr.splitlines() if line.startswith("Warning:")]) == 1
    assert (out / PACK / "poster-A1.pdf").is_file()
