"""The session worksheets: content, ticks, numbers, Word structure and template errors."""

from __future__ import annotations

import dataclasses
import itertools
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from generator.cli import main
from generator.errors import OutputError, TemplateError
from generator.model import CoordinateOrigin, Team
from generator.options import PackOptions
from generator.resources import Templates, default_templates_dir
from generator.workbook import read_team
from generator.worksheets import (
    COMBINED,
    TEMPLATE_FOLDER,
    WORKSHEETS,
    check_template,
    check_templates,
    write_worksheets,
)
from generator.worksheets.pdf import (
    find_soffice,
    missing_soffice_warning,
    reproducible,
    soffice_command,
    write_pdfs,
)
from tests.poster_support import with_previous_stickers
from tests.servers import TileServer

EXAMPLE = Path(__file__).resolve().parent.parent / "input" / "voorbeeld.xlsx"

# Every question, tip and choice of the fiche 'Buurtgericht werken', as the worksheets word
# them (addressing the team as "jullie", in plain standard Dutch), with the worksheet that
# carries it.
FICHE = {
    "1-visie-en-doel.docx": [
        "Buurtgericht werken?!",
        "Als jullie met de buurt gaan werken, benutten jullie heel wat potentieel.",
        "Wie willen jullie eigenlijk bereiken?",
        "Waarom?",
        "Welke stappen zetten jullie om de buurt te bereiken, met het oog op de doelstellingen",
        "Bekijk ook de andere fiches van de kwaliteitstool!",
        "samen met de buurt problemen oplossen",
        "leefbaarder",
        "sociale samenhang",
        "verantwoordelijkheid",
        "meer over te zeggen",
        "naambekendheid",
        "www.lisse.nl/buurtgerichtwerken",
        "Bron: de fiche ‘Buurtgericht werken’ van de kwaliteitstool",
        "Wil jullie organisatie zich meer richten op de buurt?",
        "Willen jullie de buurt betrekken? En met welk doel voor ogen?",
        "Wat en wie verstaan jullie onder buurtgericht werken?",
        "Wat willen jullie met de buurt bereiken?",
        "Waarom is het belangrijk dat jullie de buurt betrekken? Wat is de meerwaarde voor jullie "
        "organisatie, jullie werking en jullie doelgroep?",
        "Wat is de algemene visie van jullie organisatie en hoe past buurtgericht werken daarin?",
        "Met welk doel willen jullie de buurt nauwer betrekken?",
        "Wie hebben jullie voor ogen?",
        "Waar willen jullie naartoe en welke stappen of activiteiten gaan jullie daarvoor "
        "organiseren?",
    ],
    "2-de-buurt.docx": [
        "Wat verstaan jullie onder de buurt?",
        "Wat is jullie positie ten opzichte van taal?",
        "jullie kunnen de buurt afbakenen vanuit de vestiging, of vanuit de plek waar jullie "
        "deelnemers wonen",
        "Buurtgebruikers zijn buurtbewoners, passanten, organisaties en verenigingen",
    ],
    "3-aanpak.docx": [
        "Waarom willen jullie de buurt nauwer betrekken bij jullie werking?",
        "Ter kennismaking",
        "Versterken van de eigen werking",
        "samenwerkingsverbanden",
        "Versterken van buurtbewoners en -gebruikers",
        "Op welke manier willen jullie de buurt nauwer betrekken?",
        "Eenmalige buurtgerichte activiteit",
        "Structurele buurtgerichte aanpak",
        "Hoe past die binnen een plan of een duidelijke visie?",
        "Formeel (bv. een wijkcomité)",
        "Informeel (bv. een praatje met voorbijgangers)",
        "Functioneel",
        "kan heel wat voordelen hebben voor de doelstellingen",
        "Voor de inbedding in de buurt",
        "Voor het draagvlak van beslissingen",
        "Voor de kinderen",
        "Een eenmalige activiteit is iets vrijblijvender en minder intensief.",
        "Kies een methode die past bij jullie doelstellingen",
    ],
    "4-kaartoefening.docx": [
        "Breng altijd eerst in kaart waar jullie deelnemers en jullie organisatie nu staan.",
        "kaartoefening",
        "Waar komen jullie deelnemers vandaan?",
        "Welke organisaties, verenigingen en infrastructuur zijn er in de buurt?",
        "Bekend: jullie kennen de partner.",
        "Al gebruikt: jullie werken al met de partner samen of gebruiken de voorziening al.",
        "Maak van de kaart een gebruiksvoorwerp",
        "Hang de kaart centraal op, zodat ze een werkinstrument wordt.",
        "vul aan waar nodig",
    ],
    "5-samenwerken.docx": [
        "Zorg dan voor een heldere en concrete vraag, een duidelijke taak- en rolomschrijving, "
        "een evenwichtige inbreng en draagvlak bij iedereen die meedoet.",
        "Heldere en concrete vraag",
        "Duidelijke taak- en rolomschrijving",
        "Evenwichtige inbreng",
        "Draagvlak bij iedereen die meedoet",
        "Breng jullie startniveau in kaart",
        "Welke buurtpartners kennen jullie?",
        "Welke buurtpartners gebruiken jullie al?",
    ],
    "6-actieplan.docx": ["Kies een aanpak die past bij jullie doelstellingen"],
    "7-draaiboek.docx": ["Het verloop van de sessie", "Wat heb je nodig?", "stiften"],
    "8-voorbereiding.docx": ["Wat druk je af?", "Ronde stickers", "fotografeer de kaart"],
}

