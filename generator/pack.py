"""The session pack: one folder per workbook, written whole or not at all.

A pack is built in a hidden staging folder beside its destination and swapped into place only
when every file in it is complete, so a failure never leaves half a pack over a good one.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from slugify import slugify

from generator import __version__
from generator.errors import BuurtkaartError, OutputError, Problem
from generator.map.basemap import BaseMap, tile_source
from generator.map.stage import MapDataProvider, MapStage, map_stage
from generator.model import Team
from generator.options import PackOptions
from generator.poster import grid_squares, map_frame_mm, write_poster
from generator.privacy import street_table
from generator.progress import Progress, SilentProgress
from generator.resources import Templates
from generator.validation import validate_workbooks
from generator.workbook.spec import load_spec
from generator.worksheets import check_templates, missing_soffice_warning, write_worksheets

MANIFEST = "pack.json"
MAX_WORKERS = 2  # measured in benchmarks/: more processes than cores only add memory


@dataclass
class BatchReport:
    """What a run of ``generate`` made and what it could not."""

    made: dict[Path, Path] = field(default_factory=dict)
    problems: dict[Path, list[Problem]] = field(default_factory=dict)
    failures: dict[Path, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[Path]:
        return [*self.problems, *self.failures]


def pack_slug(team: Team) -> str:
    organisation = team.organisation
    return slugify(f"{organisation.name} {organisation.site}", max_length=80) or "pack"


def generate_packs(
    workbooks: list[Path],
    out_dir: Path,
    options: PackOptions | None = None,
    progress: Progress | None = None,
    render: PackRenderer | None = None,
    map_data: MapDataProvider | None = None,
) -> BatchReport:
    """Validate all workbooks, then write a pack for each valid one; one bad one stops none.

    Network work (geocoding, tiles) runs first and in this process, one team after the other,
    so the servers' limits hold for the whole batch and a tile two packs share is fetched once.
    Rendering is CPU work and runs on both cores when there is more than one pack.
    """
    options = options or PackOptions()
    progress = progress or SilentProgress()
    render = render or render_pack
    templates = Templates(options.templates_dir)
    tile_source(options)  # a malformed --tiles URL stops the run before any address is sought
    teams, problems = validate_workbooks(workbooks, load_spec(templates))
    for team in teams.values():
        for warning in team.warnings:
            progress.warn(warning)
    report = BatchReport(problems=problems)
    prepare_out_dir(out_dir)
    if options.templates_dir is not None:
        check_templates(templates)
    if no_pdf := missing_soffice_warning(options):
        progress.warn(no_pdf)
    chosen = _claim_folders(teams, report)
    with (
        map_stage(options, progress, map_data) as stage,
        tempfile.TemporaryDirectory(prefix="buurtkaart-") as work,
        _renderer(len(chosen), render) as submit,
    ):
        stage.prepare([(team, map_frame_mm(team, options, templates)) for team in chosen.values()])
        pending = []
        for workbook, team in chosen.items():
            with _failure_recorded(report, workbook):
                job = _prepare(workbook, team, out_dir, options, templates, Path(work), stage)
                pending.append((job, submit(job)))
        for job, outcome in pending:
            with _failure_recorded(report, job.workbook):
                error = outcome.result()
                if error is None:
                    report.made[job.workbook] = job.target
                else:
                    report.failures[job.workbook] = error
    return report


@contextmanager
def _failure_recorded(report: BatchReport, workbook: Path) -> Iterator[None]:
    """One pack's failure is reported with its workbook and stops none of the others."""
    try:
        yield
    except BuurtkaartError as exc:
        report.failures[workbook] = exc.format_message()
    except Exception as exc:  # noqa: BLE001 - the batch boundary: a bug must not stop the rest
        report.failures[workbook] = (
            f"the pack could not be made ({type(exc).__name__}: {exc}); this is a fault in "
            "buurtkaart, please report it with the workbook"
        )


@dataclass(frozen=True)
class PackJob:
    """Everything a worker process needs to render one pack: picklable, no open handles."""

    workbook: Path
    team: Team
    base: BaseMap
    target: Path
    options: PackOptions


