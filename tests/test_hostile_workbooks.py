"""One case per class of bad input: each must give a clear message naming the file (and the sheet
and cell where there is one), exit 1 and no traceback."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from msoffcrypto.format.ooxml import OOXMLFile

from generator.cli import main
from generator.errors import WorkbookError
from generator.workbook import read_team, values
from generator.workbook.reader import MAX_FILE_BYTES

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol3;</workbook>
"""


def validate(runner: CliRunner, path: Path) -> list[str]:
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[-1] == "Fout: 1 van 1 werkmap heeft problemen"
    return lines[:-1]


def edited(source: Path, target: Path, edit: Callable[[openpyxl.Workbook], None]) -> Path:
    workbook = openpyxl.load_workbook(source)
    edit(workbook)
    workbook.save(target)
    return target


def rezipped(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for item in original.infolist():
            copy.writestr(item, replace.get(item.filename, original.read(item.filename)))
    return target


def test_a_file_that_does_not_exist(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "weg.xlsx"
    assert validate(runner, path) == [
        f"{path}: het bestand bestaat niet; kijk de naam en de map na"
    ]


def test_an_empty_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "leeg.xlsx"
    path.touch()
    assert validate(runner, path) == [
        f"{path}: het bestand is leeg; sla de werkmap in Excel opnieuw op als .xlsx"
    ]


def test_an_old_xls_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "oud.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))
    assert validate(runner, path) == [
        f"{path}: dit is een oud Excel 97-2003-bestand (.xls), geen .xlsx-werkmap; open het "
        "in Excel of LibreOffice en sla het op als Excel-werkmap (.xlsx)"
    ]


def test_a_csv_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "deelnemers.xlsx"
    path.write_text("Straat;Aantal\nHam;4\n", encoding="utf-8")
    assert validate(runner, path) == [
        f"{path}: dit is geen Excel-werkmap (.xlsx); het lijkt een tekst- of CSV-bestand; "
        "open het in Excel of LibreOffice en sla het op als Excel-werkmap (.xlsx)"
    ]


def test_a_renamed_pdf(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "poster.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    assert validate(runner, path) == [
        (
            f"{path}: dit is een PDF, geen Excel-werkmap; gebruik het .xlsx-bestand dat het team "
            "invulde"
        )
    ]


def test_a_password_protected_workbook(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    path = tmp_path / "geheim.xlsx"
    with example_workbook.open("rb") as plain, path.open("wb") as encrypted:
        OOXMLFile(plain).encrypt("geheim", encrypted)
    assert validate(runner, path) == [
        f"{path}: de werkmap is beveiligd met een wachtwoord; open ze in Excel, verwijder het "
        "wachtwoord (Bestand > Info > Werkmap beveiligen > Versleutelen met wachtwoord) en sla ze "
        "opnieuw op; in LibreOffice: Bestand > Eigenschappen > Beveiliging, of sla een kopie op "
        "zonder wachtwoord"
    ]


def test_a_file_that_is_too_large(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "groot.xlsx"
    with path.open("wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(MAX_FILE_BYTES + 1)
    [line] = validate(runner, path)
    assert line.startswith(f"{path}: het bestand is 20 MB groot, meer dan de 20 MB die een werkmap")


def test_a_zip_bomb(runner: CliRunner, example_workbook: Path, tmp_path: Path) -> None:
    path = tmp_path / "bom.xlsx"
    with (
        zipfile.ZipFile(example_workbook) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in original.infolist():
            bomb.writestr(item, original.read(item.filename))
        bomb.writestr("xl/media/zeros.bin", bytes(60 * 2**20))
    [line] = validate(runner, path)
    assert line.startswith(f"{path}: de werkmap wordt uitgepakt 60 MB groot, veel meer dan")
    assert "zipbom" in line


def test_a_zip_that_is_not_a_workbook(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "werkblad.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert validate(runner, path) == [
        f"{path}: dit zipbestand is geen Excel-werkmap (.xlsx); gebruik het .xlsx-bestand dat "
        "het team invulde"
    ]


def test_a_libreoffice_ods_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "team.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert validate(runner, path) == [
        f"{path}: dit is een rekenblad van LibreOffice (.ods), geen .xlsx-werkmap; kies in "
        "LibreOffice Bestand > Opslaan als > Excel 2007-365 (.xlsx)"
    ]


def test_a_truncated_workbook(runner: CliRunner, example_workbook: Path, tmp_path: Path) -> None:
    path = tmp_path / "half.xlsx"
    path.write_bytes(example_workbook.read_bytes()[:5000])
    assert validate(runner, path) == [
        f"{path}: het bestand is beschadigd of is geen Excel-werkmap (.xlsx); sla de werkmap "
        "in Excel opnieuw op als .xlsx"
    ]


def test_an_xml_entity_attack(runner: CliRunner, example_workbook: Path, tmp_path: Path) -> None:
    path = rezipped(example_workbook, tmp_path / "lol.xlsx", {"xl/workbook.xml": BILLION_LAUGHS})
    assert validate(runner, path) == [
        f"{path}: de werkmap bevat onveilige XML en is niet gelezen; kopieer je gegevens naar "
        "een nieuwe werkmap van 'buurtkaart init'"
    ]


def test_a_missing_sheet(runner: CliRunner, example_workbook: Path, tmp_path: Path) -> None:
    path = edited(
        example_workbook,
        tmp_path / "zonder.xlsx",
        lambda wb: wb.remove(wb["Buurtpartners"]),
    )
    assert validate(runner, path) == [
        f"{path}: blad 'Buurtpartners': het blad ontbreekt; zet het terug, of kopieer je "
        "gegevens naar een nieuwe werkmap van 'buurtkaart init'"
    ]


def test_a_missing_header(runner: CliRunner, example_workbook: Path, tmp_path: Path) -> None:
    def rename_header(workbook: openpyxl.Workbook) -> None:
        workbook["Deelnemers"]["D1"] = "Hoeveel"

    path = edited(example_workbook, tmp_path / "kop.xlsx", rename_header)
    assert validate(runner, path) == [
        f"{path}: blad 'Deelnemers': de kolomkop 'Aantal' ontbreekt in rij 1; zet de kopregel "
        "terug, of kopieer je gegevens naar een nieuwe werkmap van 'buurtkaart init'"
    ]


def test_a_missing_organisation_label(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    def remove_label(workbook: openpyxl.Workbook) -> None:
        workbook["Organisatie"]["A2"] = None

    path = edited(example_workbook, tmp_path / "label.xlsx", remove_label)
    assert validate(runner, path) == [
        f"{path}: blad 'Organisatie': het label 'Naam organisatie' ontbreekt in kolom A; zet "
        "het label terug, of kopieer je gegevens naar een nieuwe werkmap van 'buurtkaart "
        "init'"
    ]


BAD_VALUES = [
    (
        "Deelnemers",
        "D4",
        "vier",
        "'vier' is geen getal; typ in cijfers hoeveel deelnemers in deze straat wonen, bv. 4",
    ),
    (
        "Deelnemers",
        "D5",
        -2,
        "'-2' is geen geheel getal van 1 of meer; typ hoeveel deelnemers in deze straat "
        "wonen, bv. 4",
    ),
    (
        "Deelnemers",
        "E2",
        "151.2, 3.7",
        "'151.2, 3.7' ligt buiten de wereld (breedtegraad -90 tot 90, lengtegraad -180 tot "
        "180); zet de breedtegraad eerst, bv. 51.056, 3.741",
    ),
    (
        "Buurtpartners",
        "F3",
        "Dampoort",
        "'Dampoort' is geen paar coördinaten; kopieer ze van een online kaart als "
        "breedtegraad, lengtegraad, bv. 51.056, 3.741, of laat de cel leeg om het adres te "
        "laten opzoeken",
    ),
    (
        "Buurtpartners",
        "H2",
        "misschien",
        "'misschien' is geen Ja of Nee; typ Ja of Nee, of laat de cel leeg zolang het team "
        "niet beslist heeft",
    ),
    (
        "Buurtpartners",
        "A6",
        None,
        "de naam is leeg in een rij met andere gegevens; typ de naam van de buurtpartner, of "
        "maak de hele rij leeg",
    ),
    (
        "Aanpak",
        "B3",
        "soms",
        "'soms' is geen Ja of Nee; typ Ja of Nee, of laat de cel leeg zolang het team niet "
        "beslist heeft",
    ),
    (
        "Acties",
        "B3",
        None,
        "de activiteit is leeg in een rij met andere gegevens; beschrijf de activiteit, of "
        "maak de hele rij leeg",
    ),
    (
        "Organisatie",
        "B10",
        "ver",
        "'ver' is geen afstand in meter; typ een getal, zoals 1000",
    ),
    (
        "Organisatie",
        "B12",
        "sofie.deoever.example",
        "'sofie.deoever.example' is geen e-mailadres; typ een adres zoals "
        "naam@organisatie.be, of laat de cel leeg",
    ),
    (
        "Deelnemers",
        "A3",
        "Kasteellaan 14",
        "'Kasteellaan 14' lijkt een adres met huisnummer; typ alleen de straatnaam: "
        "deelnemers worden per straat geteld, nooit per adres",
    ),
    (
        "Buurtpartners",
        "C2",
        "#REF!",
        "de cel bevat de Excel-fout #REF!; verbeter de formule of typ de waarde zelf",
    ),
]


@pytest.mark.parametrize(("sheet", "cell", "value", "message"), BAD_VALUES)
def test_a_bad_value_is_named_with_its_cell(
    runner: CliRunner,
    example_workbook: Path,
    tmp_path: Path,
    sheet: str,
    cell: str,
    value: Any,
    message: str,
) -> None:
    def put(workbook: openpyxl.Workbook) -> None:
        workbook[sheet][cell] = value

    path = edited(example_workbook, tmp_path / "fout.xlsx", put)
    assert validate(runner, path) == [f"{path}: blad '{sheet}', cel {cell}: {message}"]


def test_every_problem_is_reported_not_only_the_first(
    example_workbook: Path, tmp_path: Path
) -> None:
    def spoil(workbook: openpyxl.Workbook) -> None:
        for cell in ("D2", "D3", "D4"):
            workbook["Deelnemers"][cell] = "?"
        workbook["Buurtpartners"]["G2"] = "?"

    path = edited(example_workbook, tmp_path / "fouten.xlsx", spoil)
    with pytest.raises(WorkbookError) as caught:
        read_team(path)
    assert [(p.sheet, p.cell) for p in caught.value.problems] == [
        ("Deelnemers", "D2"),
        ("Deelnemers", "D3"),
        ("Deelnemers", "D4"),
        ("Buurtpartners", "G2"),
    ]


def test_a_folder_instead_of_a_workbook(runner: CliRunner, tmp_path: Path) -> None:
    assert validate(runner, tmp_path) == [
        f"{tmp_path}: dit is een map, geen werkmap; geef het .xlsx-bestand zelf op"
    ]


def test_bytes_that_only_start_like_a_zip(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "kapot.xlsx"
    path.write_bytes(b"PK\x03\x04" + io.BytesIO(bytes(range(256)) * 8).read())
    assert validate(runner, path) == [
        f"{path}: het bestand is beschadigd of is geen Excel-werkmap (.xlsx); sla de werkmap "
        "in Excel opnieuw op als .xlsx"
    ]


def test_a_damaged_sheet_is_a_problem_and_stops_no_other_workbook(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(example_workbook) as original:
        sheet = original.read("xl/worksheets/sheet5.xml")  # Deelnemers
    path = rezipped(
        example_workbook, tmp_path / "kapot-blad.xlsx", {"xl/worksheets/sheet5.xml": sheet[:900]}
    )
    assert validate(runner, path) == [
        f"{path}: de werkmap kan niet gelezen worden (ParseError); open ze in Excel en sla ze "
        "opnieuw op als .xlsx, of kopieer je gegevens naar een nieuwe werkmap van "
        "'buurtkaart init'"
    ]

    out = tmp_path / "out"
    result = runner.invoke(main, ["generate", str(path), str(example_workbook), "--out", str(out)])
    assert result.exit_code == 1
    # No map server in tests: the pack written lacks its base map, which the summary says.
    assert result.stderr.splitlines()[-1] == (
        "Fout: 1 van 2 werkmappen mislukt; 1 pakket geschreven, 1 onvolledig"
    )
    assert [entry.name for entry in out.iterdir()] == ["buurthuis-de-oever-vzw-vestiging-dampoort"]


def test_a_cell_at_the_last_column_and_row_is_read_past_not_padded_to(
    example_workbook: Path, tmp_path: Path
) -> None:
    # Read-only openpyxl pads every row to the widest cell: 16,384 columns a row, a MemoryError.
    def far_cell(workbook: openpyxl.Workbook) -> None:
        workbook["Buurtpartners"]["XFD1048576"] = "x"
        workbook["Organisatie"]["XFD1"] = "x"

    path = edited(example_workbook, tmp_path / "ver.xlsx", far_cell)
    assert path.stat().st_size < 50_000
    team = read_team(path)
    assert team == read_team(example_workbook).replace(workbook=path)


def test_rows_past_a_sheets_stored_dimension_are_read(
    example_workbook: Path, tmp_path: Path
) -> None:
    # Some programs store a <dimension> that ends before the data; read-only mode stops there.
    with zipfile.ZipFile(example_workbook) as original:
        sheet = original.read("xl/worksheets/sheet6.xml")  # Buurtpartners
    short = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:J3"', sheet)
    assert short != sheet
    path = rezipped(example_workbook, tmp_path / "kort.xlsx", {"xl/worksheets/sheet6.xml": short})
    team = read_team(path)
    assert [partner.number for partner in team.partners] == list(range(1, 15))
    assert team.partners[13].name == read_team(example_workbook).partners[13].name


def test_a_fault_in_the_reader_surfaces_as_a_fault_not_as_a_damaged_file(
    example_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_count(value: Any) -> int:
        raise KeyError("a fault of buurtkaart's own")

    monkeypatch.setattr(values, "count", broken_count)
    with pytest.raises(KeyError, match="a fault of buurtkaart's own"):
        read_team(example_workbook)


def test_a_workbook_excel_keeps_locked_says_close_it_in_excel(
    runner: CliRunner, example_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = Path.open

    def locked(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == example_workbook:
            raise PermissionError(13, "Permission denied", str(self))
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", locked)
    assert validate(runner, example_workbook) == [
        f"{example_workbook}: het bestand kan niet geopend worden (Permission denied); "
        "misschien is het open in Excel; sluit ze in Excel en probeer opnieuw, of kijk na of "
        "je het bestand mag lezen"
    ]


def excel_lock_file(workbook: Path) -> Path:
    lock = workbook.with_name("~$" + workbook.name)
    lock.write_bytes(b"\x05Sofie" + bytes(50) + b"\x05\x00S\x00o\x00f\x00i\x00e\x00" + bytes(100))
    return lock


def test_excel_lock_files_are_skipped_with_a_note(
    runner: CliRunner, example_workbook: Path
) -> None:
    lock = excel_lock_file(example_workbook)
    result = runner.invoke(main, ["validate", str(example_workbook), str(lock)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"Opmerking: {lock}: overgeslagen; dit is het vergrendelingsbestand dat Excel "
        f"bijhoudt terwijl {example_workbook} open is, geen werkmap",
        f"{example_workbook}: in orde (14 buurtpartners, 10 straten, 4 acties)",
        f"Let op: {example_workbook}: de werkmap is open in Excel (~$voorbeeld.xlsx staat "
        "ernaast); wijzigingen die nog niet in Excel bewaard zijn, worden niet gelezen: sla "
        "ze daar eerst op en probeer opnieuw om ze mee te nemen",
    ]


def test_a_lock_file_alone_is_no_workbook(runner: CliRunner, example_workbook: Path) -> None:
    lock = excel_lock_file(example_workbook)
    for command in ("validate", "generate"):
        result = runner.invoke(main, [command, str(lock)])
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [
            f"Opmerking: {lock}: overgeslagen; dit is het vergrendelingsbestand dat Excel "
            f"bijhoudt terwijl {example_workbook} open is, geen werkmap",
            "Fout: geen werkmap om te lezen; geef de .xlsx-bestanden zelf op",
        ]
    with pytest.raises(WorkbookError) as caught:
        read_team(lock)
    assert str(caught.value.problems[0]) == (
        f"{lock}: dit is het vergrendelingsbestand dat Excel bijhoudt terwijl "
        f"{example_workbook} open is, geen werkmap; geef de werkmap zelf op"
    )


HOUSE_NUMBERS = [
    "Kasteellaan 14",
    "Kasteellaan 12-14",
    "Kasteellaan 12.",
    "12 Geheimstraat",
    "Kasteellaan 12, Gent",
    "Kasteellaan nr12",
    "Kasteellaan 12bis",
    "Kasteellaan №12",
    "Kasteellaan 12 (achterbouw)",
    "Kasteellaan １２",
    "Kasteellaan 12 bus 3",
    "Kasteellaan 3e",
]


@pytest.mark.parametrize("street", HOUSE_NUMBERS)
def test_a_house_number_in_a_participant_street_is_refused_in_every_form(street: str) -> None:
    # The reader names the cell (see BAD_VALUES above); here every form of number is tried.
    with pytest.raises(values.CellValueError) as caught:
        values.street_without_house_number(street)
    assert (caught.value.message, caught.value.hint) == (
        f"'{street}' lijkt een adres met huisnummer",
        "typ alleen de straatnaam: deelnemers worden per straat geteld, nooit per adres",
    )


@pytest.mark.parametrize(
    "street",
    [
        "Rue du 10 Août",
        "Place du 20 août",
        "Rue du 1er Mai",
        "Boulevard du 9e de Ligne",
        "1 Meilaan",
        "Elfjulistraat",
        "Koning Albert I-laan",
        "Sint-Pietersnieuwstraat",
    ],
)
def test_street_names_with_a_date_or_an_ordinal_stay_allowed(street: str) -> None:
    assert values.street_without_house_number(street) == street
