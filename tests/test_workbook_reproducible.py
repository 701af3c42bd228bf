"""Workbooks are the same bytes for the same input: no clock in their properties or zip dates."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.model import LatLon, MapSticker
from generator.resources import Templates
from generator.workbook import write_workbook
from generator.workbook.kaartoefening import write_workbook_with_stickers

STICKERS = (MapSticker("origins", LatLon(51.0561234, 3.7419876), (120.04, 233.96), "C4", ""),)


def stamps(path: Path) -> tuple[set[tuple[int, int, int, int, int, int]], str]:
    """Every zip member's date, and the modified time in docProps/core.xml."""
    with zipfile.ZipFile(path) as archive:
        dates = {member.date_time for member in archive.infolist()}
        core = archive.read("docProps/core.xml").decode()
    return dates, core.split("<dcterms:modified")[1].split(">")[1].split("<")[0]


@pytest.mark.parametrize("example", [False, True], ids=["blank", "example"])
def test_init_writes_the_same_bytes_twice(tmp_path: Path, example: bool) -> None:
    runner = CliRunner()
    paths = [tmp_path / "een.xlsx", tmp_path / "twee.xlsx"]
    for path in paths:
        arguments = ["init", str(path), *(["--example"] if example else [])]
        result = runner.invoke(main, arguments, catch_exceptions=False)
        assert result.exit_code == 0
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert stamps(paths[0]) == ({(2026, 1, 1, 0, 0, 0)}, "2026-01-01T00:00:00Z")
    book = openpyxl.load_workbook(paths[0])
    assert book.properties.created.isoformat() == "2026-01-01T00:00:00"
    book.close()


def test_source_date_epoch_sets_the_time_in_the_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")  # 2027-01-15 08:00:00 UTC
    path = tmp_path / "team.xlsx"
    write_workbook(path)
    assert stamps(path) == ({(2027, 1, 15, 8, 0, 0)}, "2027-01-15T08:00:00Z")


def test_the_copy_with_stickers_is_the_same_bytes_twice_and_keeps_the_created_date(
    tmp_path: Path,
) -> None:
    team = tmp_path / "team.xlsx"
    write_workbook(team, example=True)
    book = openpyxl.load_workbook(team)
    book.properties.created = book.properties.created.replace(year=2025)
    book.save(team)  # a workbook the team saved in Excel, with its own dates
    book.close()
    copies = [tmp_path / "een" / "team.xlsx", tmp_path / "twee" / "team.xlsx"]
    for copy in copies:
        write_workbook_with_stickers(team, STICKERS, copy, Templates())
    assert copies[0].read_bytes() == copies[1].read_bytes()
    assert stamps(copies[0]) == ({(2026, 1, 1, 0, 0, 0)}, "2026-01-01T00:00:00Z")
    written = openpyxl.load_workbook(copies[0])
    assert written.properties.created.isoformat() == "2025-01-01T00:00:00"
    assert written["Kaartoefening"]["A2"].value == "geel"
    written.close()