class PackRenderer(Protocol):
    def __call__(self, team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None: ...


def _claim_folders(teams: dict[Path, Team], report: BatchReport) -> dict[Path, Team]:
    """Keep the first workbook for each pack folder; a later one is a problem, not an overwrite."""
    claimed: dict[str, Path] = {}
    kept: dict[Path, Team] = {}
    for workbook, team in teams.items():
        slug = pack_slug(team)
        if slug in claimed:
            report.problems[workbook] = [
                Problem(
                    workbook,
                    f"its organisation and site give the same pack folder '{slug}' as "
                    f"{claimed[slug]}",
                    "give each workbook its own Vestiging on the sheet 'Organisatie'",
                    sheet=team.organisation.source.sheet,
                )
            ]
        else:
            claimed[slug] = workbook
            kept[workbook] = team
    return kept


def _prepare(
    workbook: Path,
    team: Team,
    out_dir: Path,
    options: PackOptions,
    templates: Templates,
    work_dir: Path,
    stage: MapStage,
) -> PackJob:
    """The network stage of one pack: place the addresses, get the base map."""
    slug = pack_slug(team)
    map_dir = work_dir / slug
    map_dir.mkdir()
    placed, base = stage.map_team(team, map_frame_mm(team, options, templates), map_dir)
    return PackJob(workbook, placed, base, out_dir / slug, options)


class Outcome(Protocol):
    def result(self) -> str | None: ...


class _Done:
    """The outcome of a pack rendered in this process, shaped like a Future."""

    def __init__(self, value: str | None) -> None:
        self.value = value

    def result(self) -> str | None:
        return self.value


@contextmanager
def _renderer(packs: int, render: PackRenderer) -> Iterator[Callable[[PackJob], Outcome]]:
    """Where packs are rendered: here for one pack, else on a pool of worker processes.

    The pool takes each pack as soon as its map is ready, so rendering on one core overlaps
    with the next team's geocoding and tiles here.
    """
    workers = min(MAX_WORKERS, os.cpu_count() or 1, packs)
    if workers <= 1:
        yield lambda job: _Done(_render_job(job, render))
        return
    # forkserver: this process holds tile-fetching threads, which fork() would copy mid-lock;
    # preloading the renderers makes each worker start without importing them again.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["generator.pack"])
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield lambda job: pool.submit(_render_job, job, render)


def _render_job(job: PackJob, render: PackRenderer) -> str | None:
    """Write one pack whole; the error message (not the exception) crosses process bounds."""
    try:
        write_pack(job.target, partial(render, job.team, job.base, options=job.options))
    except BuurtkaartError as exc:
        return exc.format_message()
    except OSError as exc:
        return f"cannot write the pack to {job.target}: {exc.strerror or exc}"
    return None


def prepare_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is a file, not a folder; name a folder with --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {out_dir}: {exc.strerror}") from exc


def render_pack(team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None:
    """Every file of one team's pack, written into ``folder``."""
    templates = Templates(options.templates_dir)
    # The worksheets' XML parsing and zipping release the GIL, as does the poster preview's
    # rasterising: a second thread cuts a pack's time by about a third (benchmarks/run.py).
    with ThreadPoolExecutor(max_workers=1) as helper:
        squares = grid_squares(team, base, options, templates)
        worksheets = helper.submit(write_worksheets, team, folder, templates, options, squares)
        files = write_poster(team, base, options, folder, templates)
        files += worksheets.result()
    write_manifest(team, folder, files, options.min_count)


def write_pack(target: Path, build: Callable[[Path], None]) -> Path:
    """Build the pack in a staging folder, then swap it in place of any earlier pack."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    except OSError as exc:
        raise OutputError(f"cannot write in {target.parent}: {exc.strerror}") from exc
    staging.chmod(0o755)  # mkdtemp makes it private; a pack is shared like any other folder
    try:
        build(staging)
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _swap_into_place(staging: Path, target: Path) -> None:
    previous = target.with_name(f".{target.name}-old-{staging.name.rsplit('-', 1)[-1]}")
    try:
        if target.exists():
            target.rename(previous)
        staging.rename(target)
    except OSError as exc:
        if previous.exists() and not target.exists():
            previous.rename(target)
        raise OutputError(
            f"cannot move the new pack into {target}: {exc.strerror}; the earlier pack is "
            f"{'kept' if target.exists() else 'in ' + str(previous)}"
        ) from exc
    shutil.rmtree(previous, ignore_errors=True)


def write_manifest(
    team: Team, folder: Path, files: list[str] | None = None, min_count: int = PackOptions.min_count
) -> None:
    """pack.json: the team as the pack shows it, participants merged as on the poster."""
    shown = dataclasses.asdict(team)
    participants = street_table(team.participants, min_count)
    shown["participants"] = [dataclasses.asdict(row) for row in participants.rows]
    shown["participants_hidden"] = participants.hidden
    manifest = {
        "buurtkaart": __version__,
        "files": sorted([*(files or []), MANIFEST]),
        "team": _jsonable(shown),
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Path):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
