"""A pack is written whole or not at all, and never over a good one by half a result."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.errors import OutputError, TemplateError
from generator.map.basemap import BaseMap
from generator.model import Team
from generator.options import PackOptions
from generator.pack import generate_packs, write_manifest
from generator.resources import Templates
from generator.workbook.spec import load_spec

PACK = "buurthuis-de-oever-vzw-vestiging-dampoort"


def manifest_only(team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None:
    write_manifest(team, folder)


def failing_render(team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None:
    (folder / "poster-A1.pdf").write_bytes(b"%PDF- half a poster")
    raise OutputError("the disk is full")


def test_a_failed_build_leaves_the_earlier_pack_untouched(
    example_workbook: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = generate_packs([example_workbook], out, render=manifest_only)
    manifest = (first.made[example_workbook] / "pack.json").read_bytes()

    second = generate_packs([example_workbook], out, render=failing_render)

    assert second.failures == {example_workbook: "the disk is full"}
    assert [entry.name for entry in out.iterdir()] == [PACK]
    assert sorted(entry.name for entry in (out / PACK).iterdir()) == ["pack.json"]
    assert (out / PACK / "pack.json").read_bytes() == manifest


def test_a_new_pack_replaces_the_old_one_whole(example_workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / PACK).mkdir(parents=True)
    (out / PACK / "oud-bestand.txt").write_text("from an earlier version")

    generate_packs([example_workbook], out, render=manifest_only)

    assert sorted(entry.name for entry in (out / PACK).iterdir()) == ["pack.json"]
    assert [entry.name for entry in out.iterdir()] == [PACK]
    assert (out / PACK).stat().st_mode & 0o777 == 0o755


def test_an_interrupted_build_leaves_no_staging_folder(
    example_workbook: Path, tmp_path: Path
) -> None:
    def interrupted(team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_packs([example_workbook], tmp_path / "out", render=interrupted)
    assert list((tmp_path / "out").iterdir()) == []


def test_templates_export_writes_every_default(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "sjablonen"
    result = runner.invoke(main, ["templates", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "workbook.toml").is_file()
    assert (target / "fonts" / "DejaVuSans.ttf").is_file()
    count = sum(1 for path in target.rglob("*") if path.is_file())
    assert result.stderr == f"Wrote {count} template files to {target}\n"

    again = runner.invoke(main, ["templates", "export", str(target)])
    assert again.exit_code == 1
    assert again.stderr == (
        f"Error: {target} already holds files; choose an empty folder or add --force to overwrite\n"
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
    with pytest.raises(TemplateError, match=r"kapot/workbook.toml: .*fix the TOML syntax"):
        load_spec(Templates(broken))


def render_or_fail(team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None:
    if team.organisation.name == "Kapot":
        raise OutputError("the disk is full")
    if team.organisation.name == "Fout":
        raise ValueError("a fault of our own")
    write_manifest(team, folder)
    (folder / "pid").write_text(str(os.getpid()))


def team_named(source: Path, folder: Path, name: str) -> Path:
    workbook = openpyxl.load_workbook(source)
    workbook["Organisatie"]["B2"] = name
    path = folder / f"{name}.xlsx"
    workbook.save(path)
    return path


def test_a_batch_renders_on_worker_processes_and_one_failure_stops_none(
    example_workbook: Path, tmp_path: Path
) -> None:
    names = ["Team A", "Kapot", "Fout", "Team C"]
    workbooks = [team_named(example_workbook, tmp_path, name) for name in names]
    out = tmp_path / "out"

    report = generate_packs(workbooks, out, render=render_or_fail)

    assert report.failures == {
        workbooks[1]: "the disk is full",
        workbooks[2]: "the pack could not be made (ValueError: a fault of our own); this is a "
        "fault in buurtkaart, please report it with the workbook",
    }
    assert sorted(report.made) == sorted([workbooks[0], workbooks[3]])
    assert sorted(entry.name for entry in out.iterdir()) == [
        "team-a-vestiging-dampoort",
        "team-c-vestiging-dampoort",
    ]
    pack = out / "team-c-vestiging-dampoort"
    assert json.loads((pack / "pack.json").read_text())["team"]["organisation"]["name"] == "Team C"
    if (os.cpu_count() or 1) > 1:
        assert int((pack / "pid").read_text()) != os.getpid()


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
    report = generate_packs([example_workbook], out, render=manifest_only)
    assert report.failures == {example_workbook: f"cannot write in {out}: Permission denied"}
    assert report.made == {}
