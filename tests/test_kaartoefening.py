"""The sheet 'Kaartoefening': a copy of the team's workbook listing the stickers of a session,
session after session, with the team's own file never written to."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.errors import OutputError, TemplateError, WorkbookError
from generator.model import LatLon, MapSticker, Source
from generator.resources import Templates
from generator.workbook import read_team, write_workbook
from generator.workbook.kaartoefening import write_workbook_with_stickers
from generator.workbook.spec import load_spec
from tests.poster_support import pdf_text, squashed

EXAMPLE = Path(__file__).resolve().parent.parent / "input" / "voorbeeld.xlsx"
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
            "Waar komen jullie deelnemers vandaan?",
            120.0,
            234.0,
            51.056123,
            3.741988,
            "C4",
            "Dampoortstraat",
            1,
            SESSION_DAY,
        ],
        [
            "rood",
            "Wat gebruiken jullie al?",
            301.5,
            410.2,
            51.0549,
            3.7388,
            "E7",
            None,
            1,
            SESSION_DAY,
        ],
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
        "Wat kennen jullie?",
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
    assert rows[2][:2] == ["Wat gebruiken jullie al?", "rood"]
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
        f"{taken} bestaat al; kies een andere naam of verplaats het oude bestand"
    )
    assert taken.read_bytes() == b"keep me"
    with pytest.raises(OutputError) as itself:
        write_workbook_with_stickers(example_workbook, FIRST_SESSION, example_workbook, Templates())
    assert itself.value.message.startswith(f"{example_workbook} bestaat al")


def test_a_damaged_workbook_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    broken = tmp_path / "kapot.xlsx"
    broken.write_text("Naam;Straat\n")
    copy = tmp_path / "kopie.xlsx"
    with pytest.raises(WorkbookError) as caught:
        write_workbook_with_stickers(broken, FIRST_SESSION, copy, Templates())
    assert caught.value.message == (
        f"{broken}: dit is geen Excel-werkmap (.xlsx); het lijkt een tekst- of CSV-bestand; "
        "open het in Excel of LibreOffice en sla het op als Excel-werkmap (.xlsx)"
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
        f"{house_style}: er is geen [[stickers]]-item met key 'paars' om een sticker te "
        "schrijven; zet het terug, of gebruik dezelfde sjablonen als bij het inlezen van de "
        "foto"
    )
    assert not copy.exists()


# -- reading the sheet back --------------------------------------------------------------------


def with_sticker_sheet(example_workbook: Path, tmp_path: Path, rows: list[list[Any]]) -> Path:
    """The example with a sheet 'Kaartoefening' holding ``rows`` (from row 2), as a team may
    have left it after correcting what the scan wrote."""
    copy = tmp_path / "met-stickers.xlsx"
    write_workbook_with_stickers(example_workbook, (), copy, Templates())
    book = openpyxl.load_workbook(copy)
    for row in rows:
        book["Kaartoefening"].append(row)
    book.save(copy)
    return copy


def test_the_stickers_of_earlier_sessions_read_back_into_the_model(
    example_workbook: Path, tmp_path: Path
) -> None:
    first = tmp_path / "sessie-1.xlsx"
    write_workbook_with_stickers(example_workbook, FIRST_SESSION, first, Templates())
    second = tmp_path / "sessie-2.xlsx"
    write_workbook_with_stickers(first, SECOND_SESSION, second, Templates())

    team = read_team(second)

    assert team.previous_stickers == (
        MapSticker(
            "origins",
            LatLon(51.056123, 3.741988),
            (120.0, 234.0),
            "C4",
            "Dampoortstraat",
            Source("Kaartoefening", 2),
        ),
        MapSticker(
            "used", LatLon(51.0549, 3.7388), (301.5, 410.2), "E7", "", Source("Kaartoefening", 3)
        ),
        MapSticker(
            "known", LatLon(51.058, 3.745), None, "", "Kasteellaan", Source("Kaartoefening", 4)
        ),
    )
    assert team.warnings == ()


def test_a_blank_workbook_has_no_sticker_sheet_and_no_previous_stickers(
    blank_workbook: Path,
) -> None:
    """'buurtkaart init' leaves the sheet out: only a scan writes it, and a team never types it."""
    assert "Kaartoefening" not in openpyxl.load_workbook(blank_workbook).sheetnames
    with pytest.raises(WorkbookError) as caught:  # a blank workbook lacks only its name
        read_team(blank_workbook)
    assert "Kaartoefening" not in caught.value.message


def test_values_that_are_no_sticker_are_refused_naming_the_cell(
    example_workbook: Path, tmp_path: Path
) -> None:
    workbook = with_sticker_sheet(
        example_workbook,
        tmp_path,
        [
            ["paars", None, 10, 20, 51.05, 3.74],
            ["Geel", None, "links", 20, "noord", 3.74],
            ["blauw", None, None, None, None, 200],
            [None, None, None, None, 51.05, 3.74, "C4", "Kerkstraat"],
            ["rood", None, None, None, True, "3,74°"],
            ["groen", None, None, None, "n/b", "#N/A"],
        ],
    )
    with pytest.raises(WorkbookError) as caught:
        read_team(workbook)
    where = f"{workbook}: blad 'Kaartoefening', cel"
    latitude_hint = "typ de breedtegraad in graden, bv. 51.056 (ongeveer 51 in België)"
    assert caught.value.message.splitlines() == [
        f"{where} A2: 'paars' is geen stickerkleur; typ een van geel, blauw, groen, rood, of "
        "maak de hele rij leeg",
        f"{where} E3: 'noord' is geen breedtegraad; {latitude_hint}",
        f"{where} C3: 'links' is geen aantal millimeter; typ een getal zoals 120.5, of laat "
        "de cel leeg",
        f"{where} E4: de breedtegraad is leeg; typ de breedtegraad in graden, bv. 51.056, of "
        "maak de hele rij leeg",
        f"{where} F4: 200 is geen lengtegraad (die ligt tussen -180 en 180); typ de "
        "lengtegraad in graden, bv. 3.741 (tussen 2 en 7 in België)",
        f"{where} A5: de kleur is leeg in een rij met andere gegevens; typ een van geel, "
        "blauw, groen, rood, of maak de hele rij leeg",
        f"{where} E6: 'True' is geen breedtegraad; {latitude_hint}",
        f"{where} E7: 'n/b' is geen breedtegraad; {latitude_hint}",
        f"{where} F7: de cel bevat de Excel-fout #N/A; verbeter de formule of typ de waarde zelf",
    ]


def test_doubtful_places_are_warnings_and_the_sticker_stays_in_the_model(
    example_workbook: Path, tmp_path: Path
) -> None:
    workbook = with_sticker_sheet(
        example_workbook,
        tmp_path,
        [
            ["geel", None, None, None, 3.741, 51.056],  # swapped
            ["blauw", None, None, None, 48.853, 2.349],  # Paris
            ["groen", None, None, None, 50.846, 4.352],  # Brussels, 49 km from the site
            ["rood", None, None, None, "51,0552", "3,7401"],  # fine, with decimal commas
        ],
    )
    team = read_team(workbook)
    where = f"{workbook}: blad 'Kaartoefening', cel"
    assert team.warnings == (
        f"{where} E2: 3.741, 51.056 ligt buiten België en Breedtegraad en Lengtegraad lijken "
        "omgewisseld, dus de kaart laat deze sticker weg; wissel de twee cellen om: de "
        "breedtegraad is ongeveer 51 in België",
        f"{where} E3: 48.853, 2.349 ligt buiten België, dus de kaart laat deze sticker weg; "
        "vergelijk de rij met de foto, of maak ze leeg",
        f"{where} E4: 50.846, 4.352 ligt 49 km van de vestiging, dus de kaart laat deze "
        "sticker weg; vergelijk de rij met de foto, of maak ze leeg",
    )
    assert [sticker.colour for sticker in team.previous_stickers] == [
        "origins",
        "around",
        "known",
        "used",
    ]
    assert team.previous_stickers[3].position == LatLon(51.0552, 3.7401)


def test_validate_counts_the_stickers_and_names_a_doubtful_one(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    workbook = with_sticker_sheet(
        example_workbook,
        tmp_path,
        [
            ["geel", None, None, None, 51.0561, 3.7412],
            ["rood", None, None, None, 3.7412, 51.0561],
        ],
    )
    result = runner.invoke(main, ["validate", str(workbook)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == (
        f"{workbook}: in orde (14 buurtpartners, 10 straten, 4 acties)\n{workbook}: 2 "
        f"stickers van vorige sessies, voor de volgende kaart\nLet op: {workbook}: blad "
        "'Kaartoefening', cel E3: 3.7412, 51.0561 ligt buiten België en Breedtegraad en "
        "Lengtegraad lijken omgewisseld, dus de kaart laat deze sticker weg; wissel de twee "
        "cellen om: de breedtegraad is ongeveer 51 in België\n"
    )


# -- the example after a session ---------------------------------------------------------------

AFTER_SESSION = Path(__file__).resolve().parent.parent / "input" / "voorbeeld-na-sessie.xlsx"


def example_stickers() -> tuple[MapSticker, ...]:
    """The stickers of the example's first session, from templates/voorbeeld.toml."""
    return tuple(
        MapSticker(
            raw["colour"],
            LatLon(raw["lat"], raw["lon"]),
            (raw["x_mm"], raw["y_mm"]),
            raw["grid_square"],
            raw["street"],
        )
        for raw in Templates().toml("voorbeeld.toml")["previous_stickers"]
    )