# What a Flemish editor circled in earlier worksheets: other registers, other words for the
# poster and for sticking, loose plurals, and officialese.
NOT_IN_ANY_WORKSHEET = [
    "jouw",
    "jij",
    "affiche",
    "kleef",
    "kleven",
    "lijm",
    "adres(sen)",
    "en/of",
    "in functie van",
    "gedragenheid",
    "draagkracht",
    "Meerdere zinnen mag",
    " hen betrekt",
]


def open_docx(path: Path) -> Any:
    return Document(str(path))


def paragraph_texts(element: Any) -> list[str]:
    """The text of every paragraph under an element, tables and fields included."""
    return [
        "".join(node.text or "" for node in para.iter(qn("w:t"), qn("w:tab")))
        if para is not None
        else ""
        for para in element.iter(qn("w:p"))
    ]


def text_of(document: Any) -> str:
    return "\n".join(paragraph_texts(document.element.body))


def rows_of(document: Any) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


@pytest.fixture(scope="module")
def team() -> Team:
    return read_team(EXAMPLE)


@pytest.fixture(scope="module")
def pack(team: Team, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pack")
    # soffice="": module fixtures run before the autouse one that switches the PDFs off
    names = write_worksheets(team, folder, Templates(), PackOptions(soffice=""))
    assert names == [*WORKSHEETS, COMBINED]
    return folder


@pytest.fixture(scope="module")
def docs(pack: Path) -> dict[str, Any]:
    return {name: open_docx(pack / name) for name in [*WORKSHEETS, COMBINED]}


def test_writes_eight_numbered_worksheets_and_the_combined_document(pack: Path) -> None:
    assert sorted(path.name for path in pack.iterdir()) == sorted([*WORKSHEETS, COMBINED])
    assert [name.split("-")[0] for name in WORKSHEETS] == [str(n) for n in range(1, 9)]


@pytest.mark.parametrize("name", list(FICHE))
def test_every_question_tip_and_choice_of_the_fiche_is_on_its_worksheet(
    docs: dict[str, Any], name: str
) -> None:
    text = " ".join(text_of(docs[name]).split())
    missing = [phrase for phrase in FICHE[name] if phrase.lower() not in text.lower()]
    assert not missing


def test_no_worksheet_uses_the_words_an_editor_circled(docs: dict[str, Any]) -> None:
    for name, document in docs.items():
        words = " " + " ".join(text_of(document).split()).lower() + " "
        found = [w for w in NOT_IN_ANY_WORKSHEET if f"{w.lower()}" in words.replace(".", " ")]
        found = [w for w in found if w.strip() not in ("jij", "jouw") or f" {w} " in words]
        assert not found, name


def test_every_answer_of_the_team_is_on_a_worksheet(docs: dict[str, Any], team: Team) -> None:
    sheets = " ".join(text_of(docs[name]) for name in WORKSHEETS[:2])
    for answer in team.answers:
        assert answer.answer and answer.answer in sheets
    aanpak = text_of(docs["3-aanpak.docx"])
    for choice in team.choices:
        assert choice.label in aanpak
        assert choice.explanation in aanpak
    kaart = rows_of(docs["4-kaartoefening.docx"])
    for origin in team.participants:
        row = [
            origin.address.street,
            origin.address.postcode,
            origin.address.municipality,
            str(origin.count),
        ]
        assert (row in kaart) is (origin.count >= PackOptions().min_count), row
    assert ["Samen", "", "", str(sum(o.count for o in team.participants))] in kaart
    actions = rows_of(docs["6-actieplan.docx"])
    for action in team.actions:
        assert [
            action.step,
            action.activity,
            action.goal,
            action.who,
            action.when,
            action.frequency,
        ] in actions


def test_sticker_colours_are_found_where_the_poster_shows_them(docs: dict[str, Any]) -> None:
    """The poster has no 'sleutel' with sticker colours: they are in its Kaartoefening panel."""
    for name in ("4-kaartoefening.docx", "7-draaiboek.docx"):
        text = text_of(docs[name])
        assert "sleutel" not in text
        assert "in het vak ‘Kaartoefening’ onderaan de kaart" in text
    assert "het het" not in text_of(docs["4-kaartoefening.docx"])


def test_the_draaiboek_lists_the_sticker_sheet_and_no_fixed_paper_size(
    docs: dict[str, Any],
) -> None:
    text = text_of(docs["7-draaiboek.docx"])
    assert "stickervel met de genummerde buurtpartners (stickers-A4.pdf)" in text
    assert "A1" not in text  # the poster may be printed on any size


def test_the_cover_names_the_poster_the_pack_holds(
    docs: dict[str, Any], team: Team, tmp_path: Path
) -> None:
    assert "Bij dit pakket hoort de kaart van de buurt (op A1)." in text_of(docs[COMBINED])
    write_worksheets(team, tmp_path, Templates(), PackOptions(paper="A3", print_tiles="A4"))
    assert "(op A3, en dezelfde kaart op losse A4-vellen om aan elkaar te plakken)." in text_of(
        open_docx(tmp_path / COMBINED)
    )


def test_the_partner_count_is_of_the_list_not_of_the_map(docs: dict[str, Any], team: Team) -> None:
    cells = [cell for row in rows_of(docs["5-samenwerken.docx"]) for cell in row]
    assert f"{len(team.partners)} buurtpartners in de werkmap" in cells
    assert not any("op de kaart" in cell for cell in cells)  # not all of them may be placed


def test_choices_are_ticked_for_yes_only(docs: dict[str, Any], team: Team) -> None:
    rows = {row[1].split("\n")[0]: row for row in rows_of(docs["3-aanpak.docx"])}
    for choice in team.choices:
        expected = {True: "☒ Ja", False: "☐ Nee", None: "☐"}[choice.chosen]
        assert rows[choice.label][0] == expected, choice.label
    assert "Nog niet beslist." in rows["Functioneel"][1]
    assert "Nog niet beslist." not in rows["Formeel (bv. een wijkcomité)"][1]


def test_partner_table_has_the_poster_numbers_names_and_ticks(
    docs: dict[str, Any], team: Team
) -> None:
    table = next(t for t in docs["4-kaartoefening.docx"].tables if t.rows[0].cells[0].text == "Nr.")
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(team.partners) + 7)]
    for partner, row in zip(team.partners, rows, strict=False):
        assert row[0] == str(partner.number)
        assert row[1] == partner.name
        assert row[2] == partner.kind
        assert row[3] == partner.address.one_line()
        assert row[4] == ("☒" if partner.known else "☐")
        assert row[5] == ("☒" if partner.used else "☐")
    blank = rows[len(team.partners) :]
    assert all(row[1:4] == ["", "", ""] and row[4:6] == ["☐", "☐"] for row in blank)


