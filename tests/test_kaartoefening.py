"""The sheet 'Kaartoefening': a copy of the team's workbook listing the stickers of a session,
session after session, with the team's own file never written to."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from generator.errors import OutputError, TemplateError, WorkbookError
from generator.model import LatLon, MapSticker
from generator.resources import Templates
from generator.workbook import read_team
from generator.workbook.kaartoefening import write_workbook_with_stickers

HEADERS = [
    "Kleur",
    "Vraag",
    "x (mm)",
    "y (mm)",
    "Breedtegraad",
    "Lengtegraad",
    "Vak",
    "Straat",
    "Sessie",
    "Datum sessie",
]
SESSION_DAY = datetime(2027, 3, 12)

FIRST_SESSION = (
    MapSticker("origins", LatLon(51.0561234, 3.7419876), (120.04, 233.96), "C4", "Dampoortstraat"),
    MapSticker("used", LatLon(51.0549, 3.7388), (301.5, 410.25), "E7", ""),
)
SECOND_SESSION = (MapSticker("known", LatLon(51.058, 3.745), None, "", "Kasteellaan"),)


def sheet_rows(path: Path, sheet: str = "Kaartoefening") -> list[list[Any]]:
    book = openpyxl.load_workbook(path)
    try:
        return [list(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def test_the_copy_lists_the_stickers_and_the_team_workbook_is_untouched(
    example_workbook: Path, tmp_path: Path
) -> None:
    before = hashlib.sha256(example_workbook.read_bytes()).hexdigest()
    mtime = example_workbook.stat().st_mtime_ns
    copy = tmp_path / "resultaat" / "voorbeeld-kaartoefening.xlsx"

    write_workbook_with_stickers(example_workbook, FIRST_SESSION, copy, Templates())

    assert hashlib.sha256(example_workbook.read_bytes()).hexdigest() == before
    assert example_workbook.stat().st_mtime_ns == mtime
    assert sheet_rows(copy) == [
        HEADERS,
        [
            "geel",
            "Waar komen je deelnemers vandaan?",
            120.0,
            234.0,
            51.056123,
            3.741988,
            "C4",
            "Dampoortstraat",
            1,
            SESSION_DAY,
        ],
        ["rood", "Wat gebruik je al?", 301.5, 410.2, 51.0549, 3.7388, "E7", None, 1, SESSION_DAY],
    ]
    book = openpyxl.load_workbook(copy)
    # Beside the team's sheets, before the hidden list sheet; the number formats show mm and
    # degrees as people read them.
    assert book.sheetnames == [
        "Uitleg",
        "Organisatie",
        "Visie",
        "Aanpak",
        "Deelnemers",
        "Buurtpartners",
        "Acties",
        "Kaartoefening",
        "Lijsten",
    ]
    sheet = book["Kaartoefening"]
    assert [sheet[f"{column}2"].number_format for column in "CDEFJ"] == [
        "0.0",
        "0.0",
        "0.000000",
        "0.000000",
        "DD/MM/YYYY",
    ]
    dropdown = sheet.data_validations.dataValidation[0]
    assert dropdown.formula1 == '"geel,blauw,groen,rood"'
    assert str(dropdown.sqref) == "A2:A501"
    # Everything else reads as before.
    original = read_team(example_workbook)
    assert read_team(copy).replace(workbook=example_workbook, previous_stickers=()) == original


def test_a_later_session_adds_its_rows_below_and_keeps_the_teams_corrections(
    example_workbook: Path, tmp_path: Path
) -> None:
    first = tmp_path / "sessie-1.xlsx"
    write_workbook_with_stickers(example_workbook, FIRST_SESSION, first, Templates())
    # The team corrects the first session: the red sticker was really green.
    book = openpyxl.load_workbook(first)
    book["Kaartoefening"]["A3"] = "groen"
    book["Organisatie"]["B13"] = datetime(2027, 4, 23)
    book.save(first)

    second = tmp_path / "sessie-2.xlsx"
    write_workbook_with_stickers(first, SECOND_SESSION, second, Templates())

    rows = sheet_rows(second)
    assert [row[0] for row in rows] == ["Kleur", "geel", "groen", "groen"]
    assert [row[8] for row in rows] == ["Sessie", 1, 1, 2]
    assert rows[3] == [
        "groen",
        "Wat ken je?",
        None,
        None,
        51.058,
        3.745,
        None,
        "Kasteellaan",
        2,
        datetime(2027, 4, 23),
    ]


def test_a_sheet_the_team_reshaped_is_found_by_its_headers(
    example_workbook: Path, tmp_path: Path
) -> None:
    """Columns swapped, one header deleted, the sheet renamed in lower case: rows still land
    under the right headers and the lost header comes back at the end."""
    first = tmp_path / "sessie-1.xlsx"
    write_workbook_with_stickers(example_workbook, FIRST_SESSION[:1], first, Templates())
    book = openpyxl.load_workbook(first)
    sheet = book["Kaartoefening"]
    sheet.title = "tijdelijk"  # openpyxl would call it 'kaartoefening1' beside itself
    sheet.title = "kaartoefening"
    for row in sheet.iter_rows(min_col=1, max_col=2):
        row[0].value, row[1].value = row[1].value, row[0].value
    sheet["G1"] = None  # Vak
    book.save(first)

    second = tmp_path / "sessie-2.xlsx"
    write_workbook_with_stickers(first, FIRST_SESSION[1:], second, Templates())

    rows = sheet_rows(second, "kaartoefening")
    assert rows[0][:2] == ["Vraag", "Kleur"]
    assert rows[0][10] == "Vak"
    assert rows[2][:2] == ["Wat gebruik je al?", "rood"]
    assert rows[2][6] is None
    assert rows[2][10] == "E7"
    assert rows[2][8] == 2
    assert openpyxl.load_workbook(second).sheetnames.count("kaartoefening") == 1


def test_an_existing_destination_is_refused(example_workbook: Path, tmp_path: Path) -> None:
    taken = tmp_path / "bestaat.xlsx"
    taken.write_bytes(b"keep me")
    with pytest.raises(OutputError) as caught:
        write_workbook_with_stickers(example_workbook, FIRST_SESSION, taken, Templates())
    assert caught.value.message == (
        f"{taken} already exists; choose another name or move the old file away"
    )
    assert taken.read_bytes() == b"keep me"
    with pytest.raises(OutputError) as itself:
        write_workbook_with_stickers(example_workbook, FIRST_SESSION, example_workbook, Templates())
    assert itself.value.message.startswith(f"{example_workbook} already exists")


def test_a_damaged_workbook_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    broken = tmp_path / "kapot.xlsx"
    broken.write_text("Naam;Straat\n")
    copy = tmp_path / "kopie.xlsx"
    with pytest.raises(WorkbookError) as caught:
        write_workbook_with_stickers(broken, FIRST_SESSION, copy, Templates())
    assert caught.value.message == (
        f"{broken}: this is not an Excel workbook (.xlsx); it looks like a text or CSV file; "
        "open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx)"
    )
    assert not copy.exists()


def test_a_sticker_colour_the_templates_do_not_know_is_named(
    example_workbook: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "kopie.xlsx"
    with pytest.raises(TemplateError) as caught:
        write_workbook_with_stickers(
            example_workbook, [MapSticker("paars", LatLon(51.05, 3.74))], copy, Templates()
        )
    house_style = Templates().path("huisstijl.toml")
    assert caught.value.message == (
        f"{house_style}: there is no [[stickers]] entry with key 'paars' for a sticker to be "
        "written; restore it, or use the same templates as the scan"
    )
    assert not copy.exists()
