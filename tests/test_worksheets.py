"""The session worksheets: content, ticks, numbers, Word structure and template errors."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from generator.errors import TemplateError
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
        "Kennen jullie de partner?",
        "Gebruiken jullie de partner al?",
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
    names = write_worksheets(team, folder, Templates(), PackOptions())
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
    assert ["", "oranje", "Waar komen je deelnemers vandaan?"] in rows
    assert ["", "rood", "Wat gebruik je al?"] in rows
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
    assert message.startswith(f"{path}: unknown field 'organisaton' in the tag ")
    assert "{{ organisaton.name }}" in message
    assert list(out.iterdir()) == []
    with pytest.raises(TemplateError, match="organisaton"):
        check_template(path, team)


def test_a_mistyped_attribute_names_the_tag(edited: tuple[Templates, Path], team: Team) -> None:
    _, path = edited
    _replace_in_template(path, "{{ answers.meaning.text }}", "{{ answers.meaning.txt }}")
    with pytest.raises(TemplateError) as caught:
        check_template(path, team)
    assert "unknown field 'txt' in the tag {{ answers.meaning.txt }}" in str(caught.value)


def test_an_unclosed_block_names_the_opening_tag(
    edited: tuple[Templates, Path], team: Team
) -> None:
    _, path = edited
    _replace_in_template(path, "{%p endfor %}", "")
    with pytest.raises(TemplateError) as caught:
        check_template(path, team)
    message = str(caught.value)
    assert message.startswith(f"{path}: Encountered unknown tag 'endif'")
    assert "in the tag {%p for extra in extra_answers %}" in message


def test_a_block_left_open_at_the_end_names_the_opening_tag(
    edited: tuple[Templates, Path], team: Team
) -> None:
    _, path = edited
    _replace_in_template(path, "{%p endif %}", "")  # the first: the answer of 'meaning'
    with pytest.raises(TemplateError) as caught:
        check_template(path, team)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "in the tag {%p if answers.meaning.text %}" in message


def test_a_file_that_is_not_a_docx_is_a_clean_error(
    edited: tuple[Templates, Path], team: Team
) -> None:
    _, path = edited
    path.write_text("geen Word-bestand", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"is not a Word document \(\.docx\)"):
        check_template(path, team)