def make_example_after_session(destination: Path) -> None:
    """How input/voorbeeld-na-sessie.xlsx is made; to make it again, from the repository:
    python -c "from pathlib import Path; from tests.test_kaartoefening import *;
    make_example_after_session(AFTER_SESSION)" (after removing the old file)."""
    write_workbook_with_stickers(EXAMPLE, example_stickers(), destination, Templates())


def test_the_checked_in_example_after_a_session_is_what_the_writer_makes(tmp_path: Path) -> None:
    fresh = tmp_path / "voorbeeld-na-sessie.xlsx"
    make_example_after_session(fresh)
    checked_in = read_team(AFTER_SESSION)
    assert checked_in.replace(workbook=fresh) == read_team(fresh)
    assert AFTER_SESSION.read_bytes() == fresh.read_bytes()
    assert len(checked_in.previous_stickers) == 13
    assert checked_in.warnings == ()
    assert checked_in.replace(previous_stickers=(), workbook=EXAMPLE) == read_team(EXAMPLE)
    assert sheet_rows(AFTER_SESSION)[1] == [
        "geel",
        "Waar komen jullie deelnemers vandaan?",
        253.0,
        301.2,
        51.0566,
        3.738,
        "D4",
        "Dampoortstraat",
        1,
        SESSION_DAY,
    ]


