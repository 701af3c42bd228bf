"""Every message in Dutch by default, in English when asked; the catalogue complete."""

from __future__ import annotations

import re
from pathlib import Path

import click
import openpyxl
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner

from generator.cli import main
from generator.i18n import _, language_from_environment, ngettext, use_language

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "templates" / "locale" / "nl" / "LC_MESSAGES" / "buurtkaart.po"
PLACEHOLDER = re.compile(r"\{[a-z_]*(?:![rs])?(?::[^{}]*)?\}|%\([a-z]+\)s")


def _catalogue() -> Catalog:
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="nl")


def _extracted(folder: Path) -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        folder, method_map=[("**.py", "python")]
    ):
        found.add(message)
    return found


def test_every_message_of_buurtkaart_and_click_is_in_the_catalogue() -> None:
    catalogue = _catalogue()
    ids = {message.id for message in catalogue if message.id}
    wanted = _extracted(REPO / "generator") | _extracted(Path(click.__file__).parent)
    assert sorted(map(str, wanted - ids)) == []


def test_every_entry_is_translated_once_with_the_same_placeholders() -> None:
    for message in _catalogue():
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(texts), message.id
        for msgid, text in zip(ids, texts, strict=False):
            assert sorted(PLACEHOLDER.findall(str(text))) == sorted(
                PLACEHOLDER.findall(str(msgid))
            ), msgid


def test_the_default_is_dutch() -> None:
    assert language_from_environment() == "nl"
    assert _("the file does not exist") == "het bestand bestaat niet"


@pytest.mark.parametrize(
    ("variables", "language"),
    [
        ({"BUURTKAART_LANG": "en"}, "en"),
        ({"BUURTKAART_LANG": "nl", "LANG": "en_US.UTF-8"}, "nl"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "nl_BE.UTF-8"}, "nl"),
        ({"LANG": "fr_BE.UTF-8"}, "nl"),  # no French catalogue: Dutch, the default
        ({"LANGUAGE": "en:nl", "LANG": "nl_BE.UTF-8"}, "en"),
        ({"LC_ALL": "C"}, "nl"),
        ({"BUURTKAART_LANG": "de"}, "nl"),
    ],
)
def test_the_language_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], language: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert language_from_environment() == language


