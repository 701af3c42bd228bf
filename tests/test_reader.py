"""Reading workbooks into the model: the example, Ja/Nee leniency, files saved by other programs,
and a property test that no cell content breaks the reader."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import PatternFill

from generator.cli import main
from generator.errors import TemplateError, WorkbookError
from generator.model import CoordinateOrigin, Delimitation, LatLon
from generator.pack import generate_packs
from generator.resources import Templates
from generator.workbook import read_team, write_workbook
from generator.workbook.spec import SPEC_FILE, load_spec

DATA = Path(__file__).parent / "data"


def test_the_example_reads_into_the_model(example_workbook: Path) -> None:
    team = read_team(example_workbook)
    organisation = team.organisation
    assert organisation.name == "Buurthuis De Oever vzw"
    assert organisation.site == "Vestiging Dampoort"
    assert organisation.address.one_line() == "Dampoortstraat 41, 9000 Gent"
    assert organisation.coordinates == LatLon(51.056, 3.741)
    assert organisation.coordinate_origin is CoordinateOrigin.WORKBOOK
    assert organisation.delimitation is Delimitation.SITE
    assert organisation.radius_m == 1000
    assert organisation.session_date == date(2027, 3, 12)
    assert organisation.email == "sofie@deoever.example"

    spec = load_spec()
    assert [a.key for a in team.answers] == [q.key for q in spec.questions]
    assert all(answer.answer for answer in team.answers)
    language = team.answer("language")
    assert language is not None
    assert language.answer.startswith("Iedereen is welkom")
    assert language.source.sheet == "Visie"
    assert language.source.row == 4

    assert [c.key for c in team.choices] == [c.key for c in spec.choices]
    assert [c.chosen for c in team.choices] == [True, True, True, False, True, False, True, None]
    assert {c.group for c in team.choices} == {"waarom", "hoe"}

    assert len(team.participants) == 10
    assert sum(p.count for p in team.participants) == 58
    assert team.participants[0].address.street == "Dampoortstraat"

    assert [p.number for p in team.partners] == list(range(1, 15))
    mosque = team.partners[5]
    assert mosque.name == "مسجد النور – Moskee En-Nour"
    assert mosque.kind == "Levensbeschouwing"
    assert (mosque.known, mosque.used) == (False, False)
    assert mosque.source.row == 7
    assert team.partners[12].name == 'Bakkerij & Koffiehuis "De Hoek"'
    assert len(team.actions) == 4
    assert team.actions[3].frequency == "Structureel"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ja", True),
        ("JA", True),
        ("x", True),
        ("Ja ", True),
        (True, True),
        ("nee", False),
        ("Neen", False),
        (False, False),
        (None, None),
        ("  ", None),
    ],
)
def test_yes_no_is_lenient(
    example_workbook: Path, tmp_path: Path, typed: Any, expected: bool | None
) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    workbook["Buurtpartners"]["G2"] = typed
    workbook["Aanpak"]["B2"] = typed
    path = tmp_path / "ja.xlsx"
    workbook.save(path)
    team = read_team(path)
    assert team.partners[0].known is expected
    assert team.choices[0].chosen is expected


def test_a_blank_workbook_is_valid_but_needs_a_name(blank_workbook: Path, tmp_path: Path) -> None:
    with pytest.raises(WorkbookError) as caught:
        read_team(blank_workbook)
    assert [str(p) for p in caught.value.problems] == [
        f"{blank_workbook}: blad 'Organisatie', cel B2: de naam van de organisatie is leeg; "
        "typ de naam van de organisatie",
        f"{blank_workbook}: blad 'Organisatie', cel B4: de vestiging heeft geen adres en geen "
        "coördinaten; typ de straat en het huisnummer van de vestiging, of de coördinaten",
    ]


def test_coordinates_in_the_forms_people_copy_them(example_workbook: Path, tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    forms = [
        "51.0563, 3.7385",
        "51,0563; 3,7385",
        "51.0563 3.7385",
        "(51.0563, 3.7385)",
        "51,0563, 3,7385",
    ]
    for row, form in enumerate(forms, start=2):
        workbook["Buurtpartners"][f"F{row}"] = form
    path = tmp_path / "coords.xlsx"
    workbook.save(path)
    team = read_team(path)
    assert {p.coordinates for p in team.partners[: len(forms)]} == {LatLon(51.0563, 3.7385)}


def test_empty_coordinates_leave_a_record_to_be_placed(
    example_workbook: Path, tmp_path: Path
) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    workbook["Buurtpartners"]["F3"] = None
    path = tmp_path / "zonder.xlsx"
    workbook.save(path)
    team = read_team(path)
    assert team.partners[1].coordinates is None
    assert team.partners[1].coordinate_origin is CoordinateOrigin.NOT_PLACED
    assert team.not_placed() == [team.partners[1]]


def test_a_workbook_saved_by_libreoffice_reads_with_cached_formula_values() -> None:
    team = read_team(DATA / "voorbeeld-libreoffice.xlsx")
    assert team.participants[0].count == 14  # =10+4
    assert team.partners[0].known is True  # =IF(1=1;"Ja";"Nee")
    assert len(team.participants) == 10  # the formatted empty row 40 is skipped


def test_formulas_give_the_value_excel_cached(example_workbook: Path, tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    workbook["Deelnemers"]["D2"] = "=SUM(7,7)"
    draft = tmp_path / "draft.xlsx"
    workbook.save(draft)
    # Excel stores a formula's last result next to it; openpyxl writes an empty one.
    saved = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(draft) as source, zipfile.ZipFile(saved, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            content = content.replace(b"<f>SUM(7,7)</f><v></v>", b"<f>SUM(7,7)</f><v>14</v>")
            target.writestr(item, content)
    assert read_team(saved).participants[0].count == 14


def test_formatted_empty_rows_are_skipped(example_workbook: Path, tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    for sheet in ("Deelnemers", "Buurtpartners", "Acties"):
        for column in "ABCDEF":
            workbook[sheet][f"{column}300"].fill = PatternFill("solid", fgColor="FFFF00")
            workbook[sheet][f"{column}301"] = "   "
    path = tmp_path / "opgemaakt.xlsx"
    workbook.save(path)
    team = read_team(path)
    assert (len(team.participants), len(team.partners), len(team.actions)) == (10, 14, 4)


def test_the_users_workbook_is_never_written(example_workbook: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(example_workbook.read_bytes()).hexdigest()
    mtime = example_workbook.stat().st_mtime_ns
    report = generate_packs([example_workbook], tmp_path / "out")
    assert list(report.made) == [example_workbook]
    assert hashlib.sha256(example_workbook.read_bytes()).hexdigest() == before
    assert example_workbook.stat().st_mtime_ns == mtime


def test_the_checked_in_example_is_what_init_writes(tmp_path: Path) -> None:
    fresh = tmp_path / "voorbeeld.xlsx"
    write_workbook(fresh, example=True)
    checked_in = Path(__file__).parent.parent / "input" / "voorbeeld.xlsx"
    assert read_team(checked_in).replace(workbook=fresh) == read_team(fresh)
    assert checked_in.read_bytes() == fresh.read_bytes()


CELL_VALUES = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.sampled_from(["#REF!", "=1/0", "51.05, 3.74", "ja", "x", "Nee", "Sport", "0", "-1"]),
)
TARGET_CELLS = [("Organisatie", f"B{row}") for row in range(2, 14)] + [
    (sheet, f"{column}{row}")
    for sheet, columns in (
        ("Deelnemers", "ABCDE"),
        ("Buurtpartners", "ABCDEFGHIJ"),
        ("Acties", "ABCDEF"),
        ("Aanpak", "ABC"),
        ("Visie", "AB"),
    )
    for column in columns
    for row in (2, 3)
]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples in every CI run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(st.tuples(st.sampled_from(TARGET_CELLS), CELL_VALUES), max_size=6))
def test_no_cell_content_breaks_the_reader(
    example_workbook: Path, tmp_path: Path, edits: list[tuple[tuple[str, str], Any]]
) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    for (sheet, cell), value in edits:
        if isinstance(value, str) and any(
            ord(char) < 32 and char not in "\t\n\r" for char in value
        ):
            continue  # Excel itself cannot store control characters
        workbook[sheet][cell] = value
    path = tmp_path / "random.xlsx"
    workbook.save(path)
    try:
        read_team(path)
    except WorkbookError as error:
        assert error.problems
        assert all(problem.file == path for problem in error.problems)


def swap_columns(sheet: Any, first: str, second: str) -> None:
    for row in range(1, sheet.max_row + 1):
        a, b = sheet[f"{first}{row}"], sheet[f"{second}{row}"]
        a.value, b.value = b.value, a.value


def test_reordered_columns_read_by_header_and_name_the_right_cell(
    example_workbook: Path, tmp_path: Path
) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    swap_columns(workbook["Visie"], "A", "B")
    swap_columns(workbook["Deelnemers"], "A", "D")  # Aantal now in A, Straat in D
    path = tmp_path / "omgewisseld.xlsx"
    workbook.save(path)

    team = read_team(path)
    language = team.answer("language")
    assert language is not None and language.answer.startswith("Iedereen is welkom")
    assert team.participants[0].address.street == "Dampoortstraat"
    assert team.participants[0].count == 14

    workbook["Deelnemers"]["A3"] = "veel"
    workbook.save(path)
    with pytest.raises(WorkbookError) as caught:
        read_team(path)
    assert [(p.sheet, p.cell) for p in caught.value.problems] == [("Deelnemers", "A3")]


def edited_spec(tmp_path: Path, *replacements: tuple[str, str]) -> Templates:
    """A facilitator's own workbook.toml, edited from the default one."""
    folder = tmp_path / "sjablonen"
    folder.mkdir()
    text = Templates().path(SPEC_FILE).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    (folder / SPEC_FILE).write_text(text, encoding="utf-8")
    return Templates(folder)