def test_generate_prints_the_example_sessions_stickers_on_the_next_kaart(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The round trip: the workbook a scan wrote makes the next pack, stickers on the kaart."""
    out = tmp_path / "out"
    result = runner.invoke(main, ["generate", str(AFTER_SESSION), "--out", str(out)])
    assert result.exit_code == 3, result.output  # no tiles in tests: a plain map, still a pack
    (poster,) = out.glob("*/poster-A1.pdf")
    printed = squashed(pdf_text(poster))
    assert squashed("uit de vorige sessie: 5 geel, 3 blauw, 3 groen, 2 rood") in printed
    exercise = Document(str(poster.parent / "4-kaartoefening.docx"))
    text = " ".join(paragraph.text for paragraph in exercise.paragraphs)
    assert "Op de kaart staan ook de 13 stickers uit de vorige sessie" in text


STICKER_CELLS = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.sampled_from(["geel", "ROOD", " blauw ", "paars", "#REF!", "51,05", "3.74", "-", ""]),
)


@pytest.fixture(scope="module")
def empty_sticker_sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with an empty sheet 'Kaartoefening', written once for every example."""
    folder = tmp_path_factory.mktemp("leeg-blad")
    example = folder / "voorbeeld.xlsx"
    write_workbook(example, example=True)
    return with_sticker_sheet(example, folder, [])


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,  # the same examples in every CI run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(STICKER_CELLS, min_size=6, max_size=8), min_size=1, max_size=4))
def test_every_row_becomes_a_sticker_or_a_problem_naming_it(
    empty_sticker_sheet: Path, tmp_path: Path, rows: list[list[Any]]
) -> None:
    """Whatever the cells hold: no crash, and no row with data dropped without a word."""
    book = openpyxl.load_workbook(empty_sticker_sheet)
    for row in rows:
        book["Kaartoefening"].append(
            [
                None
                if isinstance(value, str) and any(ord(c) < 32 and c not in "\t\n\r" for c in value)
                else value
                for value in row
            ]
        )
    workbook = Path(mkdtemp(dir=tmp_path)) / "willekeurig.xlsx"
    book.save(workbook)
    filled = {
        number
        for number, row in enumerate(sheet_rows(workbook)[1:], start=2)
        if any(value is not None and str(value).strip() for value in row)
    }
    try:
        team = read_team(workbook)
    except WorkbookError as error:
        named = {int(p.cell[1:]) for p in error.problems if p.sheet == "Kaartoefening" and p.cell}
        assert named <= filled
        read = set()
    else:
        named = set()
        read = {sticker.source.row for sticker in team.previous_stickers if sticker.source}
    if not named:  # a problem elsewhere stops the reading; here every filled row is read
        assert read == filled


def test_a_template_folder_from_before_the_sheet_still_works(tmp_path: Path) -> None:
    """A facilitator's workbook.toml exported before 'Kaartoefening' existed lacks its entries:
    the default wording serves, and a workbook with the sheet still reads."""
    text = Templates().path("workbook.toml").read_text(encoding="utf-8")
    start = text.index("# --- Kaartoefening")
    older = text[:start] + text[text.index("# --- Uitleg") :]
    older = "\n".join(line for line in older.splitlines() if not line.startswith("kaartoefening ="))
    assert "kaartoefening" not in older
    (tmp_path / "workbook.toml").write_text(older, encoding="utf-8")
    spec = load_spec(Templates(tmp_path))
    assert spec.kaartoefening.name == "Kaartoefening"
    assert spec.kaartoefening.headers == tuple(HEADERS)
    team = read_team(AFTER_SESSION, spec)
    assert len(team.previous_stickers) == 13
