"""The CLI's commands, exit codes and exact messages, through click's CliRunner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from generator import __version__
from generator.cli import main
from tests.servers import TileServer


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"buurtkaart, versie {__version__}\n"


@pytest.mark.parametrize(
    "command", [[], ["init"], ["validate"], ["generate"], ["templates"], ["templates", "export"]]
)
def test_every_command_has_help_with_an_example(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Voorbeeld:" in result.stdout
    assert "buurtkaart " in result.stdout.split("Voorbeeld:")[1]


def test_init_writes_a_workbook_with_every_sheet(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "team.xlsx"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{target} geschreven\n"
    sheets = openpyxl.load_workbook(target).sheetnames
    assert sheets == [
        "Uitleg",
        "Organisatie",
        "Visie",
        "Aanpak",
        "Deelnemers",
        "Buurtpartners",
        "Acties",
        "Lijsten",
    ]


def test_init_refuses_to_overwrite_without_force(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "team.xlsx"
    target.write_bytes(b"the team's own work")
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Fout: {target} bestaat al; kies een andere naam of voeg --force toe om het te vervangen\n"
    )
    assert target.read_bytes() == b"the team's own work"

    forced = runner.invoke(main, ["init", str(target), "--force", "--example"])
    assert forced.exit_code == 0
    assert openpyxl.load_workbook(target)["Organisatie"]["B2"].value == "Buurthuis De Oever vzw"


def test_init_refuses_a_name_excel_cannot_open(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "team.xls"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Fout: {target} eindigt niet op .xlsx; Excel opent alleen werkmappen met de naam *.xlsx\n"
    )
    assert not target.exists()


def test_validate_a_valid_workbook(runner: CliRunner, example_workbook: Path) -> None:
    result = runner.invoke(main, ["validate", str(example_workbook)])
    assert result.exit_code == 0
    assert result.stderr == (
        f"{example_workbook}: in orde (14 buurtpartners, 10 straten, 4 acties)\n"
    )
    assert result.stdout == ""


def test_validate_lists_every_problem_and_exits_1(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    workbook = openpyxl.load_workbook(example_workbook)
    workbook["Deelnemers"]["D3"] = "veel"
    workbook["Buurtpartners"]["G4"] = "misschien"
    bad = tmp_path / "fout.xlsx"
    workbook.save(bad)

    result = runner.invoke(main, ["validate", str(example_workbook), str(bad)])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{example_workbook}: in orde (14 buurtpartners, 10 straten, 4 acties)",
        f"{bad}: blad 'Deelnemers', cel D3: 'veel' is geen getal; typ in cijfers hoeveel "
        "deelnemers in deze straat wonen, bv. 4",
        f"{bad}: blad 'Buurtpartners', cel G4: 'misschien' is geen Ja of Nee; typ Ja of Nee, "
        "of laat de cel leeg zolang het team niet beslist heeft",
        "Fout: 1 van 2 werkmappen heeft problemen",
    ]


def test_validate_without_arguments_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 2
    assert "Ontbrekend argument 'WORKBOOKS...'" in result.stderr


def test_generate_writes_a_pack(
    runner: CliRunner, example_workbook: Path, tile_server: TileServer, tmp_path: Path
) -> None:
    out = tmp_path / "packs"
    result = runner.invoke(
        main, ["generate", str(example_workbook), "--out", str(out), "--tiles", tile_server.url]
    )
    assert result.exit_code == 0, result.output
    pack = out / "buurthuis-de-oever-vzw-vestiging-dampoort"
    assert result.stderr.splitlines()[-1] == (f"{example_workbook}: pakket geschreven naar {pack}")
    manifest = json.loads((pack / "pack.json").read_text(encoding="utf-8"))
    assert manifest["team"]["organisation"]["name"] == "Buurthuis De Oever vzw"
    assert [p["name"] for p in manifest["team"]["partners"]][:2] == [
        "Bibliotheek Dampoort",
        "Basisschool De Regenboog",
    ]
    assert [entry.name for entry in out.iterdir()] == [pack.name]


def test_generate_reports_bad_workbooks_and_still_makes_the_good_ones(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "ontbreekt.xlsx"
    out = tmp_path / "packs"
    result = runner.invoke(
        main, ["generate", str(missing), str(example_workbook), "--out", str(out)]
    )
    assert result.exit_code == 1  # a failure outweighs a pack without its map (exit 3)
    lines = result.stderr.splitlines()
    assert f"{missing}: het bestand bestaat niet; kijk de naam en de map na" in lines
    assert lines[-1] == "Fout: 1 van 2 werkmappen mislukt; 1 pakket geschreven, 1 onvolledig"
    assert (out / "buurthuis-de-oever-vzw-vestiging-dampoort" / "pack.json").is_file()


def test_a_run_without_map_or_geocoder_ends_with_what_each_pack_lacks_and_exit_3(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    """Tiles and geocoder both unreachable (the tests' default): the packs are written, the
    summary says what each lacks, and the exit code is neither success nor failure."""
    workbook = openpyxl.load_workbook(example_workbook)
    workbook["Buurtpartners"]["F3"] = None  # Basisschool De Regenboog: its address alone
    workbook["Buurtpartners"]["F4"] = None
    unplaced = tmp_path / "zonder-net.xlsx"
    workbook.save(unplaced)
    out = tmp_path / "packs"

    result = runner.invoke(main, ["generate", str(unplaced), "--out", str(out)])

    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines()[-2:] == [
        f"{unplaced}: pakket geschreven naar "
        f"{out / 'buurthuis-de-oever-vzw-vestiging-dampoort'}, maar onvolledig: geen "
        "basiskaart, 2 adressen niet opgezocht",
        "1 van 1 pakket onvolledig geschreven; lees de meldingen hierboven en probeer "
        "opnieuw zodra de servers bereikbaar zijn",
    ]


def test_generate_refuses_an_output_path_that_is_a_file(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "output"
    out.write_text("not a folder")
    result = runner.invoke(main, ["generate", str(example_workbook), "--out", str(out)])
    assert result.exit_code == 2
    assert f"Fout: Ongeldige waarde voor '--out': Map '{out}' is een bestand." in result.stderr
    assert out.read_text() == "not a folder"


def test_generate_refuses_two_workbooks_for_the_same_pack(
    runner: CliRunner, example_workbook: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "kopie.xlsx"
    twin.write_bytes(example_workbook.read_bytes())
    result = runner.invoke(
        main, ["generate", str(example_workbook), str(twin), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert (
        f"{twin}: blad 'Organisatie': de organisatie en vestiging geven dezelfde pakketmap "
        f"'buurthuis-de-oever-vzw-vestiging-dampoort' als {example_workbook}; geef elke "
        "werkmap een eigen Vestiging op het blad 'Organisatie'"
    ) in result.stderr.splitlines()


def test_an_edited_workbook_template_works_for_init_validate_and_generate(
    runner: CliRunner, tmp_path: Path
) -> None:
    edited = tmp_path / "sjablonen"
    assert runner.invoke(main, ["templates", "export", str(edited)]).exit_code == 0
    spec = edited / "workbook.toml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace('actions = "Acties"', 'actions = "Stappen"'),
        encoding="utf-8",
    )
    workbook = tmp_path / "team.xlsx"
    assert (
        runner.invoke(
            main, ["init", str(workbook), "--example", "--templates", str(edited)]
        ).exit_code
        == 0
    )
    assert "Stappen" in openpyxl.load_workbook(workbook).sheetnames

    default = runner.invoke(main, ["validate", str(workbook)])
    assert default.exit_code == 1
    assert f"{workbook}: blad 'Acties': het blad ontbreekt" in default.stderr

    own = runner.invoke(main, ["validate", str(workbook), "--templates", str(edited)])
    assert own.exit_code == 0, own.output

    made = runner.invoke(
        main,
        ["generate", str(workbook), "--out", str(tmp_path / "out"), "--templates", str(edited)],
    )
    assert made.exit_code == 3, made.output  # no tile server here: written, without a map


def test_init_writes_a_file_others_may_read_and_reports_a_folder_it_cannot_write(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "team.xlsx"
    previous = os.umask(0o022)
    try:
        assert runner.invoke(main, ["init", str(target)]).exit_code == 0
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == 0o644  # as any file the user saves, not private

    blocked = tmp_path / "een-bestand"
    blocked.write_text("not a folder")
    result = runner.invoke(main, ["init", str(blocked / "team.xlsx")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Fout: kan {blocked / 'team.xlsx'} niet schrijven: ")


def test_the_workbook_offers_dropdowns_with_input_messages(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "team.xlsx"
    assert runner.invoke(main, ["init", str(path)]).exit_code == 0
    workbook = openpyxl.load_workbook(path)
    partners = workbook["Buurtpartners"]
    lists = {
        str(validation.sqref): (validation.formula1, validation.prompt, validation.showErrorMessage)
        for validation in partners.data_validations.dataValidation
        if validation.type == "list"
    }
    assert lists == {
        "B2:B501": ("partners_kind", "Kies de soort uit de lijst.", True),
        "G2:G501": ('"Ja,Nee"', "Kennen jullie deze partner? Ja of Nee.", False),
        "H2:H501": (
            '"Ja,Nee"',
            "Werken jullie al met deze partner samen, of gebruiken jullie deze voorziening al? "
            "Ja of Nee.",
            False,
        ),
    }
    assert partners.freeze_panes == "A2"
    assert partners.protection.sheet is True
    assert partners["A1"].protection.locked is True
    assert partners["A2"].protection.locked is False
    assert workbook["Lijsten"].sheet_state == "hidden"


@pytest.mark.parametrize(
    ("arguments", "unwanted"),
    [
        (
            ["--help"],
            (
                "generator.pack",
                "generator.workbook",
                "openpyxl",
                "reportlab",
                "importlib.metadata",
                "webbrowser",
            ),
        ),
        (
            ["validate", "input/voorbeeld.xlsx"],
            ("generator.pack", "generator.poster", "generator.map", "reportlab", "docx", "numpy"),
        ),
    ],
)
def test_a_command_imports_only_the_stages_it_uses(
    arguments: list[str], unwanted: tuple[str, ...]
) -> None:
    """Start-up time is import time: ``--help`` and ``validate`` must not load the renderers."""
    script = (
        "import sys\n"
        "from generator.cli import main\n"
        f"main({arguments!r}, standalone_mode=False)\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    repository = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=repository, capture_output=True, text=True, check=True
    )
    loaded = done.stdout.splitlines()[-1].split()
    assert "generator.cli" in loaded
    assert [name for name in loaded if name.startswith(unwanted)] == []
