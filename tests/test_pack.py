"""A pack is written whole or not at all, and never over a good one by half a result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from generator import pack
from generator.cli import main
from generator.errors import OutputError, TemplateError
from generator.map.basemap import BaseMap
from generator.model import Team
from generator.options import PackOptions, with_environment
from generator.pack import failure_message, generate_packs, pack_slug, write_manifest
from generator.resources import Templates
from generator.workbook import read_team
from generator.workbook.spec import load_spec

PACK = "buurthuis-de-oever-vzw-vestiging-dampoort"


def manifest_only(team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None:
    write_manifest(team, folder)


def failing_render(team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None:
    (folder / "poster-A1.pdf").write_bytes(b"%PDF- half a poster")
    raise OutputError("the disk is full")


def test_a_failed_build_leaves_the_earlier_pack_untouched(
    example_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(pack, "render_pack", manifest_only)
    first = generate_packs([example_workbook], out)
    manifest = (first.made[example_workbook] / "pack.json").read_bytes()

    monkeypatch.setattr(pack, "render_pack", failing_render)
    second = generate_packs([example_workbook], out)

    assert second.failures == {example_workbook: "the disk is full"}
    assert [entry.name for entry in out.iterdir()] == [PACK]
    assert sorted(entry.name for entry in (out / PACK).iterdir()) == ["pack.json"]
    assert (out / PACK / "pack.json").read_bytes() == manifest


def test_a_new_pack_replaces_the_old_one_whole(
    example_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    (out / PACK).mkdir(parents=True)
    (out / PACK / "oud-bestand.txt").write_text("from an earlier version")
    monkeypatch.setattr(pack, "render_pack", manifest_only)

    generate_packs([example_workbook], out)

    assert sorted(entry.name for entry in (out / PACK).iterdir()) == ["pack.json"]
    assert [entry.name for entry in out.iterdir()] == [PACK]
    assert (out / PACK).stat().st_mode & 0o777 == 0o755


def test_an_interrupted_build_leaves_no_staging_folder(
    example_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pack, "render_pack", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate_packs([example_workbook], tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_templates_export_writes_every_default(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "sjablonen"
    result = runner.invoke(main, ["templates", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "workbook.toml").is_file()
    assert (target / "fonts" / "DejaVuSans.ttf").is_file()
    count = sum(1 for path in target.rglob("*") if path.is_file())
    assert result.stderr == f"{count} sjabloonbestanden geschreven naar {target}\n"

    again = runner.invoke(main, ["templates", "export", str(target)])
    assert again.exit_code == 1
    assert again.stderr == (
        f"Fout: in {target} staan al bestanden; kies een lege map of voeg --force toe om te "
        "overschrijven\n"
    )


def test_an_edited_workbook_template_changes_the_workbook(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "sjablonen"
    runner.invoke(main, ["templates", "export", str(target)])
    spec = target / "workbook.toml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace(
            'title = "Zo vullen jullie deze werkmap in"', 'title = "Welkom, team!"'
        ),
        encoding="utf-8",
    )
    broken = tmp_path / "kapot"
    broken.mkdir()
    (broken / "workbook.toml").write_text("title = [", encoding="utf-8")
    assert load_spec(Templates(target)).help_title == "Welkom, team!"
    with pytest.raises(TemplateError, match=r"kapot/workbook.toml: .*verbeter de TOML-syntaxis"):
        load_spec(Templates(broken))


def team_named(source: Path, folder: Path, name: str, site: str | None = None) -> Path:
    workbook = openpyxl.load_workbook(source)
    workbook["Organisatie"]["B2"] = name
    if site is not None:
        workbook["Organisatie"]["B3"] = site
    path = folder / f"{name[:20]}-{len(site or '')}.xlsx"
    workbook.save(path)
    return path


def test_a_batch_renders_on_spawned_worker_processes_and_one_failure_stops_none(
    example_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool path as Windows runs it (spawn: no fork, no forkserver), with real packs."""
    names = ["Team A", "Kapot", "Team C"]
    workbooks = [team_named(example_workbook, tmp_path, name) for name in names]
    out = tmp_path / "out"
    taken = out / "kapot-vestiging-dampoort"
    taken.mkdir(parents=True)
    (taken / "pack.json").write_text(
        json.dumps({"team": {"organisation": {"name": "Kapot!", "site": "Elders"}}})
    )
    started: list[str] = []

    def spawn_only() -> str:
        started.append("spawn")
        return "spawn"

    monkeypatch.setattr(pack, "pool_start_method", spawn_only)
    report = generate_packs(workbooks, out)

    assert report.failures == {
        workbooks[1]: f"in {taken} staat het pakket van 'Kapot!', vestiging 'Elders', en "
        "buurtkaart vervangt nooit het pakket van een andere vestiging; "
        "verplaats die map of kies een andere map met --out"
    }
    assert started == (["spawn"] if (os.cpu_count() or 1) > 1 else [])
    assert sorted(report.made) == sorted([workbooks[0], workbooks[2]])
    assert report.lacking == {workbooks[0]: ["geen basiskaart"], workbooks[2]: ["geen basiskaart"]}
    assert sorted(entry.name for entry in out.iterdir()) == [
        "kapot-vestiging-dampoort",
        "team-a-vestiging-dampoort",
        "team-c-vestiging-dampoort",
    ]
    made = out / "team-c-vestiging-dampoort"
    assert json.loads((made / "pack.json").read_text())["team"]["organisation"]["name"] == "Team C"
    assert (made / "poster-A1.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((taken / "pack.json").read_text())["team"]["organisation"]["site"] == "Elders"


def test_a_fault_of_ours_is_reported_as_one_with_the_workbook_and_an_output_error_as_itself() -> (
    None
):
    target = Path("out/pack")
    assert failure_message(ValueError("a fault of our own"), target) == (
        "het pakket kon niet gemaakt worden (ValueError: a fault of our own); dit is een fout "
        "in buurtkaart, meld ze samen met de werkmap"
    )
    assert failure_message(OutputError("the disk is full"), target) == "the disk is full"
    assert failure_message(PermissionError(13, "Permission denied"), target) == (
        "kan het pakket niet schrijven naar out/pack: Permission denied"
    )


def test_two_sites_whose_long_names_share_a_beginning_get_a_folder_each(
    example_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "Vereniging voor Buurtwerk en Samenlevingsopbouw in de Gentse Binnenstad vzw"
    first = team_named(example_workbook, tmp_path, name, "Vestiging Dampoort Noord")
    second = team_named(example_workbook, tmp_path, name, "Vestiging Dampoort Zuid")
    teams = [read_team(first), read_team(second)]
    monkeypatch.setattr(pack, "render_pack", manifest_only)

    report = generate_packs([first, second], tmp_path / "out")

    slugs = [pack_slug(team) for team in teams]
    assert slugs[0] != slugs[1]
    assert all(len(slug) == 80 and slug.startswith("vereniging-voor-buurtwerk") for slug in slugs)
    assert report.failures == {} and report.problems == {}
    sites = sorted(
        json.loads((folder / "pack.json").read_text())["team"]["organisation"]["site"]
        for folder in report.made.values()
    )
    assert sites == ["Vestiging Dampoort Noord", "Vestiging Dampoort Zuid"]


def test_a_pack_file_held_open_is_named_and_the_earlier_pack_kept(
    example_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on Windows, where a PDF open in a viewer can be neither moved nor written."""
    out = tmp_path / "out"
    monkeypatch.setattr(pack, "render_pack", manifest_only)
    generate_packs([example_workbook], out)
    held = out / PACK / "pack.json"
    rename, open_file = Path.rename, Path.open

    def locked_rename(self: Path, target: Any) -> Path:
        if self == out / PACK:
            raise PermissionError(13, "Access is denied")
        return rename(self, target)

    def locked_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == held and args[:1] == ("ab",):
            raise PermissionError(13, "The process cannot access the file")
        return open_file(self, *args, **kwargs)

    monkeypatch.setattr(Path, "rename", locked_rename)
    monkeypatch.setattr(Path, "open", locked_open)
    report = generate_packs([example_workbook], out)

    assert report.failures == {
        example_workbook: f"kan het pakket in {out / PACK} niet vervangen: {held} is open in "
        "een ander programma; sluit het en probeer opnieuw (het vorige "
        "pakket blijft bewaard)"
    }
    assert sorted(entry.name for entry in out.iterdir()) == [PACK]


def ended_process_id() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


@pytest.mark.skipif(os.name != "posix", reason="elsewhere leftovers are cleared by age")
def test_the_next_run_clears_what_a_killed_run_left_and_only_that(
    example_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    temporary = tmp_path / "tmp"
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    dead, alive = ended_process_id(), os.getppid()
    leftovers = [
        out / f".{PACK}-new-{dead}-ab12",
        out / f".{PACK}-old-{dead}-cd34",
        temporary / f"buurtkaart-{dead}-ef56",
    ]
    moved_aside = out / f".ander-pack-old-{dead}-gh78"  # killed mid-swap: the only copy
    kept = [
        out / f".{PACK}-new-{alive}-ij90",  # a run still going
        out / ".mijn-map-new-plan",  # not named as buurtkaart names its folders
        temporary / "buurtkaart-bench-kl12",
        temporary / f"buurtkaart-{alive}-mn34",
    ]
    for folder in [*leftovers, moved_aside, *kept]:
        folder.mkdir(parents=True)
        (folder / "pack.json").write_text("{}")
    monkeypatch.setattr(pack, "render_pack", manifest_only)

    generate_packs([example_workbook], out)

    assert [folder for folder in leftovers if folder.exists()] == []
    assert all(folder.is_dir() for folder in kept)
    assert (out / "ander-pack" / "pack.json").read_text() == "{}"
    assert sorted(entry.name for entry in out.iterdir()) == sorted(
        [PACK, "ander-pack", kept[0].name, kept[1].name]
    )


def test_settings_left_unset_come_from_the_environment_and_chosen_ones_win(
    tmp_path: Path,
) -> None:
    environment = {
        "BUURTKAART_CACHE_DIR": str(tmp_path),
        "BUURTKAART_TILE_URL": "http://127.0.0.1:1/{z}/{x}/{y}.png",
        "BUURTKAART_GEOCODER_URL": "http://127.0.0.1:2",
        "BUURTKAART_CONTACT": "team@example.org",
        "BUURTKAART_OVERPASS_URL": "http://127.0.0.1:3/api/interpreter",
    }
    chosen = PackOptions(tile_url="http://127.0.0.1:4/{z}/{x}/{y}.png", paper="A2")

    options = with_environment(chosen, environment)

    assert options == PackOptions(
        tile_url="http://127.0.0.1:4/{z}/{x}/{y}.png",
        cache_dir=tmp_path,
        geocoder_url="http://127.0.0.1:2",
        contact="team@example.org",
        overpass_url="http://127.0.0.1:3/api/interpreter",
        paper="A2",
    )
    assert with_environment(chosen, {"BUURTKAART_CONTACT": ""}) == chosen


def test_a_folder_that_cannot_be_written_is_a_failure_not_a_traceback(
    example_workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    make_folder = tempfile.mkdtemp

    def refused_in_out(*args: Any, **kwargs: Any) -> str:
        if kwargs.get("dir") == out:
            raise PermissionError(13, "Permission denied")
        return str(make_folder(*args, **kwargs))

    monkeypatch.setattr(tempfile, "mkdtemp", refused_in_out)
    monkeypatch.setattr(pack, "render_pack", manifest_only)
    report = generate_packs([example_workbook], out)
    assert report.failures == {
        example_workbook: (f"kan niet schrijven in {out}: Permission denied")
    }
    assert report.made == {}