def test_special_characters_come_through_intact(docs: dict[str, Any]) -> None:
    names = {row[1] for row in rows_of(docs["4-kaartoefening.docx"])}
    assert "مسجد النور – Moskee En-Nour" in names
    assert "Çamlıca Bakkal" in names
    assert 'Bakkerij & Koffiehuis "De Hoek"' in names


def test_headings_are_word_heading_styles(docs: dict[str, Any]) -> None:
    for number, name in enumerate(WORKSHEETS, start=1):
        paragraphs = docs[name].paragraphs
        titles = [p.text for p in paragraphs if p.style.name == "Heading 1"]
        assert len(titles) == 1 and titles[0].startswith(f"Werkblad {number} · ")
        assert any(p.style.name == "Heading 2" for p in paragraphs)
        style = docs[name].styles["Heading 1"]
        assert style.style_id == "Heading1" and style.builtin
    combined = [p.text for p in docs[COMBINED].paragraphs if p.style.name == "Heading 1"]
    assert [title.split(" · ")[0] for title in combined] == [f"Werkblad {n}" for n in range(1, 9)]
    cover = docs[COMBINED].paragraphs[:2]
    assert [(p.style.name, p.text) for p in cover] == [
        ("Title", "Buurtgericht werken"),
        ("Subtitle", "Werkbladen voor Buurthuis De Oever vzw"),
    ]


def test_pages_are_a4_with_organisation_header_and_page_number_footer(
    docs: dict[str, Any],
) -> None:
    for name, document in docs.items():
        section = document.sections[0]
        assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
        header = " ".join(paragraph_texts(section.header._element))
        assert "Buurthuis De Oever vzw · Vestiging Dampoort" in header, name
        footer = section.footer._element
        fields = [f.get(qn("w:instr")).strip() for f in footer.iter(qn("w:fldSimple"))]
        assert fields == ["PAGE", "NUMPAGES"], name
        assert "Pagina" in " ".join(paragraph_texts(footer))