def test_renamed_and_added_columns_in_the_template_give_a_working_workbook(
    example_workbook: Path, tmp_path: Path
) -> None:
    templates = edited_spec(
        tmp_path,
        ('header = "Straat"', 'header = "Straatnaam (zonder huisnummer)"'),
        ('header = "Kennen jullie de partner?"', 'header = "Kennen jullie ze?"'),
        # A column of the facilitator's own, first on the sheet: every other column moves right.
        (
            '[[partners.columns]]\nkey = "name"',
            '[[partners.columns]]\nkey = "website"\nheader = "Website"\nwidth = 30\n\n'
            '[[partners.columns]]\nkey = "name"',
        ),
        ('{ key = "site", label = "Vestiging" }', '{ key = "site", label = "Rond de vestiging" }'),
    )
    path = tmp_path / "eigen.xlsx"
    write_workbook(path, example=True, templates=templates)

    workbook = openpyxl.load_workbook(path)
    partners = workbook["Buurtpartners"]
    assert [cell.value for cell in partners[1]][:3] == ["Website", "Naam", "Soort"]
    assert partners["B2"].value == "Bibliotheek Dampoort"
    assert workbook["Deelnemers"]["A1"].value == "Straatnaam (zonder huisnummer)"
    assert workbook["Organisatie"]["B9"].value == "Rond de vestiging"
    dropdowns = {
        str(validation.sqref): validation.formula1
        for validation in partners.data_validations.dataValidation
        if validation.type == "list"
    }
    assert dropdowns == {"C2:C501": "partners_kind", "H2:H501": '"Ja,Nee"', "I2:I501": '"Ja,Nee"'}

    team = read_team(path, load_spec(templates))
    assert team == read_team(example_workbook).replace(workbook=path)
    assert team.organisation.delimitation is Delimitation.SITE