def test_lang_en_speaks_english_and_lang_nl_dutch(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "weg.xlsx"
    english = runner.invoke(main, ["--lang", "en", "validate", str(missing)])
    assert english.exit_code == 1
    assert english.stderr == (
        f"{missing}: the file does not exist; check the name and the folder\n"
        "Error: 1 of 1 workbook has problems\n"
    )
    dutch = runner.invoke(main, ["--lang=nl", "validate", str(missing)])
    assert dutch.exit_code == 1
    assert dutch.stderr == (
        f"{missing}: het bestand bestaat niet; kijk de naam en de map na\n"
        "Fout: 1 van 1 werkmap heeft problemen\n"
    )


def test_buurtkaart_lang_chooses_english_unless_lang_says_otherwise(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUURTKAART_LANG", "en")
    target = tmp_path / "team.txt"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {target} does not end in .xlsx; Excel only opens workbooks named *.xlsx\n"
    )
    result = runner.invoke(main, ["--lang", "nl", "init", str(target)])
    assert result.stderr == (
        f"Fout: {target} eindigt niet op .xlsx; Excel opent alleen werkmappen met de naam *.xlsx\n"
    )


def test_a_dutch_system_locale_gives_dutch_and_an_english_one_english(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert runner.invoke(main, ["validate"]).stderr.endswith(
        "Error: Missing argument 'WORKBOOKS...'.\n"
    )
    monkeypatch.setenv("LANG", "nl_BE.UTF-8")
    assert runner.invoke(main, ["validate"]).stderr.endswith(
        "Fout: Ontbrekend argument 'WORKBOOKS...'.\n"
    )


def test_clicks_own_words_are_dutch(runner: CliRunner) -> None:
    missing = runner.invoke(main, ["validate"])
    assert missing.exit_code == 2
    assert missing.stderr == (
        "Gebruik: main validate [OPTIONS] WORKBOOKS...\n"
        "Typ 'main validate --help' voor hulp.\n"
        "\n"
        "Fout: Ontbrekend argument 'WORKBOOKS...'.\n"
    )
    unknown = runner.invoke(main, ["generate", "--bogus"])
    assert unknown.exit_code == 2
    assert unknown.stderr.endswith("Fout: Onbekende optie '--bogus'. Bedoelde je '--out'?\n")
    command = runner.invoke(main, ["maak"])
    assert command.exit_code == 2
    assert command.stderr.endswith("Fout: Onbekende opdracht 'maak'.\n")
    choice = runner.invoke(main, ["generate", "x.xlsx", "--poster-size", "B5"])
    assert choice.exit_code == 2
    assert "Ongeldige waarde voor '--poster-size': 'B5' is niet een van" in choice.stderr
    assert runner.invoke(main, ["--version"]).stdout == "buurtkaart, versie 0.1.0\n"


def test_help_is_dutch_by_default_and_english_with_lang_en(runner: CliRunner) -> None:
    dutch = runner.invoke(main, ["generate", "--help"]).stdout
    assert dutch.startswith("Gebruik: main generate [OPTIONS] WORKBOOKS...\n")
    assert "Opties:" in dutch
    assert "Papierformaat van de kaart aan de muur." in dutch
    assert "Toon deze hulp en stop." in dutch
    assert '$env:BUURTKAART_CONTACT = "naam@organisatie.be"' in dutch
    assert "set BUURTKAART_CONTACT=naam@organisatie.be" in dutch
    english = runner.invoke(main, ["--lang", "en", "generate", "--help"]).stdout
    assert english.startswith("Usage: main generate [OPTIONS] WORKBOOKS...\n")
    assert "Paper size of the wall poster." in english
    assert "Show this message and exit." in english
    # and back: the help texts are translated again for each run, not once at import
    top = runner.invoke(main, ["--help"]).stdout
    assert "Opdrachten:" in top
    assert "Controleer werkmappen en toon elk probleem" in top


def _team_of(example: Path, partners: int, streets: int, actions: int) -> Path:
    """The example team cut to its first partners, streets and actions."""
    workbook = openpyxl.load_workbook(example)
    for sheet, keep in (("Buurtpartners", partners), ("Deelnemers", streets), ("Acties", actions)):
        workbook[sheet].delete_rows(2 + keep, 1000)
    workbook.save(example)
    return example


@pytest.mark.parametrize(
    ("counts", "summary"),
    [
        ((1, 1, 1), "in orde (1 buurtpartner, 1 straat, 1 actie)"),
        ((1, 3, 2), "in orde (1 buurtpartner, 3 straten, 2 acties)"),
        ((14, 10, 4), "in orde (14 buurtpartners, 10 straten, 4 acties)"),
    ],
)
def test_counts_agree_with_their_nouns(
    runner: CliRunner, example_workbook: Path, counts: tuple[int, int, int], summary: str
) -> None:
    workbook = _team_of(example_workbook, *counts)
    result = runner.invoke(main, ["validate", str(workbook)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{workbook}: {summary}\n"


def test_plural_forms_follow_dutch_rules() -> None:
    use_language("nl")
    one, many = (
        ngettext("{count} address not looked up", "{count} addresses not looked up", count)
        for count in (1, 2)
    )
    assert (one, many) == ("{count} adres niet opgezocht", "{count} adressen niet opgezocht")
    assert ngettext("{count} pack", "{count} packs", 0) == "{count} pakketten"


def test_a_problem_names_blad_and_cel(runner: CliRunner, example_workbook: Path) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    workbook["Buurtpartners"]["G4"] = "misschien"
    workbook.save(example_workbook)
    result = runner.invoke(main, ["validate", str(example_workbook)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{example_workbook}: blad 'Buurtpartners', cel G4: 'misschien' is geen Ja of Nee; "
        "typ Ja of Nee, of laat de cel leeg zolang het team niet beslist heeft\n"
        "Fout: 1 van 1 werkmap heeft problemen\n"
    )


def test_an_older_workbook_with_the_earlier_partner_headers_still_reads(
    runner: CliRunner, example_workbook: Path
) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    partners = workbook["Buurtpartners"]
    assert partners["G1"].value == "Kennen jullie de partner?"
    partners["G1"], partners["H1"] = "Ken je?", "Gebruik je al?"
    workbook["Visie"]["A2"] = "Wat en wie versta je onder buurtgericht werken?"
    workbook.save(example_workbook)
    result = runner.invoke(main, ["validate", str(example_workbook)])
    assert result.exit_code == 0, result.output
    assert (
        result.stderr == f"{example_workbook}: in orde (14 buurtpartners, 10 straten, 4 acties)\n"
    )


# Words that are English and never Dutch: one of them in a Dutch run is a message left out.
ENGLISH = re.compile(
    r"\b(the|is not|cannot|could not|does not|workbook|sheet|cell|missing|error|warning|"
    r"usage|option|choose|file|folder|type|written|valid|problems?|try|show|exit)\b",
    re.IGNORECASE,
)
# What the messages quote, not say: paths, option names, sheet names and examples.
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|--[a-z-]+|\S*[/\\]\S*|\S+\.xlsx\b|\[[A-Z_]+\.*\]")


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "{tmp}/weg.xlsx"],
        ["validate", "{tmp}/kapot.xlsx"],
        ["validate", "{tmp}/tekst.xlsx"],
        ["validate", "{tmp}"],
        ["init", "{tmp}/team.txt"],
        ["init", "{tmp}/kapot.xlsx"],
        ["generate", "{tmp}/weg.xlsx", "--out", "{tmp}/kapot.xlsx"],
        ["generate", "{tmp}/weg.xlsx", "--tiles", "ftp://x/{z}/{x}/{y}.png"],
        ["generate", "--poster-size", "B5", "{tmp}/weg.xlsx"],
        ["generate", "--min-count", "0", "{tmp}/weg.xlsx"],
        ["templates", "export", "{tmp}"],
        ["serve", "--port", "70000"],
        ["scan", "{tmp}", "{tmp}/foto.jpg"],
        ["scan", "{tmp}/kapot.xlsx", "{tmp}/foto.jpg"],
        ["maak"],
    ],
)
def test_no_english_word_reaches_a_dutch_user(
    runner: CliRunner, tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "kapot.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "tekst.xlsx").write_text("naam;straat\n", encoding="utf-8")
    result = runner.invoke(main, [arg.replace("{tmp}", str(tmp_path)) for arg in args])
    assert result.exit_code in (1, 2)
    said = QUOTED.sub(" ", result.stderr.replace(str(tmp_path), " "))
    # click's usage line names the command's parts as declared ([OPTIONS], WORKBOOKS...)
    said = "\n".join(line for line in said.splitlines() if not line.startswith("Gebruik:"))
    assert ENGLISH.findall(said) == [], result.stderr