def test_table_rows_never_split_and_header_rows_repeat(docs: dict[str, Any]) -> None:
    headed = 0
    for document in docs.values():
        for table in document.tables:
            for row in table.rows:
                assert row._tr.trPr.find(qn("w:cantSplit")) is not None
            first = table.rows[0]
            if first.cells[0].paragraphs[0].style.name.startswith("Tabelkop"):
                headed += 1
                assert first._tr.trPr.find(qn("w:tblHeader")) is not None
    assert headed >= 20


def test_sticker_colours_come_from_the_house_style(tmp_path: Path, team: Team) -> None:
    override = tmp_path / "templates"
    override.mkdir()
    house_style = (default_templates_dir() / "huisstijl.toml").read_text(encoding="utf-8")
    (override / "huisstijl.toml").write_text(
        house_style.replace('colour_name = "geel"', 'colour_name = "oranje"').replace(
            "#F5C400", "#FF8800"
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    out.mkdir()
    write_worksheets(team, out, Templates(override), PackOptions())
    document = open_docx(out / "4-kaartoefening.docx")
    rows = rows_of(document)
    assert ["", "oranje", "Waar komen jullie deelnemers vandaan?"] in rows
    assert ["", "rood", "Wat gebruiken jullie al?"] in rows
    fills = {shd.get(qn("w:fill")) for shd in document.element.body.iter(qn("w:shd"))}
    assert {"FF8800", "2F6FD0", "2E9E4F", "D7263D"} <= fills


def test_an_empty_team_gets_ruled_lines_and_empty_boxes(tmp_path: Path, team: Team) -> None:
    empty = team.replace(
        answers=tuple(dataclasses.replace(a, answer="") for a in team.answers),
        choices=tuple(dataclasses.replace(c, chosen=None, explanation="") for c in team.choices),
        partners=(),
        participants=(),
        actions=(),
    )
    write_worksheets(empty, tmp_path, Templates(), PackOptions())
    visie = open_docx(tmp_path / "1-visie-en-doel.docx")
    assert not any(p.style.name == "Antwoord" for p in visie.paragraphs)
    assert sum(p.style.name == "Schrijflijn" for p in visie.paragraphs) == 6 * 3
    aanpak = rows_of(open_docx(tmp_path / "3-aanpak.docx"))
    assert [row[0] for row in aanpak if row[0] in "☒☐" and row[0]] == ["☐"] * len(team.choices)
    kaart = rows_of(open_docx(tmp_path / "4-kaartoefening.docx"))
    assert [row[0] for row in kaart if row[0].isdigit()] == [str(n) for n in range(1, 7)]


def test_records_off_the_map_are_listed_in_dutch_only(tmp_path: Path, team: Team) -> None:
    lost = dataclasses.replace(
        team.partners[1], coordinates=None, coordinate_origin=CoordinateOrigin.NOT_PLACED
    )
    changed = team.replace(
        partners=(team.partners[0], lost, *team.partners[2:]),
        warnings=("Buurtpartners, row 3: address not found",),
    )
    write_worksheets(changed, tmp_path, Templates(), PackOptions())
    text = text_of(open_docx(tmp_path / "4-kaartoefening.docx"))
    assert "Niet op de kaart" in text
    assert "2. Basisschool De Regenboog (werkmap, blad ‘Buurtpartners’, rij 3)" in text
    # The CLI's English warnings stay on the terminal: a worksheet is read by the team.
    assert "Buurtpartners, row 3: address not found" not in text
    assert "Niet op de kaart" not in text_of(open_docx(tmp_path / "2-de-buurt.docx"))


def test_the_stickers_of_the_last_session_are_counted_where_the_sheets_talk_about_the_map(
    tmp_path: Path, team: Team
) -> None:
    """The fiche's "vul aan waar nodig": the map grows, and the sheets say what it holds."""
    scanned = with_previous_stickers(team, count=6, far=False)  # 2 geel, 2 blauw, 1 groen, 3 rood
    write_worksheets(scanned, tmp_path, Templates(), PackOptions())
    exercise = text_of(open_docx(tmp_path / "4-kaartoefening.docx"))
    assert (
        "Op de kaart staan ook de 8 stickers uit de vorige sessie (2 geel, 2 blauw, 1 groen, "
        "3 rood): kleine ringen in een donkere tint van hun kleur."
    ) in exercise
    preparation = text_of(open_docx(tmp_path / "8-voorbereiding.docx"))
    assert (
        "De vorige sessie liet 8 stickers op de kaart achter (2 geel, 2 blauw, 1 groen, 3 rood)."
    ) in preparation
    one = team.replace(previous_stickers=scanned.previous_stickers[:1])
    (tmp_path / "een").mkdir()
    write_worksheets(one, tmp_path / "een", Templates(), PackOptions())
    exercise = text_of(open_docx(tmp_path / "een" / "4-kaartoefening.docx"))
    assert "Op de kaart staan ook de 1 sticker uit de vorige sessie (1 geel)" in exercise


def test_a_team_without_an_earlier_session_reads_nothing_about_one(docs: dict[str, Any]) -> None:
    for name in ("4-kaartoefening.docx", "8-voorbereiding.docx"):
        text = text_of(docs[name])
        assert "vorige sessie" not in text
        assert "{%" not in text


def test_markup_and_control_characters_in_names_do_not_break_the_document(
    tmp_path: Path, team: Team
) -> None:
    name = 'Vzw <De Brug> & "Co" \x0b\x07'
    changed = team.replace(organisation=dataclasses.replace(team.organisation, name=name))
    write_worksheets(changed, tmp_path, Templates(), PackOptions())
    for file in [*WORKSHEETS, COMBINED]:
        header = open_docx(tmp_path / file).sections[0].header._element
        assert 'Vzw <De Brug> & "Co"' in " ".join(paragraph_texts(header))


def test_output_is_byte_identical_for_the_same_team(team: Team, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write_worksheets(team, first, Templates(), PackOptions())
    write_worksheets(team, second, Templates(), PackOptions())
    for name in [*WORKSHEETS, COMBINED]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_the_default_templates_pass_the_check(team: Team) -> None:
    check_templates(Templates(), team)


@pytest.fixture
def edited(tmp_path: Path) -> Iterator[tuple[Templates, Path]]:
    """A facilitator's templates folder holding a copy of worksheet 1 to break."""
    folder = tmp_path / "mijn-sjablonen"
    (folder / TEMPLATE_FOLDER).mkdir(parents=True)
    path = folder / TEMPLATE_FOLDER / "1-visie-en-doel.docx"
    shutil.copy(default_templates_dir() / TEMPLATE_FOLDER / path.name, path)
    yield Templates(folder), path


def _replace_in_template(path: Path, old: str, new: str) -> None:
    document = open_docx(path)
    parts = [document.element.body, document.sections[0].header._element]
    for node in (t for part in parts for t in part.iter(qn("w:t"))):
        if node.text and old in node.text:
            node.text = node.text.replace(old, new)
            document.save(str(path))
            return
    raise AssertionError(f"{old} not in {path}")


def test_a_mistyped_field_names_the_file_and_the_tag(
    edited: tuple[Templates, Path], team: Team, tmp_path: Path
) -> None:
    templates, path = edited
    _replace_in_template(path, "{{ organisation.name }}", "{{ organisaton.name }}")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(TemplateError) as caught:
        write_worksheets(team, out, templates, PackOptions())
    message = caught.value.format_message()
    assert message.startswith(f"{path}: onbekend veld 'organisaton' in de tag ")
    assert "{{ organisaton.name }}" in message
    assert list(out.iterdir()) == []
    with pytest.raises(TemplateError, match="organisaton"):
        check_template(path, team)


def test_a_mistyped_attribute_names_the_tag(edited: tuple[Templates, Path], team: Team) -> None:
    _, path = edited
    _replace_in_template(path, "{{ answers.meaning.text }}", "{{ answers.meaning.txt }}")
    with pytest.raises(TemplateError) as caught:
        check_template(path, team)
    assert "onbekend veld 'txt' in de tag {{ answers.meaning.txt }}" in str(caught.value)


def test_an_unclosed_block_names_the_opening_tag(
    edited: tuple[Templates, Path], team: Team
) -> None:
    _, path = edited
    _replace_in_template(path, "{%p endfor %}", "")
    with pytest.raises(TemplateError) as caught:
        check_template(path, team)
    message = str(caught.value)
    assert message.startswith(f"{path}: Encountered unknown tag 'endif'")
    assert "in de tag {%p for extra in extra_answers %}" in message


def test_a_block_left_open_at_the_end_names_the_opening_tag(
    edited: tuple[Templates, Path], team: Team
) -> None:
    _, path = edited
    _replace_in_template(path, "{%p endif %}", "")  # the first: the answer of 'meaning'
    with pytest.raises(TemplateError) as caught:
        check_template(path, team)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "in de tag {%p if answers.meaning.text %}" in message


def test_a_file_that_is_not_a_docx_is_a_clean_error(
    edited: tuple[Templates, Path], team: Team
) -> None:
    _, path = edited
    path.write_text("geen Word-bestand", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"is geen Word-document \(\.docx\)"):
        check_template(path, team)


# --- Privacy: small streets are merged in every file, as on the poster ------------------------


def test_small_streets_are_merged_per_postcode_on_worksheet_4(
    docs: dict[str, Any], team: Team
) -> None:
    kaart = rows_of(docs["4-kaartoefening.docx"])
    # Oktrooiplein (2) and Schoolkaai (2) in 9000 together; Kongostraat (1) alone in 9040
    assert ["2 straten met minder dan 3 deelnemers", "9000", "Gent", "4"] in kaart
    assert ["Andere straten (te weinig deelnemers om ze te noemen)", "", "", "1"] in kaart
    assert not any(row[0] in ("Oktrooiplein", "Schoolkaai", "Kongostraat") for row in kaart)
    buurt = rows_of(docs["2-de-buurt.docx"])
    assert any(
        "Jullie eigen deelnemers: 58 personen uit 10 straten (zie werkblad 4)." in cell
        for row in buurt
        for cell in row
    )


def _text_in_file(path: Path) -> str:
    """Everything a reader could find in a file of the pack: every part of a DOCX, the text
    layer of a PDF, the manifest as written."""
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    if path.suffix == ".pdf":
        document = pdfium.PdfDocument(path)
        try:
            return "\n".join(page.get_textpage().get_text_range() for page in document)
        finally:
            document.close()
    if path.suffix == ".json":
        return path.read_text(encoding="utf-8")
    assert path.suffix == ".png", path  # the preview: pixels, no text
    return ""


def test_a_street_with_one_participant_is_named_in_no_file_of_the_pack(
    runner: CliRunner, example_workbook: Path, tile_server: TileServer, tmp_path: Path
) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    row: list[str | int] = ["Geheimstraat", "9050", "Gentbrugge", 1, "51.0400, 3.7600"]
    for column, value in enumerate(row, start=1):
        workbook["Deelnemers"].cell(row=12, column=column, value=value)
    workbook.save(example_workbook)
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["generate", str(example_workbook), "--out", str(out), "--tiles", tile_server.url]
    )
    assert result.exit_code == 0, result.output
    [pack] = out.iterdir()
    files = sorted(pack.iterdir())
    assert len(files) > 10
    for file in files:
        assert "Geheimstraat" not in _text_in_file(file), file.name
    shown = json.loads((pack / "pack.json").read_text(encoding="utf-8"))["team"]
    assert {
        "street": "",
        "postcode": "9000",
        "municipality": "Gent",
        "count": 4,
        "streets": 2,
        "placed": True,
        "coordinate_origin": "workbook",
    } in shown["participants"]
    assert shown["participants_hidden"] == 2  # Kongostraat (9040) and Geheimstraat (9050)
    assert sum(row["count"] for row in shown["participants"]) + 2 == 59


# --- The session: draaiboek, preparation, plurals, dates ---------------------------------------


def _clock_minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@pytest.mark.parametrize(
    ("minutes", "spoken"), [(90, "anderhalf uur"), (120, "twee uur"), (150, "tweeënhalf uur")]
)
def test_the_draaiboek_times_add_up_and_reach_the_map_within_half_an_hour(
    team: Team, tmp_path: Path, minutes: int, spoken: str
) -> None:
    write_worksheets(team, tmp_path, Templates(), PackOptions(session_minutes=minutes))
    draaiboek = open_docx(tmp_path / "7-draaiboek.docx")
    assert f"De sessie duurt {spoken}." in text_of(draaiboek)
    steps = [row for row in rows_of(draaiboek) if " – " in row[0]]
    spans = [tuple(_clock_minutes(part) for part in row[0].split(" – ")) for row in steps]
    assert spans[0][0] == 0
    assert spans[-1][1] == minutes
    assert all(end == next_start for (_, end), (next_start, _) in itertools.pairwise(spans))
    assert all(start < end for start, end in spans)
    [map_start] = [span[0] for span, row in zip(spans, steps, strict=True) if row[2] == "4"]
    assert map_start <= 30
    assert [row[2] for row in steps if row[2]] == ["2", "4", "1", "3", "5", "6"]
    assert "Fotografeer de kaart." in steps[-1][1]


def test_a_session_whose_minutes_do_not_add_up_is_refused(team: Team, tmp_path: Path) -> None:
    override = tmp_path / "templates"
    (override / TEMPLATE_FOLDER).mkdir(parents=True)
    session = (default_templates_dir() / TEMPLATE_FOLDER / "sessie.toml").read_text("utf-8")
    edited = session.replace(
        "minutes = { 90 = 5, 120 = 10, 150 = 10 }", "minutes = { 90 = 5, 120 = 15, 150 = 10 }", 1
    )
    assert edited != session
    (override / TEMPLATE_FOLDER / "sessie.toml").write_text(edited, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        write_worksheets(team, tmp_path, Templates(override), PackOptions())
    assert caught.value.format_message() == (
        f"{override / TEMPLATE_FOLDER / 'sessie.toml'}: de stappen van de sessie van 120 "
        "minuten duren samen 125 minuten; pas hun 'minutes' aan tot ze samen 120 zijn, of "
        "verwijder het bestand uit je sjablonenmap om het standaardbestand te gebruiken"
    )


def test_the_preparation_sheet_names_paper_labels_stickers_and_the_photo(
    docs: dict[str, Any], team: Team, tmp_path: Path
) -> None:
    document = docs["8-voorbereiding.docx"]
    text = " ".join(text_of(document).split())
    assert "A4-etiketvellen met 3 × 7 etiketten van 63,5 × 38,1 mm (bv. Avery L7160)" in text
    assert "‘Werkelijke grootte’" in text
    assert "Ronde stickers in 4 kleuren (geel, blauw, groen, rood)" in text
    assert "Reken op 5 stickers van elke kleur per aanwezige" in text
    assert "Na de sessie: fotografeer de kaart" in text
    rows = rows_of(document)
    assert ["6", "30", "120"] in rows and ["20", "100", "400"] in rows
    assert rows[1][:2] == ["De kaart van de buurt (poster-A1.pdf)", "A1, op ware grootte"]
    assert "tegels" not in text
    write_worksheets(team, tmp_path, Templates(), PackOptions(paper="A2", print_tiles="A4"))
    tiled = text_of(open_docx(tmp_path / "8-voorbereiding.docx"))
    assert "Dezelfde kaart op losse vellen (poster-A2-tegels-A4.pdf)" in tiled


def test_numbers_and_nouns_agree_for_one_street_one_partner_and_one_address(
    team: Team, tmp_path: Path
) -> None:
    lost = dataclasses.replace(
        team.partners[0], coordinates=None, coordinate_origin=CoordinateOrigin.NOT_PLACED
    )
    street = dataclasses.replace(team.participants[0], count=1)
    one = team.replace(partners=(lost,), participants=(street,))
    write_worksheets(one, tmp_path, Templates(), PackOptions(min_count=1))
    cells = [c for row in rows_of(open_docx(tmp_path / "5-samenwerken.docx")) for c in row]
    assert "1 deelnemer uit 1 straat" in cells
    assert "1 buurtpartner in de werkmap" in cells
    buurt = " ".join(text_of(open_docx(tmp_path / "2-de-buurt.docx")).split())
    assert "Jullie eigen deelnemers: 1 persoon uit 1 straat (zie werkblad 4)." in buurt
    assert "In jullie werkmap: 1 buurtpartner (zie werkblad 4)." in buurt
    draaiboek = text_of(open_docx(tmp_path / "7-draaiboek.docx"))
    assert "Let op: de kaart toont 1 adres uit de werkmap niet." in draaiboek


def test_dates_are_written_as_day_month_year_in_words(docs: dict[str, Any]) -> None:
    footer = " ".join(paragraph_texts(docs["1-visie-en-doel.docx"].sections[0].footer._element))
    assert "sessie van 12 maart 2027" in footer
    assert ["Sessie", "12 maart 2027"] in rows_of(docs["7-draaiboek.docx"])
    assert ["Sessie", "12 maart 2027"] in rows_of(docs[COMBINED])


# --- The combined document when a facilitator's template has its own styles ------------------


def test_a_template_with_its_own_styles_is_merged_into_the_combined_document(
    team: Team, tmp_path: Path
) -> None:
    override = tmp_path / "templates"
    (override / TEMPLATE_FOLDER).mkdir(parents=True)
    source = default_templates_dir() / TEMPLATE_FOLDER / "6-actieplan.docx"
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(override / TEMPLATE_FOLDER / source.name, "w") as edited,
    ):
        for item in original.infolist():
            content = original.read(item.filename)
            if item.filename == "word/styles.xml":
                content = content.replace(b"</w:styles>", _EXTRA_STYLE + b"</w:styles>")
            if item.filename == "word/document.xml":  # the introduction in the new style
                content = content.replace(b'w:val="Inleiding"', b'w:val="Mijnstijl"', 1)
            edited.writestr(item, content)
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        write_worksheets(team, folder, Templates(override), PackOptions())
    assert (first / COMBINED).read_bytes() == (second / COMBINED).read_bytes()
    combined = open_docx(first / COMBINED)
    titles = [p.text for p in combined.paragraphs if p.style.name == "Heading 1"]
    assert [title.split(" · ")[0] for title in titles] == [f"Werkblad {n}" for n in range(1, 9)]
    assert "Mijnstijl" in [style.name for style in combined.styles]


_EXTRA_STYLE = (
    b'<w:style w:type="paragraph" w:customStyle="1" w:styleId="Mijnstijl">'
    b'<w:name w:val="Mijnstijl"/><w:basedOn w:val="Normal"/></w:style>'
)


# --- PDF through LibreOffice ------------------------------------------------------------------


def test_without_libreoffice_the_run_says_the_worksheets_are_docx_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BUURTKAART_SOFFICE")
    absent = PackOptions(soffice="soffice-not-installed")
    assert find_soffice(absent) is None
    assert missing_soffice_warning(absent) == (
        "LibreOffice (soffice) is niet gevonden: de werkbladen staan alleen als "
        "Word-bestanden (.docx) in het pakket; installeer LibreOffice om ze ook als PDF te "
        "krijgen, of geef het pad naar soffice in BUURTKAART_SOFFICE"
    )
    assert missing_soffice_warning(PackOptions(soffice="")) is None  # switched off: no warning


def test_the_soffice_command_runs_headless_in_a_private_profile(tmp_path: Path) -> None:
    command = soffice_command("soffice", tmp_path / "profile", tmp_path / "pdf", [Path("a.docx")])
    assert command == [
        "soffice",
        f"-env:UserInstallation=file://{tmp_path}/profile",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path / "pdf"),
        "a.docx",
    ]


def test_a_failing_libreoffice_is_a_clean_error(tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    fake.chmod(0o755)
    (tmp_path / "a.docx").write_bytes(b"")
    with pytest.raises(OutputError) as caught:
        write_pdfs(str(fake), tmp_path, ["a.docx"])
    assert caught.value.format_message() == (
        f"LibreOffice ({fake}) kon de werkbladen niet omzetten naar PDF (afsluitcode 1: Error: "
        "source file could not be loaded); kijk na of het opstart, of maak "
        "BUURTKAART_SOFFICE leeg om de PDF's over te slaan"
    )


def test_pdf_dates_and_ids_are_made_reproducible() -> None:
    def pdf(stamp: bytes, ident: bytes) -> bytes:
        return (
            b"%PDF-1.7\n1 0 obj <</Producer(LibreOffice)/CreationDate(D:" + stamp + b"Z')>>\n"
            b"trailer <</ID [ <"
            + ident
            + b">\n<"
            + ident
            + b"> ]\n/DocChecksum /"
            + ident
            + b">>\n%%EOF\n"
        )

    first = reproducible(pdf(b"20261130005455", b"0E3668CD1F8DBF05AA7554D15A021CFE"))
    second = reproducible(pdf(b"20270101120000", b"F3C6BDB957EEF515E4F8240DA5E1D263"))
    assert first == second
    assert len(first) == len(pdf(b"20261130005455", b"0E3668CD1F8DBF05AA7554D15A021CFE"))
    assert b"/CreationDate(D:19800101000000Z')" in first


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_writes_a_worksheet_as_pdf(pack: Path, tmp_path: Path) -> None:
    # One small worksheet: a conversion costs LibreOffice's start (seconds) plus each page.
    shutil.copy(pack / "6-actieplan.docx", tmp_path)
    soffice = find_soffice(PackOptions(soffice="soffice"))
    assert soffice is not None
    assert write_pdfs(soffice, tmp_path, ["6-actieplan.docx"]) == ["6-actieplan.pdf"]
    text = _text_in_file(tmp_path / "6-actieplan.pdf")
    assert "Werkblad 6 · Actieplan" in text
    assert "Buurtontbijt" in text or "buurtontbijt" in text
    assert b"/CreationDate(D:19800101000000" in (tmp_path / "6-actieplan.pdf").read_bytes()


def test_every_table_names_each_of_its_properties_once(docs: dict[str, Any]) -> None:
    # WordprocessingML allows each table property once (a second w:tblLayout is invalid XML
    # for Word, which may then call the file damaged): the templates once had it twice.
    for name, document in docs.items():
        for properties in document.element.body.iter(qn("w:tblPr")):
            tags = [child.tag for child in properties]
            assert len(tags) == len(set(tags)), name


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_worksheet_4s_partner_table_keeps_its_headers_and_long_words_whole(
    pack: Path, tmp_path: Path
) -> None:
    shutil.copy(pack / "4-kaartoefening.docx", tmp_path)
    soffice = find_soffice(PackOptions(soffice="soffice"))
    assert soffice is not None
    write_pdfs(soffice, tmp_path, ["4-kaartoefening.docx"])
    words = _text_in_file(tmp_path / "4-kaartoefening.pdf").split()
    for whole in ("Bekend?", "gebruikt?", "Wijkgezondheidscentrum", "Levensbeschouwing"):
        assert whole in words