def test_a_template_that_lost_a_key_is_named_before_any_workbook_is_read(
    tmp_path: Path,
) -> None:
    templates = edited_spec(tmp_path, ('key = "count"', 'key = "aantal"'))
    with pytest.raises(TemplateError) as caught:
        load_spec(templates)
    assert caught.value.format_message() == (
        f"{templates.path(SPEC_FILE)}: [[participants.columns]] mist de sleutel count; geef "
        "elke sleutel één item, zoals in het bestand van 'buurtkaart templates export'"
    )


def test_doubtful_values_are_warnings_that_name_the_cell_and_the_likely_fix(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    workbook["Organisatie"]["B13"] = -1  # Datum sessie, shown by Excel as 29/12/1899
    workbook["Deelnemers"]["B2"] = "90000"
    for column in "CDEF":
        workbook["Buurtpartners"][f"{column}4"] = None
    workbook["Buurtpartners"]["F2"] = "3.7410, 51.0560"  # longitude first
    workbook["Buurtpartners"]["F3"] = "51.2194, 4.4025"  # Antwerpen, not Dampoort
    path = tmp_path / "twijfel.xlsx"
    workbook.save(path)

    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{path}: in orde (14 buurtpartners, 10 straten, 4 acties)",
        f"Let op: {path}: blad 'Organisatie', cel B13: 29/12/1899 is geen datum voor een "
        "sessie (Excel toont een getal zoals -1 of 1 als een datum rond 1900); de werkbladen "
        "laten de datum open; typ de datum als dag/maand/jaar, bv. 12/03/2027",
        f"Let op: {path}: blad 'Deelnemers', cel B2: '90000' is geen Belgische postcode van "
        "vier cijfers; bedoel je 9000? Typ de vier cijfers, anders wordt het adres misschien "
        "op de verkeerde plek gezocht",
        f"Let op: {path}: blad 'Buurtpartners', cel C4: de buurtpartner "
        "'Wijkgezondheidscentrum Dampoort' heeft geen adres en geen coördinaten; hij staat "
        "in de lijst, maar niet op de kaart; typ het adres of de coördinaten om hem op de "
        "kaart te zetten",
        f"Let op: {path}: blad 'Buurtpartners', cel F2: '3.741, 51.056' ligt buiten België; "
        "breedte- en lengtegraad lijken omgewisseld; bedoel je 51.056, 3.741? Zet de "
        "breedtegraad (ongeveer 51) eerst",
        f"Let op: {path}: blad 'Buurtpartners', cel F3: '51.2194, 4.4025' ligt 50 km van de "
        "vestiging, ver buiten de buurt; kijk na of je de juiste plek hebt gekopieerd; de "
        "kaart wordt groter om ze te tonen",
    ]
    team = read_team(path)
    assert team.organisation.session_date is None
    assert team.participants[0].address.postcode == "90000"  # kept as typed: only a warning
    assert len(team.warnings) == 5
